#!/usr/bin/python3
"""The Redis transport's fault suite: our workers on Celery's Redis broker, fed by a real Celery producer,
under SIGKILLs, a Redis outage and hostile messages. Loopback only, bounded in count and time.

Scenarios (defaults are the issue's counts; --ci scales the first two down, and says so):
  kills    a Celery producer sends --tasks fleet.record tasks (default 10,000) while our worker processes are
           killed with SIGKILL --kills times (default 100), two workers taking turns so one is always up;
  outage   --outage-tasks tasks (default 2,000); redis-server (AOF, appendfsync always) is killed mid-run, kept
           down --outage-seconds (default 30) and started again; the workers reconnect;
  hostile  --hostile raw messages (default 1,000: not JSON, bad base64, wrong types, huge bodies, unknown task
           names, a pickle content type, deeply nested JSON, ...) pushed straight into the queue's lists between
           --good good tasks; each must be dead-lettered with a reason, and every good task must succeed.

fleet.record records each completion (worker:pid:time) in one transaction. A task completed twice is a
duplicate unless its earlier completion belongs to a worker killed after it, before the result was stored and
the message acknowledged, or to a run in flight across the outage (its lock expired while Redis was down and
could not be renewed): at-least-once delivery re-runs exactly those, and they are counted apart as "re-run
after a kill" or "after the outage".

Prints "ok"/"FAIL" per check, then "N passed, N failed", then as its last line
"sent N / succeeded N / lost N / duplicated N / dead-lettered N". Exit 0 when every check passed.
"""
import argparse
import base64
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

import redis

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PY = "/usr/bin/python3"
QUEUE = "fleet"
SEP = "\x06\x16"
VISIBILITY_S = 5


class Suite:
    def __init__(self, args, workdir):
        self.args = args
        self.workdir = workdir
        self.passed = 0
        self.failed = 0
        self.totals = {"sent": 0, "succeeded": 0, "lost": 0, "duplicated": 0, "dead-lettered": 0}
        self.port = free_port()
        self.redis_proc = None
        self.workers = {}
        self.killed = {}  # pid -> kill time (ms)
        self.outages = []  # (start ms, end ms)
        self.dll = os.path.join(ROOT, "tests", "Afirgen.TaskProcessor.RedisBroker.FaultWorker", "bin", args.configuration,
                                "net10.0", "Afirgen.TaskProcessor.RedisBroker.FaultWorker.dll")

    # ---- checks ------------------------------------------------------------------------------------------
    def check(self, ok, what, detail=""):
        if ok:
            self.passed += 1
            print(f"ok   {what}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {what}" + (f"\n     {detail}" if detail else ""), flush=True)

    # ---- redis-server ------------------------------------------------------------------------------------
    def start_redis(self):
        self.redis_proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.workdir, "--save", "",
             "--appendonly", "yes", "--appendfsync", "always", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                redis.Redis(port=self.port, socket_connect_timeout=0.5).ping()
                return
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not answer on port {self.port}")

    def stop_redis(self):
        if self.redis_proc and self.redis_proc.poll() is None:
            self.redis_proc.send_signal(signal.SIGKILL)
            self.redis_proc.wait()

    def db(self, n):
        return redis.Redis(port=self.port, db=n, socket_timeout=30)

    # ---- workers -----------------------------------------------------------------------------------------
    def start_worker(self, name, prefix, concurrency=8):
        log = open(os.path.join(self.workdir, f"{name}.log"), "ab")
        settings = {
            "TaskProcessor:RedisBroker:Url": f"redis://127.0.0.1:{self.port}/1",
            "TaskProcessor:RedisBroker:GlobalKeyPrefix": prefix,
            "TaskProcessor:RedisBroker:VisibilityTimeout": f"00:00:{VISIBILITY_S:02d}",
            "TaskProcessor:RedisBroker:RestoreInterval": "00:00:00.500",
            "TaskProcessor:Redis:Configuration": f"127.0.0.1:{self.port},abortConnect=false,connectTimeout=2000",
            "TaskProcessor:Redis:Database": "2",
            "TaskProcessor:Worker:Concurrency": str(concurrency),
            "TaskProcessor:Worker:Queues:0": QUEUE,
            "TaskProcessor:Broker:MaxDeliveryCount": "1000",
            "Fleet:Prefix": prefix,
            "Logging:LogLevel:Default": "Warning",
            "Logging:LogLevel:Afirgen.TaskProcessor.Engine.Hosting": "Information",
        }
        proc = subprocess.Popen(["dotnet", self.dll] + [f"--{k}={v}" for k, v in settings.items()],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.workers[name] = proc
        return proc, log

    def wait_consuming(self, proc, log, timeout=60):
        """Reads the worker's output until it consumes (then keeps copying it to its log in the background)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError("a worker exited before consuming; see its log in " + self.workdir)
            log.write(line)
            if b"Consuming queue" in line:
                pump(proc, log)
                return
        raise RuntimeError("a worker did not start consuming within %d s" % timeout)

    def kill_worker(self, name):
        proc = self.workers.pop(name)
        self.killed[proc.pid] = now_ms()
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    def stop_workers(self):
        for name in list(self.workers):
            proc = self.workers.pop(name)
            proc.send_signal(signal.SIGKILL)
            proc.wait()

    # ---- producer ----------------------------------------------------------------------------------------
    def producer(self, prefix, count, rate=None, kwargs='{"sleep_ms": 20}'):
        cmd = [PY, os.path.join(ROOT, "tools", "celery", "fleet_producer.py"), "--broker", f"redis://127.0.0.1:{self.port}/1",
               "--global-keyprefix", prefix, "--count", str(count), "--kwargs", kwargs, "--queue", QUEUE]
        if rate:
            cmd += ["--rate", str(rate)]
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def collect(self, producer, timeout):
        out, err = producer.communicate(timeout=timeout)
        if producer.returncode != 0:
            raise RuntimeError(f"the Celery producer failed: {err.strip()}")
        return [line.strip() for line in out.splitlines() if line.strip()]

    def wait_done(self, prefix, ids, timeout):
        """Waits until every id has a SUCCESS result. The handler records itself done before the worker stores its
        result, so the done set alone is not enough: stopping the workers then would kill the last result unwritten."""
        records = self.db(3)
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                if records.scard(prefix + "done") >= len(ids) and self.count_succeeded(ids) == len(ids):
                    return True
            except redis.RedisError:
                pass
            time.sleep(0.25)
        return False

    def count_succeeded(self, ids):
        pipe = self.db(2).pipeline(transaction=False)
        for task_id in ids:
            pipe.get("celery-task-meta-" + task_id)
        return sum(1 for value in pipe.execute() if value and json.loads(value).get("status") == "SUCCESS")

    def describe_missing(self, prefix, ids, most=5):
        """Where up to `most` tasks without a SUCCESS result stand (result state, recorded runs), for a failed check."""
        results, records = self.db(2), self.db(3)
        missing = []
        for task_id in ids:
            value = results.get("celery-task-meta-" + task_id)
            status = json.loads(value).get("status") if value else "no result"
            if status != "SUCCESS":
                runs = records.hget(prefix + "runs", task_id)
                missing.append(f"{task_id}: {status}, runs {int(runs or 0)}")
                if len(missing) >= most:
                    break
        return "; ".join(missing)

    def tally(self, prefix, ids, outage=False):
        """Succeeded, lost, duplicated, re-run counts for ids."""
        records = self.db(3)
        succeeded = self.count_succeeded(ids)
        pipe = records.pipeline(transaction=False)
        for task_id in ids:
            pipe.lrange(f"{prefix}completed:{task_id}", 0, -1)
        duplicated = rerun = 0
        for completions in pipe.execute():
            for earlier in completions[:-1]:
                _, pid, at = earlier.decode().split(":")
                killed_at = self.killed.get(int(pid))
                by_kill = killed_at is not None and killed_at >= int(at)
                # In flight across the outage: its lock could not be renewed while Redis was down, so it expired and
                # the message was restored when Redis came back, while the run went on (as a Service Bus lock would).
                by_outage = any(start - 5000 <= int(at) <= end + 2 * VISIBILITY_S * 1000 for start, end in self.outages)
                if by_kill or by_outage:
                    rerun += 1
                else:
                    duplicated += 1
        return succeeded, len(ids) - succeeded, duplicated, rerun

    # ---- scenarios ---------------------------------------------------------------------------------------
    def kills(self):
        a = self.args
        prefix = "kills:"
        print(f"== kills: {a.tasks} tasks, {a.kills} SIGKILLs of our workers", flush=True)
        started = {}
        for name in ("w0", "w1"):
            started[name] = self.start_worker(name, prefix)
        for name, (proc, log) in started.items():
            self.wait_consuming(proc, log)
        producer = self.producer(prefix, a.tasks, rate=a.tasks / max(1.0, a.kills * a.kill_interval))
        begin = time.time()
        for k in range(a.kills):
            name = f"w{k % 2}"
            time.sleep(max(0.0, begin + (k + 1) * a.kill_interval - time.time()))
            self.kill_worker(name)
            proc, log = self.start_worker(name, prefix)
            # The other worker keeps serving while this one starts; wait for it before its next turn.
            self.wait_consuming(proc, log)
        ids = self.collect(producer, timeout=600)
        done = self.wait_done(prefix, ids, timeout=120 + VISIBILITY_S)
        self.stop_workers()
        succeeded, lost, duplicated, rerun = self.tally(prefix, ids)
        print(f"   kills: {len(self.killed)} workers killed; re-run after a kill (at-least-once, the run died with its worker): {rerun}")
        self.check(len(ids) == a.tasks, f"kills: the producer sent all {a.tasks} tasks", f"sent {len(ids)}")
        self.check(done and lost == 0, f"kills: every task has a SUCCESS result ({succeeded}/{len(ids)})", self.describe_missing(prefix, ids))
        self.check(duplicated == 0, f"kills: no task completed twice without a kill forcing it ({duplicated})")
        self.add(len(ids), succeeded, lost, duplicated, 0)

    def outage(self):
        a = self.args
        prefix = "outage:"
        print(f"== outage: {a.outage_tasks} tasks, Redis down {a.outage_seconds} s mid-run (AOF, appendfsync always)", flush=True)
        proc, log = self.start_worker("o0", prefix)
        self.wait_consuming(proc, log)
        ids = self.collect(self.producer(prefix, a.outage_tasks), timeout=300)
        records = self.db(3)
        deadline = time.time() + 60
        while records.scard(prefix + "done") < len(ids) // 4 and time.time() < deadline:
            time.sleep(0.05)
        start = now_ms()
        self.stop_redis()
        time.sleep(a.outage_seconds)
        self.start_redis()
        self.outages.append((start, now_ms()))
        done = self.wait_done(prefix, ids, timeout=180)
        self.stop_workers()
        succeeded, lost, duplicated, rerun = self.tally(prefix, ids)
        print(f"   outage: re-run after the outage (in flight across it: their locks expired while Redis was down): {rerun}")
        self.check(done and lost == 0, f"outage: the worker reconnected and every task has a SUCCESS result ({succeeded}/{len(ids)})",
                   self.describe_missing(prefix, ids))
        self.check(duplicated == 0, f"outage: no task completed twice outside the outage ({duplicated})")
        self.add(len(ids), succeeded, lost, duplicated, 0)

    def hostile(self):
        a = self.args
        prefix = "hostile:"
        print(f"== hostile: {a.hostile} hostile messages among {a.good} good tasks", flush=True)
        broker = self.db(1)
        lists = [prefix + QUEUE] + [f"{prefix}{QUEUE}{SEP}{s}" for s in (3, 6, 9)]
        kinds = hostile_messages(a.hostile)
        producer = self.producer(prefix, a.good, kwargs='{"sleep_ms": 1}')
        for i, (kind, raw) in enumerate(kinds):
            broker.lpush(lists[i % len(lists)], raw)
        ids = self.collect(producer, timeout=300)
        proc, log = self.start_worker("h0", prefix)
        self.wait_consuming(proc, log)
        dead_key = f"{prefix}_afirgen.deadletter.{QUEUE}"
        deadline = time.time() + 180
        while time.time() < deadline and broker.llen(dead_key) < len(kinds):
            time.sleep(0.25)
        self.wait_done(prefix, ids, timeout=max(1.0, deadline - time.time()))
        self.stop_workers()
        entries = [json.loads(e) for e in broker.lrange(dead_key, 0, -1)]
        reasons = {}
        for e in entries:
            reasons[e["reason"]] = reasons.get(e["reason"], 0) + 1
        print("   hostile: dead-letter reasons " + ", ".join(f"{k} {v}" for k, v in sorted(reasons.items())))
        by_body = {}
        for e in entries:
            by_body.setdefault(base64.b64decode(e["body"]), e)
        unexplained = [e for e in entries if not e["reason"] or len(e["description"]) < 10]
        self.check(len(entries) == len(kinds), f"hostile: each of {len(kinds)} hostile messages was dead-lettered ({len(entries)})")
        self.check(not unexplained, "hostile: each dead letter says what was wrong", f"{len(unexplained)} without a description")
        pickle = [e for e in entries if "pickle" in e["description"]]
        self.check(len(pickle) == sum(1 for k, _ in kinds if k == "pickle"), "hostile: pickle messages were refused as such, never deserialized")
        succeeded, lost, duplicated, _ = self.tally(prefix, ids)
        self.check(lost == 0, f"hostile: every good task around them succeeded ({succeeded}/{len(ids)})", self.describe_missing(prefix, ids))
        self.add(len(ids) + len(kinds), succeeded, lost + len(kinds) - len(entries), duplicated, len(entries))

    def add(self, sent, succeeded, lost, duplicated, dead):
        for key, value in (("sent", sent), ("succeeded", succeeded), ("lost", lost), ("duplicated", duplicated), ("dead-lettered", dead)):
            self.totals[key] += value


def hostile_messages(count):
    """count raw messages of every hostile kind, round robin."""
    def envelope(task="fleet.record", body=None, content_type="application/json", headers=None, **props):
        task_id = str(uuid.uuid4())
        h = {"lang": "py", "task": task, "id": task_id, "retries": 0, "root_id": task_id, "parent_id": None,
             "eta": None, "expires": None, "timelimit": [None, None], "argsrepr": "()", "kwargsrepr": "{}", "origin": "fault"}
        h.update(headers or {})
        if body is None:
            body = base64.b64encode(json.dumps([[], {}, {"callbacks": None, "errbacks": None, "chain": None, "chord": None}]).encode()).decode()
        p = {"correlation_id": task_id, "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": QUEUE},
             "priority": 0, "body_encoding": "base64", "delivery_tag": str(uuid.uuid4())}
        p.update(props)
        return json.dumps({"body": body, "content-encoding": "utf-8", "content-type": content_type, "headers": h, "properties": p}).encode()

    makers = [
        ("not-json", lambda: b"this is not json " + os.urandom(4).hex().encode()),
        ("binary", lambda: os.urandom(64)),
        ("empty", lambda: b""),
        ("json-array", lambda: b"[1, 2, 3]"),
        ("json-number", lambda: b"42"),
        ("bad-base64", lambda: envelope(body="%%%not base64%%%")),
        ("body-not-json", lambda: envelope(body=base64.b64encode(b"{not json").decode())),
        ("wrong-types", lambda: envelope(headers={"task": 5})),
        ("args-not-list", lambda: envelope(body=base64.b64encode(json.dumps([{"a": 1}, [], {}]).encode()).decode())),
        ("huge", lambda: envelope(body=base64.b64encode(json.dumps([["x" * 400_000], {}, {}]).encode()).decode())),
        ("unknown-task", lambda: envelope(task="afirgen_tasks.nowhere.unknown_" + uuid.uuid4().hex[:6])),
        ("pickle", lambda: envelope(content_type="application/x-python-serialize", body=base64.b64encode(b"\x80\x04K\x01.").decode())),
        ("deeply-nested", lambda: b"[" * 5000 + b"]" * 5000),
        ("nested-body", lambda: envelope(body=base64.b64encode(b"[" * 3000 + b"]" * 3000).decode())),
        ("no-headers", lambda: json.dumps({"body": "", "properties": {"delivery_tag": str(uuid.uuid4())}}).encode()),
    ]
    return [(makers[i % len(makers)][0], makers[i % len(makers)][1]()) for i in range(count)]


def pump(proc, log):
    import threading

    def copy():
        for line in proc.stdout:
            log.write(line)
        log.close()
    threading.Thread(target=copy, daemon=True).start()


def now_ms():
    return int(time.time() * 1000)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--ci", action="store_true", help="scaled down for CI: 1,500 tasks and 10 kills, 500 outage tasks")
    p.add_argument("--tasks", type=int, default=10_000)
    p.add_argument("--kills", type=int, default=100)
    p.add_argument("--kill-interval", type=float, default=1.0, help="seconds between kills")
    p.add_argument("--outage-tasks", type=int, default=2_000)
    p.add_argument("--outage-seconds", type=float, default=30)
    p.add_argument("--hostile", type=int, default=1_000)
    p.add_argument("--good", type=int, default=500)
    p.add_argument("--configuration", default="Debug")
    p.add_argument("--only", choices=("kills", "outage", "hostile"))
    a = p.parse_args()
    if a.ci:
        a.tasks, a.kills, a.outage_tasks = 1_500, 10, 500
    print(f"fault suite ({'CI counts' if a.ci else 'full counts'}): kills {a.tasks} tasks / {a.kills} kills; outage {a.outage_tasks} tasks / "
          f"{a.outage_seconds:.0f} s; hostile {a.hostile} among {a.good}", flush=True)

    workdir = tempfile.mkdtemp(prefix="afirgen-fault-")
    suite = Suite(a, workdir)
    try:
        suite.start_redis()
        for name in ("kills", "outage", "hostile"):
            if a.only in (None, name):
                try:
                    getattr(suite, name)()
                except Exception as exc:  # noqa: BLE001 - a scenario that breaks is a failed check, and the suite goes on
                    suite.check(False, f"{name}: ran to the end", f"{type(exc).__name__}: {exc}")
                    suite.stop_workers()
                    if suite.redis_proc.poll() is not None:
                        suite.start_redis()
    finally:
        suite.stop_workers()
        suite.stop_redis()
        if suite.failed == 0:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"worker logs kept in {workdir}")
    print(f"{suite.passed} passed, {suite.failed} failed")
    t = suite.totals
    print(f"sent {t['sent']} / succeeded {t['succeeded']} / lost {t['lost']} / duplicated {t['duplicated']} / dead-lettered {t['dead-lettered']}")
    return 0 if suite.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
