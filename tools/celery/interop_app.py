"""A Celery app whose worker runs messages our engine wrote, to prove Celery reads them.

Started by tests as: python3 -m celery -A interop_app worker --pool solo -Q <queue>
with AFIRGEN_INTEROP_REDIS=redis://127.0.0.1:PORT (broker db 1, results db 2).
"""
import os

from celery import Celery

_redis = os.environ.get("AFIRGEN_INTEROP_REDIS", "redis://127.0.0.1:6379")
app = Celery("interop", broker=f"{_redis}/1", backend=f"{_redis}/2")
app.conf.update(
    task_serializer="json",
    accept_content=["json"],
    result_serializer="json",
    worker_hijack_root_logger=False,
)


@app.task(name="interop.describe", bind=True)
def describe(self, *args, **kwargs):
    """Returns what Celery understood of the message: arguments and request headers."""
    request = self.request
    return {
        "args": list(args),
        "kwargs": kwargs,
        "task_id": request.id,
        "retries": request.retries,
        "root_id": request.root_id,
        "parent_id": request.parent_id,
        "priority": (request.delivery_info or {}).get("priority"),
        "timelimit": list(request.timelimit or [None, None]),
        "chain": [s["task"] for s in (request.chain or [])],
    }
