#!/usr/bin/python3
"""Print the kombu envelope real Celery writes for one task message.

The task is sent through a real Celery app whose broker is Redis; the raw
message is then removed from the Redis list kombu pushed it onto and printed
unchanged, so the output is Celery's bytes, not our idea of them.

Example:
  /usr/bin/python3 tools/celery/celery_envelope.py --redis redis://127.0.0.1:6390/1 \
      --task afirgen_tasks.email.send_fir_confirmation \
      --args '["FIR-2026-0001", "a@example.org"]' --priority 3

Exit codes: 0 printed, 1 Celery/Redis failure or message not found, 2 bad arguments.
"""
import argparse
import datetime
import json
import sys

try:
    import redis
    from celery import Celery, chain
except ImportError as exc:  # pyenv's python3 has no celery: say so plainly
    sys.exit(f"celery_envelope: {exc}; run with Debian's /usr/bin/python3 "
             "(apt-get install -y python3-celery python3-redis)")

# AFIRGen's task_routes: the queue is the second segment of the task name.
AFIRGEN_QUEUES = ("email", "reports", "analytics", "cleanup")
DEFAULT_QUEUE = "default"

# kombu's Redis transport (kombu/transport/redis.py): a message with priority
# p goes to the list "<queue>" + SEP + step, where step is the largest of
# PRIORITY_STEPS <= p; step 0 is the bare queue name.
KOMBU_SEP = "\x06\x16"
KOMBU_PRIORITY_STEPS = (0, 3, 6, 9)


def fail(message, code=1):
    print(f"celery_envelope: {message}", file=sys.stderr)
    sys.exit(code)


def afirgen_routes():
    """The producer-side task_routes of AFIRGen's Celery app (queue only).

    The samples in shared/celery-wire were made with queue-only routes, which is
    why a message sent without a priority carries properties.priority 0.
    """
    return {f"afirgen_tasks.{q}.*": {"queue": q} for q in AFIRGEN_QUEUES}


def route_queue(task_name):
    for q in AFIRGEN_QUEUES:
        if task_name.startswith(f"afirgen_tasks.{q}."):
            return q
    return DEFAULT_QUEUE


def parse_json(text, kind, what):
    try:
        value = json.loads(text)
    except ValueError as exc:
        fail(f"{what} is not valid JSON: {exc}", 2)
    if not isinstance(value, kind):
        fail(f"{what} must be a JSON {kind.__name__}", 2)
    return value


def parse_time(text, what):
    """An ISO-8601 timestamp (kept naive if given naive, as Celery does)."""
    try:
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        fail(f"{what} is not an ISO-8601 timestamp: {exc}", 2)


def number(text):
    """int when integral, so timelimit reads [600, 540] as in Celery's samples."""
    value = float(text)
    return int(value) if value.is_integer() else value


def parse_expires(text):
    # Celery accepts seconds from now or a datetime; take both.
    try:
        return float(text)
    except ValueError:
        return parse_time(text, "--expires")


def candidate_lists(queue):
    return [queue] + [f"{queue}{KOMBU_SEP}{step}" for step in KOMBU_PRIORITY_STEPS if step]


def take_message(client, task_id, queue):
    """Remove and return the raw message with this task id.

    Looks in the queue and its priority sub-lists first, then (in case routing
    sent it somewhere unexpected) in every list of the database. LREM of the
    exact bytes rather than RPOP, so other messages already waiting are left alone.
    """
    needle = task_id.encode()

    def search(keys):
        for key in keys:
            for raw in client.lrange(key, 0, -1):
                if needle in raw:
                    try:
                        envelope = json.loads(raw)
                    except ValueError:
                        continue
                    if envelope.get("headers", {}).get("id") == task_id:
                        client.lrem(key, 1, raw)
                        return key, raw
        return None

    found = search(candidate_lists(queue))
    if found is None:
        others = [k for k in client.scan_iter(count=1000) if client.type(k) == b"list"]
        found = search(others)
    return found


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--redis", required=True, help="broker URL, redis://127.0.0.1:PORT/DB")
    p.add_argument("--task", required=True, help="task name")
    p.add_argument("--args", default="[]", help="JSON array of positional args")
    p.add_argument("--kwargs", default="{}", help="JSON object of keyword args")
    p.add_argument("--priority", type=int)
    p.add_argument("--countdown", type=float, help="seconds from now")
    p.add_argument("--eta", help="ISO-8601 timestamp")
    p.add_argument("--expires", help="ISO-8601 timestamp or seconds from now")
    p.add_argument("--time-limit", type=number, help="hard time limit, seconds")
    p.add_argument("--soft-time-limit", type=number, help="soft time limit, seconds")
    p.add_argument("--retries", type=int, help="headers.retries (send_task accepts it)")
    p.add_argument("--queue", help="queue; default: AFIRGen's task_routes, else 'default'")
    p.add_argument("--task-id")
    p.add_argument("--chain-next", metavar="NAME",
                   help="send as the first link of chain(task.s(...), NAME.s())")
    p.add_argument("--chain-args", default="[]", help="JSON array of args for --chain-next")
    p.add_argument("--where", action="store_true",
                   help="also say on stderr which Redis list the message was in")
    p.add_argument("--parent-id")
    p.add_argument("--root-id")
    a = p.parse_args(argv)

    args = parse_json(a.args, list, "--args")
    kwargs = parse_json(a.kwargs, dict, "--kwargs")
    queue = a.queue or route_queue(a.task)

    options = {"queue": queue}
    if a.priority is not None:
        options["priority"] = a.priority
    if a.countdown is not None:
        options["countdown"] = a.countdown
    if a.eta:
        options["eta"] = parse_time(a.eta, "--eta")
    if a.expires:
        options["expires"] = parse_expires(a.expires)
    if a.time_limit is not None:
        options["time_limit"] = a.time_limit
    if a.soft_time_limit is not None:
        options["soft_time_limit"] = a.soft_time_limit
    if a.retries is not None:
        options["retries"] = a.retries
    if a.task_id:
        options["task_id"] = a.task_id
    if a.parent_id:
        options["parent_id"] = a.parent_id
    if a.root_id:
        options["root_id"] = a.root_id

    # Fail fast and clearly if Redis is not there (Celery would retry quietly).
    try:
        client = redis.Redis.from_url(a.redis, socket_connect_timeout=3, socket_timeout=10)
        client.ping()
    except (redis.RedisError, ValueError) as exc:
        fail(f"cannot reach Redis at {a.redis}: {exc}")

    app = Celery("celery_envelope", broker=a.redis)
    app.conf.update(
        task_routes=afirgen_routes(),
        task_default_queue=DEFAULT_QUEUE,
        task_serializer="json",
        accept_content=["json"],
        broker_connection_timeout=3,
        broker_connection_max_retries=1,
    )
    try:
        if a.chain_next:
            first = app.signature(a.task, args=args, kwargs=kwargs)
            chain_args = parse_json(a.chain_args, list, "--chain-args")
            second = app.signature(a.chain_next, args=chain_args)
            result = chain(first, second).apply_async(**options)
            # chain.apply_async returns the *last* link's result; walk to the first.
            while result.parent is not None:
                result = result.parent
        else:
            result = app.send_task(a.task, args=args, kwargs=kwargs, **options)
        task_id = result.id
    except Exception as exc:  # noqa: BLE001 - report any Celery/kombu failure plainly
        fail(f"Celery could not send the task: {type(exc).__name__}: {exc}")
    finally:
        app.close()

    found = take_message(client, task_id, queue)
    if found is None:
        fail(f"sent task {task_id} but found no message for it in Redis")
    key, raw = found
    if a.where:
        print(f"celery_envelope: found in Redis list {key!r}", file=sys.stderr)
    sys.stdout.write(raw.decode("utf-8") + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
