#!/usr/bin/python3
"""Listens to Celery's events the way Flower and `celery events` do (Celery's own consumer, app.events.Receiver,
which broadcasts `heartbeat` to wake the workers when it starts) and prints each event as one JSON line.

  event_listener.py --broker redis://127.0.0.1:P/1 [--global-keyprefix P] --seconds 30
      [--until TYPE[,TYPE…] --hostname NAME]   stop early once NAME has sent every TYPE
      [--state]                                at the end, one line {"state": …}: what celery.events.state.State
                                               (the model Flower and the curses monitor keep) knows of workers and tasks

Prints "ready" on stderr once it consumes. Exit codes: 0 done, 1 Redis/Celery failure, 2 bad arguments.
"""
import argparse
import json
import socket
import sys
import time

try:
    from celery import Celery
    from celery.events.state import State
except ImportError as exc:
    sys.exit(f"event_listener: {exc}; run with Debian's /usr/bin/python3 (apt-get install -y python3-celery python3-redis)")


class Done(Exception):
    pass


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--broker", required=True)
    p.add_argument("--global-keyprefix", default="")
    p.add_argument("--seconds", type=float, default=30.0)
    p.add_argument("--until", default="")
    p.add_argument("--hostname", default="")
    p.add_argument("--state", action="store_true")
    a = p.parse_args(argv)
    wanted = {t for t in a.until.split(",") if t}
    if wanted and not a.hostname:
        print("event_listener: --until needs --hostname", file=sys.stderr)
        return 2

    app = Celery("event_listener", broker=a.broker)
    app.conf.update(broker_transport_options={"global_keyprefix": a.global_keyprefix}, accept_content=["json"])
    state = State()
    seen = set()
    deadline = time.monotonic() + a.seconds

    def on_event(event):
        state.event(event)
        print(json.dumps(event, default=repr), flush=True)
        if event.get("hostname") == a.hostname:
            seen.add(event["type"])
        if wanted and wanted <= seen:
            raise Done()
        if time.monotonic() > deadline:
            raise Done()

    try:
        with app.connection_for_read() as conn:
            recv = app.events.Receiver(conn, handlers={"*": on_event})
            original = recv.on_consume_ready

            def ready(*args, **kwargs):
                print("ready", file=sys.stderr, flush=True)
                return original(*args, **kwargs)

            recv.on_consume_ready = ready
            # One consumer for the whole run (each capture would wake the workers again); the handler ends it at the
            # deadline, and a quiet broker (no event within the time left) ends it too.
            try:
                recv.capture(limit=None, timeout=max(1.0, deadline - time.monotonic()), wakeup=True)
            except (socket.timeout, TimeoutError):
                pass
    except Done:
        pass
    except Exception as exc:  # pylint: disable=broad-except
        print(f"event_listener: {exc!r}", file=sys.stderr)
        return 1
    if a.state:
        print(json.dumps({"state": {
            "workers": {name: {"alive": w.alive, "active": w.active, "processed": w.processed, "sw_ident": w.sw_ident}
                        for name, w in state.workers.items()},
            "tasks": {uuid: {"state": t.state, "name": t.name, "worker": t.worker.hostname if t.worker else None,
                             "result": t.result, "exception": t.exception, "runtime": t.runtime}
                      for uuid, t in state.tasks.items()},
        }}, default=repr), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
