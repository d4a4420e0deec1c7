"""The Celery app celery_bench.py runs as a worker: the seed's settings, two tasks.

Imported by `python3 -m celery -A bench_app worker` (celery_bench.py starts it with
this folder on PYTHONPATH) and by the producer. The Redis server comes from the
environment variable CELERY_BENCH_REDIS (redis://host:port): broker db 1,
result backend db 2, as in AFIRGen's configuration.
"""
import os
import time

from celery import Celery

BASE = os.environ.get("CELERY_BENCH_REDIS", "redis://127.0.0.1:6379").rstrip("/")
QUEUE = "bench"

app = Celery("bench_app", broker=f"{BASE}/1", backend=f"{BASE}/2")
app.conf.update(
    # The seed's worker settings (shared/seed, DESIGN.md "Measuring against Celery").
    worker_pool="prefork",
    worker_concurrency=2,
    worker_prefetch_multiplier=4,
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    result_expires=86400,
    task_default_queue=QUEUE,
    # Not set, to measure Celery at its best: task_track_started (one more
    # result write per task), result_extended, worker_max_tasks_per_child
    # (would recycle each child every 1000 tasks mid-round).
)


@app.task(name="bench.noop")
def noop():
    return 1


@app.task(name="bench.sleep10")
def sleep10():
    time.sleep(0.010)
    return 1


# The names our diagnostic tasks have, so that redis_broker_bench.py sends one message stream that both
# Celery's worker and ours run unchanged.
@app.task(name="diagnostics.noop")
def diagnostics_noop():
    return None


@app.task(name="diagnostics.sleep")
def diagnostics_sleep(seconds=0.01):
    time.sleep(seconds)
    return None
