#!/usr/bin/python3
"""The fair Celery baseline of DESIGN.md ("Measuring against Celery and Hangfire").

Starts a real Celery 5.2 worker (bench_app.py: prefork, concurrency 2, prefetch
multiplier 4, acks late, reject on worker lost, JSON, Redis broker db 1 and result
backend db 2), warms it up, then per round enqueues N tasks with send_task as fast
as one producer can, and times from the first enqueue until every result key
celery-task-meta-<id> exists, polled with pipelined EXISTS (never AsyncResult.get
per task, which makes the client the bottleneck).

Per workload it reports the median over rounds of: tasks/s, queue-to-done p50/p99
(send time of each task to the date_done Celery stored, which is naive UTC), and
worker CPU per task (utime+stime of the worker process tree from /proc).

Example:
  /usr/bin/python3 tools/celery/celery_bench.py --redis redis://127.0.0.1:6390 --json
Exit codes: 0 all rounds finished, 1 a round failed or timed out, 2 bad arguments.
"""
import argparse
import datetime
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

try:
    import celery
    import redis
except ImportError as exc:
    sys.exit(f"celery_bench: {exc}; run with Debian's /usr/bin/python3 "
             "(apt-get install -y python3-celery python3-redis)")

HERE = os.path.dirname(os.path.abspath(__file__))
BROKER_DB, BACKEND_DB = 1, 2
WORKLOADS = {"noop": "bench.noop", "sleep10": "bench.sleep10"}
ROUND_TIMEOUT_S = 120.0
READY_TIMEOUT_S = 60.0
WARMUP_COUNT = 200
# Completion is close to FIFO, so each poll checks the oldest pending ids in
# chunks and stops at the first chunk that still has unfinished tasks: a poll
# costs a few hundred EXISTS, not N, and leaves Redis to the worker.
POLL_CHUNK = 256
POLL_SLEEP_S = 0.005
CLK_TCK = os.sysconf("SC_CLK_TCK")


class BenchError(Exception):
    pass


# ---- worker process tree CPU, from /proc -------------------------------------

def _stat(pid):
    """(ppid, cpu ticks incl. reaped children) of a process, or None if gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    # comm (field 2) may hold spaces or parentheses; fields resume after the last ')'.
    fields = text[text.rindex(")") + 2:].split()
    ppid = int(fields[1])
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return ppid, utime + stime + cutime + cstime


def tree_cpu_seconds(root):
    """CPU seconds of root and all its descendants (prefork children).

    cutime/cstime count children already reaped, so a recycled child's time is
    not lost; live children are counted through their own utime/stime.
    """
    stats = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            s = _stat(int(name))
            if s is not None:
                stats[int(name)] = s
    children = {}
    for pid, (ppid, _) in stats.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            total += stats[pid][1]
        todo.extend(children.get(pid, []))
    return total / CLK_TCK


# ---- worker ------------------------------------------------------------------

def start_worker(base_url, log_path, loglevel, max_tasks_per_child):
    env = dict(os.environ, CELERY_BENCH_REDIS=base_url,
               PYTHONPATH=HERE + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = [sys.executable, "-m", "celery", "-A", "bench_app", "worker",
           "--pool", "prefork", "--concurrency", "2", "--prefetch-multiplier", "4",
           "--queues", "bench", "--hostname", f"bench{os.getpid()}@%h",
           # Default WARNING, not the seed's INFO: two log lines per task cost
           # Celery CPU that says nothing about its task handling.
           "--loglevel", loglevel]
    if max_tasks_per_child:
        cmd += ["--max-tasks-per-child", str(max_tasks_per_child)]
    log = open(log_path, "wb")
    # Own session, so the whole tree (prefork children) can be killed at once.
    return subprocess.Popen(cmd, env=env, cwd=HERE, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def stop_worker(proc):
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


def wait_ready(app, proc, log_path):
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"worker exited with {proc.returncode}:\n{tail(log_path)}")
        if app.control.ping(timeout=0.5):
            return
    raise BenchError(f"worker not ready after {READY_TIMEOUT_S:.0f} s:\n{tail(log_path)}")


def tail(path, lines=20):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return "(no worker log)"


# ---- one round -----------------------------------------------------------------

def utc_seconds(date_done):
    """Celery's date_done is naive UTC isoformat."""
    dt = datetime.datetime.fromisoformat(date_done)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=datetime.timezone.utc)
    return dt.timestamp()


def percentile(sorted_values, q):
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[k]


def run_round(app, backend, task_name, count, proc, timeout):
    """Enqueue count tasks, wait for all result keys; return the round's figures."""
    cpu_before = tree_cpu_seconds(proc.pid)
    ids, sent_at = [], []
    with app.producer_or_acquire() as producer:
        t0 = time.perf_counter()
        wall0 = time.time()
        for _ in range(count):
            wall = wall0 + (time.perf_counter() - t0)
            r = app.send_task(task_name, producer=producer)
            ids.append(r.id)
            sent_at.append(wall)
        t_sent = time.perf_counter()

    pending = list(ids)
    deadline = t0 + timeout
    while pending:
        if proc.poll() is not None:
            raise BenchError(f"worker exited with {proc.returncode} mid-round")
        still = []
        i = 0
        while i < len(pending):
            chunk = pending[i:i + POLL_CHUNK]
            pipe = backend.pipeline(transaction=False)
            for tid in chunk:
                pipe.exists(f"celery-task-meta-{tid}")
            missing = [tid for tid, n in zip(chunk, pipe.execute()) if not n]
            still.extend(missing)
            i += POLL_CHUNK
            if missing:
                still.extend(pending[i:])  # newer tasks: check on the next poll
                break
        pending = still
        if pending and time.perf_counter() > deadline:
            raise BenchError(f"round timed out after {timeout:g} s with "
                             f"{len(pending)} of {count} results missing")
        if pending:
            time.sleep(POLL_SLEEP_S)
    elapsed = time.perf_counter() - t0
    cpu = tree_cpu_seconds(proc.pid) - cpu_before

    latencies = []
    for i in range(0, count, 1000):
        values = backend.mget([f"celery-task-meta-{tid}" for tid in ids[i:i + 1000]])
        for sent, raw in zip(sent_at[i:i + 1000], values):
            meta = json.loads(raw)
            if meta.get("status") != "SUCCESS":
                raise BenchError(f"task {meta.get('task_id')} ended {meta.get('status')}")
            latencies.append((utc_seconds(meta["date_done"]) - sent) * 1000.0)
    latencies.sort()
    return {
        "tasks_per_s": count / elapsed,
        "elapsed_s": elapsed,
        "enqueue_per_s": count / (t_sent - t0),
        "p50_ms": percentile(latencies, 0.50),
        "p99_ms": percentile(latencies, 0.99),
        "cpu_us_per_task": cpu / count * 1e6,
    }


def flush(clients):
    for c in clients:
        c.flushdb()


# ---- main --------------------------------------------------------------------

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--redis", required=True,
                   help="redis://127.0.0.1:PORT (broker db 1, backend db 2 of it)")
    p.add_argument("--count", type=int, default=2000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--workload", choices=["noop", "sleep10", "both"], default="both")
    p.add_argument("--round-timeout", type=float, default=ROUND_TIMEOUT_S)
    p.add_argument("--json", action="store_true", help="last line: one JSON object")
    p.add_argument("--worker-loglevel", default="WARNING",
                   help="worker --loglevel (the seed runs INFO; default WARNING)")
    p.add_argument("--max-tasks-per-child", type=int, default=0,
                   help="worker --max-tasks-per-child (the seed: 1000; default unset)")
    a = p.parse_args(argv)
    if a.count < 1 or a.rounds < 1:
        p.error("--count and --rounds must be positive")

    # Accept redis://host:port or redis://host:port/N; the dbs are ours to pick.
    base = a.redis.rstrip("/")
    if base.count("/") > 2:
        base = base.rsplit("/", 1)[0]
    os.environ["CELERY_BENCH_REDIS"] = base
    sys.path.insert(0, HERE)
    import bench_app  # noqa: E402 - reads CELERY_BENCH_REDIS at import

    broker = redis.Redis.from_url(f"{base}/{BROKER_DB}", socket_connect_timeout=3)
    backend = redis.Redis.from_url(f"{base}/{BACKEND_DB}", socket_connect_timeout=3)
    try:
        broker.ping()
    except redis.RedisError as exc:
        print(f"celery_bench: cannot reach Redis at {base}: {exc}", file=sys.stderr)
        return 1
    flush([broker, backend])

    workloads = ["noop", "sleep10"] if a.workload == "both" else [a.workload]
    app = bench_app.app
    log_path = os.path.join(tempfile.mkdtemp(prefix="celery-bench-"), "worker.log")
    proc = None
    results = {}
    try:
        proc = start_worker(base, log_path, a.worker_loglevel, a.max_tasks_per_child)
        wait_ready(app, proc, log_path)
        for name in workloads:
            # Untimed warm-up: pool children forked, connections open, code warm.
            warm = WARMUP_COUNT if name == "noop" else WARMUP_COUNT // 4
            run_round(app, backend, WORKLOADS[name], warm, proc, a.round_timeout)
            rounds = []
            for i in range(a.rounds):
                time.sleep(0.3)  # let late acks land before the flush
                flush([broker, backend])
                r = run_round(app, backend, WORKLOADS[name], a.count, proc, a.round_timeout)
                rounds.append(r)
                print(f"  {name} round {i + 1}: {r['tasks_per_s']:8.1f} tasks/s  "
                      f"p50 {r['p50_ms']:7.1f} ms  p99 {r['p99_ms']:7.1f} ms  "
                      f"cpu {r['cpu_us_per_task']:7.0f} us/task  "
                      f"(enqueue {r['enqueue_per_s']:.0f}/s)", file=sys.stderr)
            results[name] = {k: round(statistics.median(r[k] for r in rounds), 1)
                             for k in ("tasks_per_s", "p50_ms", "p99_ms", "cpu_us_per_task")}
    except BenchError as exc:
        print(f"celery_bench: FAILED: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        stop_worker(proc)
        shutil.rmtree(os.path.dirname(log_path), ignore_errors=True)
        try:
            flush([broker, backend])
        except redis.RedisError:
            pass

    print(f"Celery {celery.__version__}, {a.count} tasks x {a.rounds} rounds, "
          f"median over rounds ({os.cpu_count()} cores)")
    print(f"{'workload':<10}{'tasks/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'CPU us/task':>13}")
    for name, r in results.items():
        print(f"{name:<10}{r['tasks_per_s']:>10.1f}{r['p50_ms']:>10.1f}"
              f"{r['p99_ms']:>10.1f}{r['cpu_us_per_task']:>13.0f}")
    if a.json:
        print(json.dumps({"system": f"celery {celery.__version__}", "workloads": results,
                          "count": a.count, "rounds": a.rounds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
