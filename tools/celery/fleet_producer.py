#!/usr/bin/python3
"""A Celery producer for the Redis transport's tests, fault suite and benchmark: sends tasks through a real
Celery 5.2 app (kombu's Redis transport) and prints their ids, one per line.

  fleet_producer.py --broker redis://127.0.0.1:P/1 --count 2000 [--task fleet.record] [--queue fleet]
      [--kwargs JSON] [--priority N] [--countdown S] [--expires S] [--rate PER_S] [--global-keyprefix P]
  fleet_producer.py --broker … --shapes     the six shapes of shared/celery-wire, AFIRGen's routes;
                                            prints "shape id" per line
  fleet_producer.py --broker … --backend redis://…/2 --chord N [--fail-index I] [--queue fleet]
                                            chord(group(fleet.square(i) for i in range(N)), fleet.total()), as
                                            Celery's canvas sends it (the chord's size set in the backend); header
                                            task I fails; prints {"body": id, "group": id, "header": [ids]}

Exit codes: 0 sent, 1 Redis/Celery failure, 2 bad arguments.
"""
import argparse
import json
import sys
import time

try:
    from celery import Celery, chain, chord, group
except ImportError as exc:
    sys.exit(f"fleet_producer: {exc}; run with Debian's /usr/bin/python3 (apt-get install -y python3-celery python3-redis)")

AFIRGEN_QUEUES = ("email", "reports", "analytics", "cleanup")


def make_app(broker, prefix, backend=None):
    app = Celery("fleet_producer", broker=broker, backend=backend)
    app.conf.update(
        task_routes={f"afirgen_tasks.{q}.*": {"queue": q} for q in AFIRGEN_QUEUES},
        task_default_queue="default",
        task_serializer="json",
        accept_content=["json"],
        broker_transport_options={"global_keyprefix": prefix},
    )
    return app


def send_shapes(app):
    """The six message shapes of shared/celery-wire (see its README), sent as AFIRGen sends them."""
    out = []
    r = app.send_task("afirgen_tasks.email.send_fir_confirmation", args=["FIR-2026-0001", "a@example.org"], priority=3)
    out.append(("01-email-basic", r.id))
    r = app.send_task("afirgen_tasks.reports.generate_pdf", kwargs={"fir_id": "FIR-2026-0002"}, priority=9,
                      countdown=2, expires=3600, time_limit=600, soft_time_limit=540)
    out.append(("02-report-eta-expires-limits", r.id))
    first = app.signature("afirgen_tasks.reports.generate_pdf", args=["FIR-2026-0003"])
    result = chain(first, app.signature("afirgen_tasks.email.send_notification", args=["officer@example.org"])).apply_async()
    last = result.id
    while result.parent is not None:
        result = result.parent
    out.append(("03-chain-first-link", result.id))
    out.append(("03-chain-second-link", last))
    r = app.send_task("afirgen_tasks.analytics.update_dashboard", kwargs={"station": "PS-7"}, retries=2,
                      parent_id="11111111-1111-1111-1111-111111111111", root_id="22222222-2222-2222-2222-222222222222")
    out.append(("04-analytics-child-retry2", r.id))
    r = app.send_task("afirgen_tasks.cleanup.clear_expired_cache")
    out.append(("05-cleanup-no-priority", r.id))
    r = app.send_task("diagnostics.echo", kwargs={"unrouted": True})
    out.append(("06-unrouted-default-queue", r.id))
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--broker", required=True)
    p.add_argument("--global-keyprefix", default="")
    p.add_argument("--shapes", action="store_true")
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--task", default="fleet.record")
    p.add_argument("--queue", default="fleet")
    p.add_argument("--kwargs", default="{}")
    p.add_argument("--priority", type=int)
    p.add_argument("--countdown", type=float)
    p.add_argument("--expires", type=float, help="seconds from now (negative: already expired)")
    p.add_argument("--rate", type=float, help="tasks per second (default: as fast as possible)")
    p.add_argument("--backend", help="result backend URL (chords keep their join there)")
    p.add_argument("--chord", type=int, help="send a chord of this many fleet.square tasks and a fleet.total body")
    p.add_argument("--fail-index", type=int, help="with --chord: this header task fails")
    a = p.parse_args(argv)
    try:
        kwargs = json.loads(a.kwargs)
    except ValueError as exc:
        print(f"fleet_producer: --kwargs is not JSON: {exc}", file=sys.stderr)
        return 2

    if a.chord is not None and not a.backend:
        print("fleet_producer: --chord needs --backend (the chord's join lives in the result backend)", file=sys.stderr)
        return 2
    app = make_app(a.broker, a.global_keyprefix, a.backend)
    try:
        if a.chord is not None:
            header = group(app.signature("fleet.square", args=[i], kwargs={"fail": i == a.fail_index}, queue=a.queue)
                           for i in range(a.chord))
            body = app.signature("fleet.total", queue=a.queue)
            result = chord(header)(body)
            print(json.dumps({"body": result.id, "group": result.parent.id,
                              "header": [r.id for r in result.parent.results]}), flush=True)
            return 0
        if a.shapes:
            for shape, task_id in send_shapes(app):
                print(shape, task_id, flush=True)
            return 0
        options = {"queue": a.queue}
        if a.priority is not None:
            options["priority"] = a.priority
        if a.countdown is not None:
            options["countdown"] = a.countdown
        if a.expires is not None:
            options["expires"] = a.expires
        start = time.monotonic()
        with app.producer_or_acquire() as producer:
            for i in range(a.count):
                if a.rate:
                    wait = start + i / a.rate - time.monotonic()
                    if wait > 0:
                        time.sleep(wait)
                r = app.send_task(a.task, kwargs=kwargs, producer=producer, **options)
                print(r.id, flush=(i % 100 == 0))
        sys.stdout.flush()
        return 0
    except Exception as exc:  # noqa: BLE001 - report any Celery/kombu failure plainly
        print(f"fleet_producer: Celery could not send: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        app.close()


if __name__ == "__main__":
    sys.exit(main())
