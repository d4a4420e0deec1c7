#!/usr/bin/python3
"""Read a task result the way AFIRGen's Python code does, and print it as JSON.

Uses celery.Celery(backend=...) and AsyncResult(id).get(timeout, propagate=False),
so the read goes through Celery's own Redis result backend: get() subscribes to
the pub/sub channel named after the key (celery-task-meta-<id>) and is woken by
the PUBLISH a worker sends with the SETEX. A result written by another process
after this starts is picked up only if it is published, as Celery's worker does.

Example:
  /usr/bin/python3 tools/celery/celery_result.py --backend redis://127.0.0.1:6390/2 \
      --id 5b7f0c1e-0000-4000-8000-000000000001 --timeout 10

Prints one JSON line:
  {"task_id", "state", "result", "traceback", "ready", "successful", "date_done", "children", …}
where an exception result is {"exc_type": <type name>, "exc_message": str(exc)}.
Also "timed_out": true when get() gave up (then "state" is read once more after it).
Exit codes: 0 get() returned a ready result (SUCCESS, FAILURE, REVOKED), 3 timeout,
1 Redis/Celery failure, 2 bad arguments.
"""
import argparse
import json
import sys

try:
    import redis
    from celery import Celery
    from celery.exceptions import TimeoutError as CeleryTimeoutError
except ImportError as exc:
    sys.exit(f"celery_result: {exc}; run with Debian's /usr/bin/python3 "
             "(apt-get install -y python3-celery python3-redis)")

EXIT_TIMEOUT = 3


def fail(message, code=1):
    print(f"celery_result: {message}", file=sys.stderr)
    sys.exit(code)


def jsonable(value):
    """The result as JSON: exceptions by type name and message, the rest as is."""
    if isinstance(value, BaseException):
        return {"exc_type": type(value).__name__, "exc_message": str(value)}
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return repr(value)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--backend", required=True, help="result backend URL, redis://127.0.0.1:PORT/DB")
    p.add_argument("--id", required=True, help="task id")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds to wait (default 10)")
    a = p.parse_args(argv)
    if a.timeout <= 0:
        fail("--timeout must be positive", 2)

    try:
        redis.Redis.from_url(a.backend, socket_connect_timeout=3).ping()
    except (redis.RedisError, ValueError) as exc:
        fail(f"cannot reach Redis at {a.backend}: {exc}")

    app = Celery("celery_result", backend=a.backend)
    app.conf.update(result_serializer="json", accept_content=["json"],
                    result_accept_content=["json"])
    r = app.AsyncResult(a.id)
    timed_out = False
    value = None
    try:
        value = r.get(timeout=a.timeout, propagate=False)
    except CeleryTimeoutError:
        timed_out = True
    except redis.RedisError as exc:
        fail(f"Redis failed while waiting: {exc}")

    try:
        ready = r.ready()
        out = {
            "task_id": r.id,
            "state": r.state,
            "result": None if timed_out else jsonable(value),
            "traceback": r.traceback,
            "ready": ready,
            "successful": r.successful(),
            "date_done": None if r.date_done is None else str(r.date_done),
            "children": None if not r.children else repr(r.children),
            # result_extended: what Celery 5.2's AsyncResult reads from the meta (None when not stored).
            "name": r.name,
            "args": r.args,
            "kwargs": r.kwargs,
            "worker": r.worker,
            "retries": r.retries,
            "queue": r.queue,
            # get() timed out. With ready true this means the key was written
            # without the PUBLISH that wakes Celery's waiting clients.
            "timed_out": timed_out,
        }
    except redis.RedisError as exc:
        fail(f"Redis failed while reading the result: {exc}")
    finally:
        app.close()
    print(json.dumps(out))
    return EXIT_TIMEOUT if timed_out or not ready else 0


if __name__ == "__main__":
    sys.exit(main())
