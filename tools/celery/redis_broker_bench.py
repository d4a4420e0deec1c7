#!/usr/bin/python3
"""Celery's workers against ours on Celery's Redis broker: one producer, one broker, one result backend.

Both workers are fed by the same Celery 5.2 producer (send_task through kombu's Redis transport), consume
the same redis-server (broker db 1, results db 2) and are timed and measured by the same code; only the
worker differs:
  celery          python3 -m celery -A bench_app worker (the seed's settings: prefork, concurrency 2,
                  prefetch 4, acks late), the baseline of celery_bench.py;
  afirgen-tasks   afirgen-tasks run --broker redis://…/1 (the Redis transport), concurrency 100, prefetch 4, with
                  the Celery worker's per-task work (--settings celery: no STARTED, no extended results, no task
                  events; --settings afirgen for AFIRGen's).

Order, the same for both: the worker is started first and warmed up (untimed), because a worker started
after the enqueue would have its start-up (Python imports and forks; .NET JIT and host start) counted as
task handling. Warm-up rounds, as large as the timed ones, run until two in a row agree within 10 % on
throughput and CPU per task (at most 12 rounds or 60 s; the output says which). Then per round the producer writes N tasks onto the queue's list in a staging database
(db 4) and one MOVE puts that whole list onto the broker's queue at once: the MOVE is the first enqueue
the worker can see, and the clock runs from it until every result in db 2 says SUCCESS (pipelined GET,
oldest pending first, chunks of 256, 5 ms between polls). Why staged: one Python producer sends only a
few thousand tasks a second, so timed from its first send the faster worker would measure the producer.
The producer's own rate is printed too.

CPU per task is the worker's process tree (utime+stime from /proc): Celery's main process and its
prefork children; ours, the one worker process (which also serves the HTTP API and monitoring). Redis CPU per task
is redis-server's own (INFO cpu) over the same round: what each worker's protocol costs the shared broker.

The latency workload sends one no-op task at a time to an idle worker (LATENCY_GAP_S apart) and times it from
just before the send to the PUBLISH of its SUCCESS result on celery-task-meta-<id>, heard by a subscriber that
was listening before the send: the Celery worker and ours on the Redis transport fed by the same Celery producer,
and ours on its embedded broker fed through POST /api/tasks (a kept-alive HTTP connection). Keyspace
notifications (notify-keyspace-events Klg, what ./run.sh's Redis runs with; Celery's BRPOP does not need them)
are turned on for the run and set back afterwards. Each worker's untimed warm-up is at least --warmup samples and
at least --latency-warmup-seconds (20 s) of them, the same for both: a long-running worker is what is measured, and
ours needs about 20 s at this rate for .NET to finish recompiling its hot path (Celery is flat at once).

  redis_broker_bench.py --redis redis://127.0.0.1:PORT --afirgen-tasks PATH/afirgen-tasks.dll
      [--celery-count 2000] [--ours-count 10000] [--rounds 3] [--starts 1] [--workload noop|sleep10|latency|both|all]
      [--latency-samples 1000] [--latency-warmup-seconds 20] [--settings celery|afirgen] [--json]
Exit codes: 0 both measured, 1 a worker or round failed, 2 bad arguments.
"""
import argparse
import contextlib
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

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
LATENCY_GAP_S = 0.010
MAX_WARMUP_ROUNDS = 12
MAX_WARMUP_S = 60.0
WARMUP_AGREEMENT = 0.10
LATENCY_TIMEOUT_S = 10.0
LATENCY_WARMUP_S = 20.0
KEYSPACE_EVENTS = "Klg"
# What `afirgen-tasks bench --settings` means too: celery = the Celery baseline's per-task work.
SETTINGS = {
    "celery": {"TaskProcessor__Results__TrackStarted": "false", "TaskProcessor__Results__Extended": "false",
               "TaskProcessor__Monitoring__TaskEvents": "false"},
    "afirgen": {"TaskProcessor__Results__TrackStarted": "true", "TaskProcessor__Results__Extended": "true",
                "TaskProcessor__Monitoring__TaskEvents": "true"},
}


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


def redis_cpu_seconds(client):
    """redis-server's own CPU (INFO's used_cpu_sys + used_cpu_user, main thread and all), shared by both workers' rounds alike."""
    info = client.info("cpu")
    return float(info["used_cpu_sys"]) + float(info["used_cpu_user"])


def run_round(base, staging_app, clients, task, kwargs, count, proc, timeout=ROUND_TIMEOUT_S):
    broker, backend, staging = clients
    staging.delete(QUEUE)
    p0 = time.perf_counter()
    ids = produce(staging_app, task, kwargs, count)
    produce_s = time.perf_counter() - p0
    if staging.llen(QUEUE) != count:
        raise BenchError(f"the producer staged {staging.llen(QUEUE)} of {count} messages")

    cpu_before = tree_cpu_seconds(proc.pid)
    redis_before = redis_cpu_seconds(broker)
    wall0 = time.time()
    t0 = time.perf_counter()
    # The queue list is empty between rounds (Redis deletes an empty list), so MOVE cannot collide.
    if not staging.move(QUEUE, BROKER_DB):
        raise BenchError(f"could not move the staged list onto the queue (is {QUEUE!r} in db {BROKER_DB} non-empty?)")
    wait_all_succeeded(backend, ids, proc, t0, timeout)
    elapsed = time.perf_counter() - t0
    cpu = tree_cpu_seconds(proc.pid) - cpu_before
    redis_cpu = redis_cpu_seconds(broker) - redis_before

    latencies = []
    for i in range(0, count, 1000):
        for raw in backend.mget([f"celery-task-meta-{tid}" for tid in ids[i:i + 1000]]):
            latencies.append((utc_seconds(json.loads(raw)["date_done"]) - wall0) * 1000.0)
    latencies.sort()
    return {"tasks_per_s": count / elapsed, "p50_ms": percentile(latencies, 0.50),
            "p99_ms": percentile(latencies, 0.99), "cpu_us_per_task": cpu / count * 1e6,
            "redis_cpu_us_per_task": redis_cpu / count * 1e6,
            "producer_per_s": count / produce_s}


def wait_published(pubsub, channel, timeout):
    """The SUCCESS result published on channel (a STARTED one first, under AFIRGen's settings, is passed over)."""
    deadline = time.perf_counter() + timeout
    while True:
        left = deadline - time.perf_counter()
        if left <= 0:
            raise BenchError(f"no result published on {channel} within {timeout:g} s")
        msg = pubsub.get_message(timeout=left)
        if msg is None or msg["type"] != "message":
            continue
        if b'"SUCCESS"' in msg["data"]:
            return time.perf_counter()
        if b'"FAILURE"' in msg["data"]:
            raise BenchError(f"latency task failed: {msg['data'][:300]!r}")


def subscribe(pubsub, channel):
    pubsub.subscribe(channel)
    while True:
        msg = pubsub.get_message(timeout=5.0)
        if msg is None:
            raise BenchError(f"Redis did not confirm the subscription to {channel}")
        if msg["type"] == "subscribe":
            return


def unsubscribe(pubsub, channel):
    pubsub.unsubscribe(channel)
    while True:
        msg = pubsub.get_message(timeout=5.0)
        if msg is None or msg["type"] == "unsubscribe":
            return


def latency_samples(backend, send, samples, proc):
    """Samples one-at-a-time no-op tasks, each (start, send returned, published heard) in perf_counter seconds;
    send(task_id) enqueues one."""
    pubsub = backend.pubsub()
    out = []
    try:
        for _ in range(samples):
            if proc.poll() is not None:
                raise BenchError(f"worker exited with {proc.returncode} mid-round")
            tid = str(uuid.uuid4())
            channel = f"celery-task-meta-{tid}"
            subscribe(pubsub, channel)
            t0 = time.perf_counter()
            send(tid)
            sent = time.perf_counter()
            t1 = wait_published(pubsub, channel, LATENCY_TIMEOUT_S)
            out.append((t0, sent, t1))
            unsubscribe(pubsub, channel)
            time.sleep(LATENCY_GAP_S)
    finally:
        pubsub.close()
    return out


def celery_sender(app):
    """Sends with a producer held open, as a long-running AFIRGen process does (no connection set-up timed)."""
    task, kwargs = WORKLOADS["noop"]
    producer = app.producer_or_acquire().__enter__()
    return lambda tid: app.send_task(task, kwargs=kwargs, queue=QUEUE, task_id=tid, producer=producer)


def api_sender(port):
    """POST /api/tasks on one kept-alive connection, as a client of the local host would."""
    task, kwargs = WORKLOADS["noop"]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def send(tid):
        # Routed by its name (the API takes only the host's configured queues), to the queue the worker consumes.
        body = json.dumps({"name": task, "kwargs": kwargs, "task_id": tid})
        conn.request("POST", "/api/tasks", body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        data = response.read()
        if response.status != 202:
            raise BenchError(f"POST /api/tasks answered {response.status}: {data[:300]!r}")
    return send


def wait_api(port, proc, timeout):
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"worker exited with {proc.returncode} before its API answered")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/queues")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise BenchError(f"the API on port {port} did not answer within {timeout:g} s")


def latency_figures(samples):
    """p50/p99/mean of send-to-published, of the send alone (until the producer's call returns, about when its push
    or POST is done) and of what follows it (the worker, and the subscriber hearing the PUBLISH), per sample."""
    total = sorted((t1 - t0) * 1000.0 for t0, _, t1 in samples)
    sends = sorted((sent - t0) * 1000.0 for t0, sent, _ in samples)
    after = sorted((t1 - sent) * 1000.0 for _, sent, t1 in samples)
    return {"p50_ms": round(percentile(total, 0.50), 3), "p99_ms": round(percentile(total, 0.99), 3),
            "mean_ms": round(statistics.fmean(total), 3), "samples": len(total),
            "send_p50_ms": round(percentile(sends, 0.50), 3), "send_p99_ms": round(percentile(sends, 0.99), 3),
            "after_send_p50_ms": round(percentile(after, 0.50), 3), "after_send_p99_ms": round(percentile(after, 0.99), 3)}


def measure_latency(system, base, start, samples, warmup, warmup_s, api_port=None):
    """Untimed warm-up, then samples; the worker is started for this alone (no throughput rounds before it). The warm-up
    is at least `warmup` samples and at least `warmup_s` seconds of them: at one task every ~12 ms our worker's p50 fell
    from 1.86 to about 1.4 ms over its first 1,500 samples (.NET recompiles the hot path, optimised, as calls accumulate;
    with the runtime's call-counting delay off the first 250 read 1.51 already), while Celery's was flat after 250."""
    with worker_session(system, base, start) as (clients, proc, _):
        if api_port is None:
            send = celery_sender(producer_app(base, BROKER_DB))
        else:
            wait_api(api_port, proc, READY_TIMEOUT_S)
            send = api_sender(api_port)
        # The first sample also waits for the worker to be up.
        global LATENCY_TIMEOUT_S
        saved, LATENCY_TIMEOUT_S = LATENCY_TIMEOUT_S, READY_TIMEOUT_S
        try:
            latency_samples(clients[1], send, 1, proc)
        finally:
            LATENCY_TIMEOUT_S = saved
        warm_start, warmed = time.perf_counter(), 0
        while warmed < warmup or time.perf_counter() - warm_start < warmup_s:
            n = min(100, warmup - warmed) if warmed < warmup else 100
            latency_samples(clients[1], send, n, proc)
            warmed += n
        print(f"  {system} latency warm-up: {warmed} untimed samples in {time.perf_counter() - warm_start:.1f} s", file=sys.stderr)
        r = latency_figures(latency_samples(clients[1], send, samples, proc))
        print(f"  {system} latency: p50 {r['p50_ms']:.3f} ms  p99 {r['p99_ms']:.3f} ms  mean {r['mean_ms']:.3f} ms "
              f"(the send p50 {r['send_p50_ms']:.3f}, after it p50 {r['after_send_p50_ms']:.3f} p99 {r['after_send_p99_ms']:.3f}; "
              f"{samples} samples, one at a time, {LATENCY_GAP_S * 1000:g} ms apart)", file=sys.stderr)
        return r


@contextlib.contextmanager
def worker_session(system, base, start):
    """A worker started on flushed databases, yielding (clients, process, log path); stopped and flushed after, and a
    failure inside reported with the worker's log."""
    clients = tuple(redis.Redis.from_url(f"{base}/{db}", socket_connect_timeout=3)
                    for db in (BROKER_DB, BACKEND_DB, STAGING_DB))
    for c in clients:
        c.flushdb()
    workdir = tempfile.mkdtemp(prefix="redis-broker-bench-")
    log_path = os.path.join(workdir, "worker.log")
    proc = None
    try:
        with open(log_path, "wb") as log:
            proc = start(log)
        yield clients, proc, log_path
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


def set_keyspace_events(base, flags):
    """Sets notify-keyspace-events; returns the previous value (None when CONFIG is refused)."""
    client = redis.Redis.from_url(base, socket_connect_timeout=3)
    try:
        previous = client.config_get("notify-keyspace-events").get("notify-keyspace-events", "")
        client.config_set("notify-keyspace-events", flags)
        return previous
    except redis.RedisError as exc:
        print(f"redis_broker_bench: could not set notify-keyspace-events ({exc}); ours polls for new tasks", file=sys.stderr)
        return None


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


def start_ours(base, dll, concurrency, settings, log, broker=None, port=None):
    hostport = base.split("://", 1)[1]
    env = dict(os.environ,
               **SETTINGS[settings],
               TaskProcessor__Redis__Database=str(BACKEND_DB),
               # Celery's worker runs at WARNING (celery_bench.py): no log line per task on either side.
               Logging__LogLevel__Default="Warning",
               **{"Logging__LogLevel__Afirgen.TaskProcessor.Engine.Running.TaskRunner": "Warning"})
    cmd = ["dotnet", dll, "run", "--broker", broker or f"{base}/{BROKER_DB}", "--redis", f"{hostport},defaultDatabase={BACKEND_DB}",
           *(["-Q", QUEUE] if broker is None else []), "-c", str(concurrency), "--prefetch-multiplier", "4",
           "--urls", f"http://127.0.0.1:{port or free_port()}", "--hostname", f"rbbench{os.getpid()}@localhost"]
    return subprocess.Popen(cmd, env=env, cwd=tempfile.gettempdir(), stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def measure(system, base, start, count, rounds, warmup, workloads, starts=1):
    """Each workload's median over every timed round of every start. A worker settles at a rate of its own on a
    two-core machine (the same code read 16,000 to 23,000 no-op tasks/s from one start to the next), so a figure
    meant to stand for the code takes several starts (--starts)."""
    rounds_of = {name: [] for name in workloads}
    for s in range(starts):
        if starts > 1:
            print(f"  {system}: start {s + 1} of {starts}", file=sys.stderr)
        one = measure_start(system, base, start, count, rounds, warmup, workloads)
        for name in workloads:
            rounds_of[name].extend(one[name])
            if starts > 1:
                print(f"  {system} {name} start {s + 1}: median {statistics.median(r['tasks_per_s'] for r in one[name]):8.1f} tasks/s",
                      file=sys.stderr)
    return {name: {k: round(statistics.median(r[k] for r in rs), 1) for k in rs[0]} for name, rs in rounds_of.items()}


def measure_start(system, base, start, count, rounds, warmup, workloads):
    """One start of a worker: per workload, an untimed warm-up until it settles, then the timed rounds."""
    staging_app = producer_app(base, STAGING_DB)
    results = {}
    with worker_session(system, base, start) as (clients, proc, _):
        for name in workloads:
            task, kwargs = WORKLOADS[name]
            # Untimed warm-up; the first round also waits for the worker to be up. Then rounds as large as the timed
            # ones until two in a row agree within WARMUP_AGREEMENT on throughput and CPU per task: .NET compiles hot
            # methods again, optimised, in its first seconds (the rounds of an unsettled run rose 9k -> 12k -> 16k/s),
            # which a long-running worker pays once; CPython compiles nothing, so Celery settles at once.
            try:
                run_round(base, staging_app, clients, task, kwargs, warmup, proc, READY_TIMEOUT_S)
                settle_start, previous, settled = time.perf_counter(), None, False
                for i in range(MAX_WARMUP_ROUNDS):
                    clients[1].flushdb()
                    r = run_round(base, staging_app, clients, task, kwargs, count, proc)
                    if previous and all(abs(r[k] - previous[k]) <= WARMUP_AGREEMENT * previous[k]
                                        for k in ("tasks_per_s", "cpu_us_per_task")):
                        settled = True
                        break
                    previous = r
                    if time.perf_counter() - settle_start > MAX_WARMUP_S:
                        break
                print(f"  {system} {name} warm-up: {i + 1} rounds of {count} ({time.perf_counter() - settle_start:.1f} s), "
                      + ("settled" if settled else "NOT settled: the figures include some start-up cost"), file=sys.stderr)
            except BenchError as exc:
                raise BenchError(f"warm-up failed: {exc}") from exc
            rs = []
            for i in range(rounds):
                time.sleep(0.3)  # late acks of the last round land before the flush
                clients[1].flushdb()
                r = run_round(base, staging_app, clients, task, kwargs, count, proc)
                rs.append(r)
                print(f"  {system} {name} round {i + 1}: {r['tasks_per_s']:8.1f} tasks/s  p50 {r['p50_ms']:7.1f} ms  "
                      f"p99 {r['p99_ms']:7.1f} ms  cpu {r['cpu_us_per_task']:7.1f} us/task  "
                      f"redis {r['redis_cpu_us_per_task']:6.1f} us/task  "
                      f"(producer {r['producer_per_s']:.0f}/s)", file=sys.stderr)
            results[name] = rs
        return results


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--redis", required=True, help="redis://127.0.0.1:PORT (dbs 1, 2 and 4 of it are used and flushed)")
    p.add_argument("--afirgen-tasks", required=True, help="path of afirgen-tasks.dll (run with dotnet)")
    p.add_argument("--celery-count", type=int, default=2000)
    p.add_argument("--ours-count", type=int, default=10000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--starts", type=int, default=1,
                   help="starts of each worker, each warmed up and timed for --rounds; the median is over all their rounds")
    p.add_argument("--warmup", type=int, default=200, help="untimed tasks per worker and workload before the timed ones")
    p.add_argument("--concurrency", type=int, default=100, help="our worker's concurrency (Celery's stays the seed's 2)")
    p.add_argument("--workload", choices=["noop", "sleep10", "latency", "both", "all"], default="both",
                   help="both: noop and sleep10; all: those and latency")
    p.add_argument("--latency-samples", type=int, default=1000, help="timed one-at-a-time tasks per worker")
    p.add_argument("--latency-warmup-seconds", type=float, default=LATENCY_WARMUP_S,
                   help="the latency workload's untimed samples go on for at least this long per worker (after --warmup of them)")
    p.add_argument("--settings", choices=["celery", "afirgen"], default="celery",
                   help="our worker's per-task work: celery (the Celery worker's: no STARTED, no extended results, "
                        "no task events) or afirgen (AFIRGen's settings)")
    p.add_argument("--json", action="store_true", help="last line: one JSON object")
    a = p.parse_args(argv)
    if a.latency_warmup_seconds < 0:
        p.error("--latency-warmup-seconds must be 0 or more")
    if min(a.celery_count, a.ours_count, a.rounds, a.starts, a.warmup, a.concurrency, a.latency_samples) < 1:
        p.error("counts, --rounds, --starts, --warmup, --concurrency and --latency-samples must be at least 1")
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
    workloads = {"both": ["noop", "sleep10"], "all": ["noop", "sleep10", "latency"]}.get(a.workload, [a.workload])
    throughput = [w for w in workloads if w != "latency"]

    cel, ours, latency = {}, {}, {}
    previous_events = None
    try:
        if throughput:
            print(f"== Celery {celery.__version__} worker on the Redis broker: {a.celery_count} tasks x {a.rounds} rounds", file=sys.stderr)
            cel = measure("celery", base, lambda log: start_celery(base, log), a.celery_count, a.rounds, a.warmup, throughput, a.starts)
            print(f"== afirgen-tasks worker on the Redis broker ({a.settings} settings): {a.ours_count} tasks x {a.rounds} rounds", file=sys.stderr)
            ours = measure("afirgen-tasks", base, lambda log: start_ours(base, a.afirgen_tasks, a.concurrency, a.settings, log),
                           a.ours_count, a.rounds, a.warmup, throughput, a.starts)
        if "latency" in workloads:
            previous_events = set_keyspace_events(base, KEYSPACE_EVENTS)
            print(f"== latency: one no-op task at a time, {a.latency_samples} samples after {a.warmup} untimed and "
                  f"{a.latency_warmup_seconds:g} s, whichever is longer "
                  f"(notify-keyspace-events {KEYSPACE_EVENTS} for the run)", file=sys.stderr)
            latency["celery"] = measure_latency("celery", base, lambda log: start_celery(base, log), a.latency_samples, a.warmup, a.latency_warmup_seconds)
            latency["ours_redis"] = measure_latency(
                "afirgen-tasks (Redis transport)", base,
                lambda log: start_ours(base, a.afirgen_tasks, a.concurrency, a.settings, log), a.latency_samples, a.warmup, a.latency_warmup_seconds)
            api_port = free_port()
            latency["ours_embedded_api"] = measure_latency(
                "afirgen-tasks (embedded broker, POST /api/tasks)", base,
                lambda log: start_ours(base, a.afirgen_tasks, a.concurrency, a.settings, log, broker="memory", port=api_port),
                a.latency_samples, a.warmup, a.latency_warmup_seconds, api_port=api_port)
    except BenchError as exc:
        print(f"redis_broker_bench: FAILED: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        if previous_events is not None:
            try:
                redis.Redis.from_url(base, socket_connect_timeout=3).config_set("notify-keyspace-events", previous_events)
            except redis.RedisError:
                pass

    names = {"celery": f"Celery {celery.__version__} (prefork x2, prefetch 4)",
             "ours": f"afirgen-tasks (concurrency {a.concurrency}, {a.settings} settings)"}
    if throughput:
        print(f"Celery's Redis broker, one Celery producer, results in Redis; medians of {a.rounds} rounds"
              f"{f' x {a.starts} starts of each worker' if a.starts > 1 else ''}; "
              f"{os.cpu_count()} cores. CPU: the worker's process tree.")
        print(f"{'workload':<9} {'worker':<46} {'tasks':>6} {'tasks/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'CPU µs/task':>12} {'Redis µs/task':>14}")
        for w in throughput:
            for key, r, n in (("celery", cel, a.celery_count), ("ours", ours, a.ours_count)):
                f = r[w]
                print(f"{w:<9} {names[key]:<46} {n:>6} {f['tasks_per_s']:>9.0f} {f['p50_ms']:>8.1f} {f['p99_ms']:>8.1f} {f['cpu_us_per_task']:>12.1f} {f['redis_cpu_us_per_task']:>14.1f}")
            # /proc counts CPU in 10 ms ticks, so a tiny run can read 0 for our worker: no CPU ratio then.
            cpu_ratio = (f"{cel[w]['cpu_us_per_task'] / ours[w]['cpu_us_per_task']:>11.1f}x less"
                         if ours[w]["cpu_us_per_task"] > 0 else f"{'n/a':>16}")
            print(f"{w:<9} {'ratio (ours / Celery)':<46} {'':>6} {ours[w]['tasks_per_s'] / cel[w]['tasks_per_s']:>8.1f}x "
                  f"{'':>17} {cpu_ratio}")
    if latency:
        print(f"Idle latency: one no-op task at a time, {LATENCY_GAP_S * 1000:g} ms apart, from the send to its SUCCESS "
              f"result's PUBLISH; {a.latency_samples} samples after at least {a.warmup} untimed and "
              f"{a.latency_warmup_seconds:g} s of them. Of which: the send (until the "
              f"producer's call returns, about when its push or POST is done) and what follows it (the worker, and the "
              f"subscriber hearing the PUBLISH).")
        print(f"{'worker':<62} {'producer':<22} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8} {'send p50':>9} "
              f"{'after p50':>10} {'after p99':>10}")
        rows = (("celery", names["celery"], "Celery send_task"),
                ("ours_redis", f"afirgen-tasks, Redis transport ({a.settings} settings)", "Celery send_task"),
                ("ours_embedded_api", f"afirgen-tasks, embedded broker ({a.settings} settings)", "POST /api/tasks"))
        for key, name, producer in rows:
            f = latency[key]
            print(f"{name:<62} {producer:<22} {f['p50_ms']:>8.2f} {f['p99_ms']:>8.2f} {f['mean_ms']:>8.2f} "
                  f"{f['send_p50_ms']:>9.2f} {f['after_send_p50_ms']:>10.2f} {f['after_send_p99_ms']:>10.2f}")
    if a.json:
        print(json.dumps({"celery": {"system": names["celery"], "count": a.celery_count, "workloads": cel},
                          "ours": {"system": names["ours"], "count": a.ours_count, "workloads": ours},
                          "latency": latency, "rounds": a.rounds, "starts": a.starts, "settings": a.settings}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
