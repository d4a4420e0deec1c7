#!/usr/bin/python3
"""Celery's workers against ours on Celery's Redis broker: one producer, one broker, one result backend.

Both workers are fed by the same Celery 5.2 producer (send_task through kombu's Redis transport), consume
the same redis-server (broker db 1, results db 2) and are timed and measured by the same code; only the
worker differs:
  celery          python3 -m celery -A bench_app worker (the seed's settings: prefork, concurrency 2,
                  prefetch 4, acks late), the baseline of celery_bench.py;
  afirgen-tasks   afirgen-tasks run --broker redis://…/1 (the Redis transport), concurrency 100, prefetch 4.

Order, the same for both: the worker is started first and warmed up (untimed), because a worker started
after the enqueue would have its start-up (Python imports and forks; .NET JIT and host start) counted as
task handling. Then per round the producer writes N tasks onto the queue's list in a staging database
(db 4) and one MOVE puts that whole list onto the broker's queue at once: the MOVE is the first enqueue
the worker can see, and the clock runs from it until every result in db 2 says SUCCESS (pipelined GET,
oldest pending first, chunks of 256, 5 ms between polls). Why staged: one Python producer sends only a
few thousand tasks a second, so timed from its first send the faster worker would measure the producer.
The producer's own rate is printed too.

CPU per task is the worker's process tree (utime+stime from /proc): Celery's main process and its
prefork children; ours, the one worker process (which also serves the HTTP API and monitoring).

  redis_broker_bench.py --redis redis://127.0.0.1:PORT --afirgen-tasks PATH/afirgen-tasks.dll
      [--celery-count 2000] [--ours-count 10000] [--rounds 3] [--json]
Exit codes: 0 both measured, 1 a worker or round failed, 2 bad arguments.
"""
import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

try:
    import celery
    import redis
    from celery import Celery
except ImportError as exc:
    sys.exit(f"redis_broker_bench: {exc}; run with Debian's /usr/bin/python3 "
             "(apt-get install -y python3-celery python3-redis)")

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from celery_bench import percentile, stop_worker, tail, tree_cpu_seconds, utc_seconds  # noqa: E402

BROKER_DB, BACKEND_DB, STAGING_DB = 1, 2, 4
QUEUE = "bench"
# Names both workers register: our diagnostic tasks, and bench_app.py's aliases of them.
WORKLOADS = {"noop": ("diagnostics.noop", {}), "sleep10": ("diagnostics.sleep", {"seconds": 0.010})}
POLL_CHUNK = 256
POLL_SLEEP_S = 0.005
READY_TIMEOUT_S = 90.0
ROUND_TIMEOUT_S = 180.0


class BenchError(Exception):
    pass


def producer_app(base, db):
    """The producer: a plain Celery app, as AFIRGen's would send (JSON, default exchange, queue bench)."""
    app = Celery("redis_broker_bench_producer", broker=f"{base}/{db}")
    app.conf.update(task_serializer="json", accept_content=["json"], task_default_queue=QUEUE)
    return app


def produce(app, task, kwargs, count):
    ids = []
    with app.producer_or_acquire() as producer:
        for _ in range(count):
            ids.append(app.send_task(task, kwargs=kwargs, queue=QUEUE, producer=producer).id)
    return ids


def wait_all_succeeded(backend, ids, proc, t0, timeout):
    """Polls exactly as celery_bench.py does, but reads values: our runner stores STARTED first."""
    pending = list(ids)
    while pending:
        if proc.poll() is not None:
            raise BenchError(f"worker exited with {proc.returncode} mid-round")
        still, i = [], 0
        while i < len(pending):
            chunk = pending[i:i + POLL_CHUNK]
            pipe = backend.pipeline(transaction=False)
            for tid in chunk:
                pipe.get(f"celery-task-meta-{tid}")
            missing = []
            for tid, raw in zip(chunk, pipe.execute()):
                if raw is None or b'"SUCCESS"' not in raw:
                    if raw is not None and b'"FAILURE"' in raw:
                        raise BenchError(f"task {tid} failed: {raw[:300]!r}")
                    missing.append(tid)
            still.extend(missing)
            i += POLL_CHUNK
            if missing:
                still.extend(pending[i:])
                break
        pending = still
        if pending and time.perf_counter() - t0 > timeout:
            raise BenchError(f"no SUCCESS for {len(pending)} of {len(ids)} tasks after {timeout:g} s")
        if pending:
            time.sleep(POLL_SLEEP_S)


def run_round(base, staging_app, clients, task, kwargs, count, proc, timeout=ROUND_TIMEOUT_S):
    broker, backend, staging = clients
    staging.delete(QUEUE)
    p0 = time.perf_counter()
    ids = produce(staging_app, task, kwargs, count)
    produce_s = time.perf_counter() - p0
    if staging.llen(QUEUE) != count:
        raise BenchError(f"the producer staged {staging.llen(QUEUE)} of {count} messages")

    cpu_before = tree_cpu_seconds(proc.pid)
    wall0 = time.time()
    t0 = time.perf_counter()
    # The queue list is empty between rounds (Redis deletes an empty list), so MOVE cannot collide.
    if not staging.move(QUEUE, BROKER_DB):
        raise BenchError(f"could not move the staged list onto the queue (is {QUEUE!r} in db {BROKER_DB} non-empty?)")
    wait_all_succeeded(backend, ids, proc, t0, timeout)
    elapsed = time.perf_counter() - t0
    cpu = tree_cpu_seconds(proc.pid) - cpu_before

    latencies = []
    for i in range(0, count, 1000):
        for raw in backend.mget([f"celery-task-meta-{tid}" for tid in ids[i:i + 1000]]):
            latencies.append((utc_seconds(json.loads(raw)["date_done"]) - wall0) * 1000.0)
    latencies.sort()
    return {"tasks_per_s": count / elapsed, "p50_ms": percentile(latencies, 0.50),
            "p99_ms": percentile(latencies, 0.99), "cpu_us_per_task": cpu / count * 1e6,
            "producer_per_s": count / produce_s}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_celery(base, log):
    env = dict(os.environ, CELERY_BENCH_REDIS=base, PYTHONPATH=HERE + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = [sys.executable, "-m", "celery", "-A", "bench_app", "worker", "--pool", "prefork", "--concurrency", "2",
           "--prefetch-multiplier", "4", "--queues", QUEUE, "--hostname", f"rbbench{os.getpid()}@%h",
           "--loglevel", "WARNING"]
    return subprocess.Popen(cmd, env=env, cwd=HERE, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def start_ours(base, dll, concurrency, log):
    hostport = base.split("://", 1)[1]
    env = dict(os.environ,
               TaskProcessor__Redis__Database=str(BACKEND_DB),
               # Celery's worker runs at WARNING (celery_bench.py): no log line per task on either side.
               Logging__LogLevel__Default="Warning",
               **{"Logging__LogLevel__Afirgen.TaskProcessor.Engine.Running.TaskRunner": "Warning"})
    cmd = ["dotnet", dll, "run", "--broker", f"{base}/{BROKER_DB}", "--redis", f"{hostport},defaultDatabase={BACKEND_DB}",
           "-Q", QUEUE, "-c", str(concurrency), "--prefetch-multiplier", "4",
           "--urls", f"http://127.0.0.1:{free_port()}", "--hostname", f"rbbench{os.getpid()}@localhost"]
    return subprocess.Popen(cmd, env=env, cwd=tempfile.gettempdir(), stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def measure(system, base, start, count, rounds, warmup, workloads):
    clients = tuple(redis.Redis.from_url(f"{base}/{db}", socket_connect_timeout=3)
                    for db in (BROKER_DB, BACKEND_DB, STAGING_DB))
    for c in clients:
        c.flushdb()
    staging_app = producer_app(base, STAGING_DB)
    workdir = tempfile.mkdtemp(prefix="redis-broker-bench-")
    log_path = os.path.join(workdir, "worker.log")
    proc = None
    results = {}
    try:
        with open(log_path, "wb") as log:
            proc = start(log)
        for name in workloads:
            task, kwargs = WORKLOADS[name]
            # Untimed warm-up; the first one also waits for the worker to be up.
            try:
                run_round(base, staging_app, clients, task, kwargs, warmup, proc, READY_TIMEOUT_S)
            except BenchError as exc:
                raise BenchError(f"{system}: warm-up failed: {exc}\n{tail(log_path)}") from exc
            rs = []
            for i in range(rounds):
                time.sleep(0.3)  # late acks of the last round land before the flush
                clients[1].flushdb()
                r = run_round(base, staging_app, clients, task, kwargs, count, proc)
                rs.append(r)
                print(f"  {system} {name} round {i + 1}: {r['tasks_per_s']:8.1f} tasks/s  p50 {r['p50_ms']:7.1f} ms  "
                      f"p99 {r['p99_ms']:7.1f} ms  cpu {r['cpu_us_per_task']:7.1f} us/task  "
                      f"(producer {r['producer_per_s']:.0f}/s)", file=sys.stderr)
            results[name] = {k: round(statistics.median(r[k] for r in rs), 1) for k in rs[0]}
        return results
    except BenchError as exc:
        raise BenchError(f"{system}: {exc}\n{tail(log_path)}") from exc
    finally:
        stop_worker(proc)
        shutil.rmtree(workdir, ignore_errors=True)
        for c in clients:
            try:
                c.flushdb()
            except redis.RedisError:
                pass


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--redis", required=True, help="redis://127.0.0.1:PORT (dbs 1, 2 and 4 of it are used and flushed)")
    p.add_argument("--afirgen-tasks", required=True, help="path of afirgen-tasks.dll (run with dotnet)")
    p.add_argument("--celery-count", type=int, default=2000)
    p.add_argument("--ours-count", type=int, default=10000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--warmup", type=int, default=200)
    p.add_argument("--concurrency", type=int, default=100, help="our worker's concurrency (Celery's stays the seed's 2)")
    p.add_argument("--workload", choices=["noop", "sleep10", "both"], default="both")
    p.add_argument("--json", action="store_true", help="last line: one JSON object")
    a = p.parse_args(argv)
    if min(a.celery_count, a.ours_count, a.rounds, a.warmup, a.concurrency) < 1:
        p.error("counts, --rounds, --warmup and --concurrency must be at least 1")
    if not os.path.isfile(a.afirgen_tasks):
        p.error(f"--afirgen-tasks: {a.afirgen_tasks} does not exist; build src/Afirgen.TaskProcessor.Cli first")
    a.afirgen_tasks = os.path.abspath(a.afirgen_tasks)  # the worker runs in a scratch directory
    base = a.redis.rstrip("/")
    if base.count("/") > 2:
        base = base.rsplit("/", 1)[0]
    os.environ["CELERY_BENCH_REDIS"] = base
    try:
        redis.Redis.from_url(base, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        print(f"redis_broker_bench: cannot reach Redis at {base}: {exc}", file=sys.stderr)
        return 1
    workloads = ["noop", "sleep10"] if a.workload == "both" else [a.workload]

    try:
        print(f"== Celery {celery.__version__} worker on the Redis broker: {a.celery_count} tasks x {a.rounds} rounds", file=sys.stderr)
        cel = measure("celery", base, lambda log: start_celery(base, log), a.celery_count, a.rounds, a.warmup, workloads)
        print(f"== afirgen-tasks worker on the Redis broker: {a.ours_count} tasks x {a.rounds} rounds", file=sys.stderr)
        ours = measure("afirgen-tasks", base, lambda log: start_ours(base, a.afirgen_tasks, a.concurrency, log),
                       a.ours_count, a.rounds, a.warmup, workloads)
    except BenchError as exc:
        print(f"redis_broker_bench: FAILED: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130

    print(f"Celery's Redis broker, one Celery producer, results in Redis; medians of {a.rounds} rounds; "
          f"{os.cpu_count()} cores. CPU: the worker's process tree.")
    print(f"{'workload':<9} {'worker':<38} {'tasks':>6} {'tasks/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'CPU µs/task':>12}")
    names = {"celery": f"Celery {celery.__version__} (prefork x2, prefetch 4)",
             "ours": f"afirgen-tasks (concurrency {a.concurrency})"}
    for w in workloads:
        for key, r, n in (("celery", cel, a.celery_count), ("ours", ours, a.ours_count)):
            f = r[w]
            print(f"{w:<9} {names[key]:<38} {n:>6} {f['tasks_per_s']:>9.0f} {f['p50_ms']:>8.1f} {f['p99_ms']:>8.1f} {f['cpu_us_per_task']:>12.1f}")
        # /proc counts CPU in 10 ms ticks, so a tiny run can read 0 for our worker: no CPU ratio then.
        cpu_ratio = (f"{cel[w]['cpu_us_per_task'] / ours[w]['cpu_us_per_task']:>11.1f}x less"
                     if ours[w]["cpu_us_per_task"] > 0 else f"{'n/a':>16}")
        print(f"{w:<9} {'ratio (ours / Celery)':<38} {'':>6} {ours[w]['tasks_per_s'] / cel[w]['tasks_per_s']:>8.1f}x "
              f"{'':>17} {cpu_ratio}")
    if a.json:
        print(json.dumps({"celery": {"system": names["celery"], "count": a.celery_count, "workloads": cel},
                          "ours": {"system": names["ours"], "count": a.ours_count, "workloads": ours},
                          "rounds": a.rounds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
