"""Celery's half of a mixed fleet: fleet.record, fleet.square and fleet.total, the tasks our FaultWorker also runs.

Started as: python3 -m celery -A fleet_app worker -Q <queue> (this folder on PYTHONPATH) with
FLEET_BROKER=redis://127.0.0.1:PORT/1, FLEET_BACKEND=redis://127.0.0.1:PORT/2, FLEET_REDIS=redis://…/3
(where the task records), FLEET_PREFIX (key prefix there), FLEET_GLOBAL_KEYPREFIX (kombu's) and
FLEET_VISIBILITY_TIMEOUT (seconds; keep it equal to our workers' VisibilityTimeout).
"""
import os
import time

import redis
from celery import Celery

app = Celery("fleet", broker=os.environ["FLEET_BROKER"], backend=os.environ.get("FLEET_BACKEND"))
app.conf.update(
    worker_pool="prefork",
    worker_concurrency=int(os.environ.get("FLEET_CONCURRENCY", "2")),
    worker_prefetch_multiplier=4,
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    worker_hijack_root_logger=False,
    broker_transport_options={
        "global_keyprefix": os.environ.get("FLEET_GLOBAL_KEYPREFIX", ""),
        "visibility_timeout": float(os.environ.get("FLEET_VISIBILITY_TIMEOUT", "3600")),
    },
)
_records = redis.Redis.from_url(os.environ.get("FLEET_REDIS", "redis://127.0.0.1:6379/3"))
_prefix = os.environ.get("FLEET_PREFIX", "fleet:")


@app.task(name="fleet.record", bind=True)
def record(self, sleep_ms=0):
    """Waits sleep_ms, then records its completion exactly as FleetTasks.cs does."""
    if sleep_ms:
        time.sleep(sleep_ms / 1000.0)
    task_id = self.request.id
    pipe = _records.pipeline(transaction=True)
    pipe.hincrby(_prefix + "runs", task_id, 1)
    pipe.sadd(_prefix + "done", task_id)
    pipe.rpush(f"{_prefix}completed:{task_id}", f"celery:{os.getpid()}:{int(time.time() * 1000)}")
    pipe.rpush(_prefix + "order", task_id)
    pipe.execute()
    return {"worker": "celery"}


@app.task(name="fleet.square", bind=True)
def square(self, x, fail=False):
    """A chord's header task: x squared, recorded as run by Celery; fails when asked to."""
    _records.hset(_prefix + "squares", self.request.id, "celery")
    if fail:
        raise ValueError(f"square of {x} refused")
    return x * x


@app.task(name="fleet.total", bind=True)
def total(self, values):
    """A chord's body: the sum of its header's results, counted per run (a body must run once)."""
    _records.hincrby(_prefix + "totals", self.request.id, 1)
    _records.hset(_prefix + "totaled", self.request.id, "celery")
    return sum(values)
