#!/usr/bin/python3
"""Celery's remote control, called as AFIRGen and Celery's own tools call it (app.control, kombu's pidbox on the
Redis broker), for the Redis transport's tests.

  fleet_control.py --broker redis://127.0.0.1:P/1 [--global-keyprefix P] revoke ID [ID…] [--terminate] [--signal S]
      app.control.revoke(ids, terminate=…): AFIRGen's cancel button, which waits for no reply; prints nothing
  fleet_control.py … call COMMAND [--arguments JSON] [--destination A,B] [--timeout S] [--no-reply]
      app.control.broadcast(COMMAND, …, reply=True): prints the replies as one JSON list
  fleet_control.py … inspect METHOD [--destination A,B] [--timeout S]
      app.control.inspect().METHOD(): prints the replies as one JSON object (null when none)

Exit codes: 0 done, 1 Redis/Celery failure, 2 bad arguments.
"""
import argparse
import json
import sys

try:
    from celery import Celery
except ImportError as exc:
    sys.exit(f"fleet_control: {exc}; run with Debian's /usr/bin/python3 (apt-get install -y python3-celery python3-redis)")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--broker", required=True)
    p.add_argument("--global-keyprefix", default="")
    sub = p.add_subparsers(dest="what", required=True)
    revoke = sub.add_parser("revoke")
    revoke.add_argument("ids", nargs="+")
    revoke.add_argument("--terminate", action="store_true")
    revoke.add_argument("--signal", default="SIGTERM")
    call = sub.add_parser("call")
    call.add_argument("command")
    call.add_argument("--arguments", default="{}")
    call.add_argument("--destination")
    call.add_argument("--timeout", type=float, default=1.0)
    call.add_argument("--no-reply", action="store_true")
    inspect = sub.add_parser("inspect")
    inspect.add_argument("method")
    inspect.add_argument("--destination")
    inspect.add_argument("--timeout", type=float, default=1.0)
    a = p.parse_args(argv)

    app = Celery("fleet_control", broker=a.broker)
    app.conf.update(broker_transport_options={"global_keyprefix": a.global_keyprefix}, accept_content=["json"])
    try:
        if a.what == "revoke":
            ids = a.ids[0] if len(a.ids) == 1 else a.ids
            app.control.revoke(ids, terminate=a.terminate, signal=a.signal)
            return 0
        destination = a.destination.split(",") if a.destination else None
        if a.what == "call":
            try:
                arguments = json.loads(a.arguments)
            except ValueError as exc:
                print(f"fleet_control: --arguments is not JSON: {exc}", file=sys.stderr)
                return 2
            replies = app.control.broadcast(a.command, arguments=arguments, destination=destination,
                                            reply=not a.no_reply, timeout=a.timeout)
            print(json.dumps(replies))
            return 0
        replies = getattr(app.control.inspect(destination=destination, timeout=a.timeout), a.method)()
        print(json.dumps(replies))
        return 0
    except Exception as exc:  # noqa: BLE001 - report any Celery/kombu failure plainly
        print(f"fleet_control: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        app.close()


if __name__ == "__main__":
    sys.exit(main())
