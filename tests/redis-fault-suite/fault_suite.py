#!/usr/bin/python3
"""The fault suite, on the default run: afirgen-tasks exactly as ./run.sh starts it (`run --redis 127.0.0.1:PORT` on a
redis-server started by scripts/start-redis.sh, with its append-only file), fed by a real Celery producer, under
SIGKILLs, Ctrl+C, a Redis restart and hostile messages. Loopback only, bounded in count and time.

The worker is the afirgen-tasks command itself with one task added, fleet.record (tests/…FaultWorker): it waits
sleep_ms, then records its run in one transaction (a run count per task id, the set of done ids, and who completed it
when, `worker:pid:unix ms`), so a check can tell a re-run forced by a killed worker from a duplicate. Each instance
gets an API port of its own (--urls: two instances cannot share 127.0.0.1:7071); nothing else is set. Every scenario has
a redis-server of its own, started and restarted by scripts/start-redis.sh with the data folder it would use.

Scenarios (defaults are the issue's counts; --ci scales them down, and says so):
  kills      a Celery producer sends --tasks tasks of 300 ms (10,000) while our workers are killed with SIGKILL --kills times
             (100), two taking turns so one is always up; reports how long after the last kill the last of the tasks the
             killed worker held finished (its leases must end first: the default visibility timeout, 30 s).
  ctrl-c     --ctrlc-tasks tasks of 200 ms (2,000, sent faster than two workers run them: a backlog) and
             --ctrlc-scheduled countdown tasks (100, due 10 and 40 s later) while our workers are stopped with SIGINT
             --restarts times (20) and started again: each stop must exit 0 by itself and log its counts; nothing may be
             lost or run twice, and no countdown task may run before its time.
  restart    --restart-tasks tasks (2,000); redis-server is killed (SIGKILL) mid-run, kept down --outage-seconds (10),
             and started again on its append-only file; the workers reconnect. Shorter than a lease, so nothing is re-run.
  hostile    --hostile raw messages (1,000: not JSON, bad base64, wrong types in properties and headers, ids with
             control characters, huge bodies, unknown task names, a pickle content type, deeply nested JSON, ...) pushed
             straight into the queue's lists among --good good tasks (500); each must be dead-lettered with a reason.
  countdown  --countdown-tasks tasks (200) due --countdown seconds (90, three visibility timeouts) later, on our workers
             alone and, at the same time on another Redis, on one of ours beside a Celery worker (which holds the ETA
             tasks it takes in memory, unacknowledged, as Celery does): each must run exactly once, at its time.

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
import threading
import time
import uuid

import redis

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PY = "/usr/bin/python3"
QUEUE = "default"          # fleet.record is unrouted: the default queue, which the default run consumes
SEP = "\x06\x16"
LEASE_S = 30               # the default TaskProcessor:RedisBroker:VisibilityTimeout
RECORDS_DB, BROKER_DB, RESULTS_DB = 3, 1, 0   # as the default run lays them out (results in db 0, queues in db 1)
PREFIX = "fleet:"          # FleetTasks' default record prefix


class RedisUnderTest:
    """A redis-server as ./run.sh starts it (scripts/start-redis.sh), in a data folder of its own."""

    def __init__(self, workdir, name):
        self.port = free_port()
        self.dir = os.path.join(workdir, f"redis-{name}")

    def start(self):
        subprocess.run([os.path.join(ROOT, "scripts", "start-redis.sh"), str(self.port), self.dir], check=True,
                       stdout=subprocess.DEVNULL)

    def kill(self):
        """SIGKILL, as a crash would: what is not in the append-only file is gone."""
        with open(os.path.join(self.dir, "redis.pid")) as f:
            pid = int(f.read().strip())
        os.kill(pid, signal.SIGKILL)
        deadline = time.time() + 10
        while time.time() < deadline and pid_alive(pid):
            time.sleep(0.05)

    def stop(self):
        try:
            redis.Redis(port=self.port, socket_timeout=5).shutdown(nosave=True)
        except redis.RedisError:
            pass

    def db(self, n):
        return redis.Redis(port=self.port, db=n, socket_timeout=30)

    def url(self, n):
        return f"redis://127.0.0.1:{self.port}/{n}"


class Worker:
    """One afirgen-tasks `run` process, its output copied to a log; remembers the lines that matter."""

    def __init__(self, suite, name, server):
        self.name = name
        self.log_path = os.path.join(suite.workdir, f"{name}.log")
        dll = suite.dll
        self.proc = subprocess.Popen(["dotnet", dll, "run", "--redis", f"127.0.0.1:{server.port}", "--urls", f"http://127.0.0.1:{free_port()}"],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=suite.worker_env)
        self.consuming = threading.Event()
        self.stopped_lines = []
        self._log = open(self.log_path, "ab")
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for line in self.proc.stdout:
            self._log.write(line)
            text = line.decode("utf-8", "replace")
            if "Consuming queue" in text:
                self.consuming.set()
            if text.strip().startswith("Stopped: "):
                self.stopped_lines.append(text.strip())
        self._log.close()

    def wait_consuming(self, timeout=90):
        if not self.consuming.wait(timeout):
            raise RuntimeError(f"worker {self.name} did not start consuming within {timeout} s; see {self.log_path}")


class Suite:
    def __init__(self, args, workdir):
        self.args = args
        self.workdir = workdir
        self.passed = 0
        self.failed = 0
        self.totals = {"sent": 0, "succeeded": 0, "lost": 0, "duplicated": 0, "dead-lettered": 0}
        self.servers = []
        self.workers = []
        self.killed = {}  # pid -> kill time (ms)
        self.dll = os.path.join(ROOT, "tests", "Afirgen.TaskProcessor.RedisBroker.FaultWorker", "bin", args.configuration,
                                "net10.0", "Afirgen.TaskProcessor.RedisBroker.FaultWorker.dll")
        # The environment of a shell that runs ./run.sh: nothing of ours set. (The worker's current directory is the
        # suite's folder, so the AFIRGen demo's output does not land in the repository.)
        self.worker_env = {k: v for k, v in os.environ.items() if not k.startswith(("TaskProcessor__", "Afirgen__", "Fleet__"))}

    # ---- checks ------------------------------------------------------------------------------------------
    def check(self, ok, what, detail=""):
        if ok:
            self.passed += 1
            print(f"ok   {what}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {what}" + (f"\n     {detail}" if detail else ""), flush=True)

    def check_each_ran_once(self, server, ids, done, tally, all_ran, none_twice):
        """The two checks every phase makes of its tasks (all have a SUCCESS result, none ran twice), then its counts."""
        succeeded, lost, duplicated = tally
        self.check(done and lost == 0, f"{all_ran} ({succeeded}/{len(ids)})", self.describe_missing(server, ids))
        self.check(duplicated == 0, f"{none_twice} ({duplicated})")
        self.add(len(ids), succeeded, lost, duplicated, 0)

    def add(self, sent, succeeded, lost, duplicated, dead):
        for key, value in (("sent", sent), ("succeeded", succeeded), ("lost", lost), ("duplicated", duplicated), ("dead-lettered", dead)):
            self.totals[key] += value

    # ---- servers and workers ----------------------------------------------------------------------------
    def redis_server(self, name):
        server = RedisUnderTest(self.workdir, name)
        server.start()
        self.servers.append(server)
        return server

    def start_worker(self, name, server):
        worker = Worker(self, name, server)
        self.workers.append(worker)
        return worker

    def start_pair(self, name, server):
        """Two workers, both consuming, that a scenario stops and restarts in turns (one is always up)."""
        pair = [self.start_worker(f"{name}{i}", server) for i in range(2)]
        for worker in pair:
            worker.wait_consuming()
        return pair

    def kill_worker(self, worker):
        self.killed[worker.proc.pid] = now_ms()
        worker.proc.send_signal(signal.SIGKILL)
        worker.proc.wait()
        self.workers.remove(worker)

    def interrupt_worker(self, worker, timeout=60):
        """Ctrl+C: SIGINT, then wait for the process to exit by itself. Returns its exit code (None if it hung)."""
        worker.proc.send_signal(signal.SIGINT)
        try:
            code = worker.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            worker.proc.kill()
            worker.proc.wait()
            code = None
        self.workers.remove(worker)
        time.sleep(0.2)  # let the pump read the last lines
        return code

    def stop_workers(self):
        for worker in list(self.workers):
            worker.proc.send_signal(signal.SIGKILL)
            worker.proc.wait()
            self.workers.remove(worker)

    # ---- producer ----------------------------------------------------------------------------------------
    def producer(self, server, count, rate=None, kwargs='{"sleep_ms": 20}', countdown=None):
        cmd = [PY, os.path.join(ROOT, "tools", "celery", "fleet_producer.py"), "--broker", server.url(BROKER_DB),
               "--count", str(count), "--kwargs", kwargs, "--queue", QUEUE]
        if rate:
            cmd += ["--rate", str(rate)]
        if countdown is not None:
            cmd += ["--countdown", str(countdown)]
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def collect(self, producer, timeout):
        out, err = producer.communicate(timeout=timeout)
        if producer.returncode != 0:
            raise RuntimeError(f"the Celery producer failed: {err.strip()}")
        return [line.strip() for line in out.splitlines() if line.strip()]

    # ---- reading the outcome -----------------------------------------------------------------------------
    def wait_done(self, server, ids, timeout):
        """Waits until every id has a SUCCESS result (the handler records itself a moment before its result is stored)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                if server.db(RECORDS_DB).scard(PREFIX + "done") >= len(ids) and self.count_succeeded(server, ids) == len(ids):
                    return True
            except redis.RedisError:
                pass
            time.sleep(0.25)
        return False

    def count_succeeded(self, server, ids):
        pipe = server.db(RESULTS_DB).pipeline(transaction=False)
        for task_id in ids:
            pipe.get("celery-task-meta-" + task_id)
        return sum(1 for value in pipe.execute() if value and json.loads(value).get("status") == "SUCCESS")

    def describe_missing(self, server, ids, most=5):
        """Where up to `most` tasks without a SUCCESS result stand (result state, recorded runs), for a failed check."""
        results, records = server.db(RESULTS_DB), server.db(RECORDS_DB)
        missing = []
        for task_id in ids:
            value = results.get("celery-task-meta-" + task_id)
            status = json.loads(value).get("status") if value else "no result"
            if status != "SUCCESS":
                runs = records.hget(PREFIX + "runs", task_id)
                missing.append(f"{task_id}: {status}, runs {int(runs or 0)}")
                if len(missing) >= most:
                    break
        return "; ".join(missing)

    def completions(self, server, ids):
        pipe = server.db(RECORDS_DB).pipeline(transaction=False)
        for task_id in ids:
            pipe.lrange(f"{PREFIX}completed:{task_id}", 0, -1)
        return [[c.decode() for c in completed] for completed in pipe.execute()]

    def tally(self, server, ids, excuse_kills=False):
        """Succeeded, lost, duplicated, re-run-after-a-kill counts. A second completion is a duplicate unless its
        earlier one belongs to a worker killed after it (the run died before its result was stored: at-least-once)."""
        succeeded = self.count_succeeded(server, ids)
        duplicated = rerun = 0
        for completed in self.completions(server, ids):
            for earlier in completed[:-1]:
                _, pid, at = earlier.split(":")
                killed_at = self.killed.get(int(pid))
                if excuse_kills and killed_at is not None and killed_at >= int(at):
                    rerun += 1
                else:
                    duplicated += 1
        return succeeded, len(ids) - succeeded, duplicated, rerun

    def last_completion_ms(self, server, ids):
        return max(int(c[-1].split(":")[2]) for c in self.completions(server, ids) if c)

    # ---- scenarios ---------------------------------------------------------------------------------------
    def kills(self):
        a = self.args
        print(f"== kills: {a.tasks} tasks, {a.kills} SIGKILLs of our workers", flush=True)
        server = self.redis_server("kills")
        started = time.time()
        pair = self.start_pair("k", server)
        # A killed worker is replaced before the next kill (one is always up), so kills come no faster than a start;
        # the producer is paced to send until about the last one, so every kill lands on a worker holding messages.
        # Tasks of 300 ms: two workers of 4 slots run about 27 a second, less than the producer sends, so a backlog
        # builds and each kill lands on a worker with tasks running and its prefetch full.
        interval = max(a.kill_interval, time.time() - started + 0.5)
        producer = self.producer(server, a.tasks, rate=a.tasks / max(1.0, a.kills * interval), kwargs='{"sleep_ms": 300}')
        begin = time.time()
        last_kill, held_at_last_kill = None, set()
        for k in range(a.kills):
            time.sleep(max(0.0, begin + (k + 1) * interval - time.time()))
            victim = pair[k % 2]
            self.kill_worker(victim)
            last_kill = now_ms()
            pair[k % 2] = self.start_worker(f"k{k % 2}", server)
            if k == a.kills - 1:
                # What kombu's records still hold a moment later is the dead worker's (the live one settles in
                # milliseconds): the tasks that must come back when its leases end.
                time.sleep(2)
                held_at_last_kill = held_task_ids(server.db(BROKER_DB))
            pair[k % 2].wait_consuming()
        ids = self.collect(producer, timeout=900)
        done = self.wait_done(server, ids, timeout=a.tasks / 20 + 180 + LEASE_S)
        self.stop_workers()
        succeeded, lost, duplicated, rerun = self.tally(server, ids, excuse_kills=True)
        held = [i for i in ids if i in held_at_last_kill]
        came_back = (self.last_completion_ms(server, held) - last_kill) / 1000 if held else None
        print(f"   kills: {len(self.killed)} workers killed; re-run after a kill (at-least-once: the run died with its worker): {rerun}; "
              f"2 s after the last kill kombu's records held {len(held)} unsettled tasks (the dead workers' and the live one's), the last "
              f"of which finished {'-' if came_back is None else f'{came_back:.1f}'} s after that kill (the visibility timeout is {LEASE_S} s)")
        self.check(len(ids) == a.tasks, f"kills: the producer sent all {a.tasks} tasks", f"sent {len(ids)}")
        self.check_each_ran_once(server, ids, done, (succeeded, lost, duplicated),
                                 "kills: every task has a SUCCESS result", "kills: no task completed twice without a kill forcing it")
        self.check(came_back is not None and came_back <= LEASE_S + 10,
                   f"kills: the dead workers' tasks came back within about one visibility timeout of the last kill ({'-' if came_back is None else f'{came_back:.1f}'} s)",
                   "nothing was held when it was killed" if came_back is None else "")
        server.stop()

    def ctrl_c(self):
        a = self.args
        print(f"== ctrl-c: {a.ctrlc_tasks} tasks and {a.ctrlc_scheduled} countdown tasks, {a.restarts} Ctrl+C stops and restarts", flush=True)
        server = self.redis_server("ctrlc")
        pair = self.start_pair("c", server)
        sent_at = now_ms()
        early = self.producer(server, a.ctrlc_scheduled // 2, kwargs='{"sleep_ms": 1}', countdown=10)
        late = self.producer(server, a.ctrlc_scheduled - a.ctrlc_scheduled // 2, kwargs='{"sleep_ms": 1}', countdown=40)
        # 200 ms tasks sent over the first half of the stops: a backlog builds (two workers of 4 slots run about 40 a
        # second), so every stop finds running tasks and a full prefetch to give back.
        producer = self.producer(server, a.ctrlc_tasks, rate=a.ctrlc_tasks / max(1.0, a.restarts * a.restart_interval / 2), kwargs='{"sleep_ms": 200}')
        scheduled = {i: 10 for i in self.collect(early, timeout=300)}
        scheduled.update({i: 40 for i in self.collect(late, timeout=300)})
        codes, lines = [], []
        begin = time.time()
        for k in range(a.restarts):
            time.sleep(max(0.0, begin + (k + 1) * a.restart_interval - time.time()))
            worker = pair[k % 2]
            codes.append(self.interrupt_worker(worker))
            lines.append(worker.stopped_lines[-1] if worker.stopped_lines else "")
            pair[k % 2] = self.start_worker(f"c{k % 2}", server)
            pair[k % 2].wait_consuming()
        ids = self.collect(producer, timeout=600) + list(scheduled)
        done = self.wait_done(server, ids, timeout=180)
        self.stop_workers()
        succeeded, lost, duplicated, _ = self.tally(server, ids)
        given_back = sum(int(l.split(" held messages given back")[0].rsplit(", ", 1)[-1]) for l in lines if "held messages given back" in l)
        early_runs = []
        for task_id, completed in zip(scheduled, self.completions(server, list(scheduled))):
            if completed and int(completed[0].split(":")[2]) < sent_at + (scheduled[task_id] - 1) * 1000:
                early_runs.append(task_id)
        print(f"   ctrl-c: {len(codes)} stops; {given_back} held messages given back unstarted in all; exit codes {sorted(set(codes), key=str)}")
        self.check(all(c == 0 for c in codes), f"ctrl-c: every stop exited 0 by itself ({codes.count(0)}/{len(codes)})")
        self.check(all(lines), f"ctrl-c: every stop logged its counts in one line ({sum(1 for l in lines if l)}/{len(lines)})",
                   "a stop without its line; see the worker logs")
        self.check_each_ran_once(server, ids, done, (succeeded, lost, duplicated),
                                 "ctrl-c: every task, scheduled ones included, has a SUCCESS result", "ctrl-c: no task ran twice")
        self.check(not early_runs, f"ctrl-c: no countdown task ran before its time ({len(early_runs)})")
        server.stop()

    def restart(self):
        a = self.args
        print(f"== restart: {a.restart_tasks} tasks; Redis killed mid-run, down {a.outage_seconds:.0f} s, started again on its append-only file", flush=True)
        server = self.redis_server("restart")
        worker = self.start_worker("r0", server)
        worker.wait_consuming()
        ids = self.collect(self.producer(server, a.restart_tasks), timeout=300)
        deadline = time.time() + 60
        while server.db(RECORDS_DB).scard(PREFIX + "done") < len(ids) // 4 and time.time() < deadline:
            time.sleep(0.05)
        server.kill()
        time.sleep(a.outage_seconds)
        server.start()
        done = self.wait_done(server, ids, timeout=240)
        self.stop_workers()
        succeeded, lost, duplicated, _ = self.tally(server, ids)
        self.check_each_ran_once(server, ids, done, (succeeded, lost, duplicated),
                                 "restart: the worker reconnected and every task has a SUCCESS result",
                                 "restart: no task ran twice across a restart shorter than a lease")
        server.stop()

    def hostile(self):
        a = self.args
        print(f"== hostile: {a.hostile} hostile messages among {a.good} good tasks", flush=True)
        server = self.redis_server("hostile")
        broker = server.db(BROKER_DB)
        lists = [QUEUE] + [f"{QUEUE}{SEP}{s}" for s in (3, 6, 9)]
        kinds = hostile_messages(a.hostile)
        ids = self.collect(self.producer(server, a.good, kwargs='{"sleep_ms": 1}'), timeout=300)
        for i, (kind, raw) in enumerate(kinds):
            broker.lpush(lists[i % len(lists)], raw)
        worker = self.start_worker("h0", server)
        worker.wait_consuming()
        dead_key = f"_afirgen.deadletter.{QUEUE}"
        deadline = time.time() + 180
        while time.time() < deadline and broker.llen(dead_key) < len(kinds):
            time.sleep(0.25)
        self.wait_done(server, ids, timeout=max(1.0, deadline - time.time()))
        # Nothing may stay unacknowledged: every hostile message was acked, dead-lettered or restored.
        deadline = time.time() + 30
        while time.time() < deadline and (broker.hlen("unacked") or broker.hlen("_afirgen.unacked_raw")):
            time.sleep(0.25)
        left = broker.hlen("unacked") + broker.hlen("_afirgen.unacked_raw")
        self.stop_workers()
        entries = [json.loads(e) for e in broker.lrange(dead_key, 0, -1)]
        reasons = {}
        for e in entries:
            reasons[e["reason"]] = reasons.get(e["reason"], 0) + 1
        print("   hostile: dead-letter reasons " + ", ".join(f"{k} {v}" for k, v in sorted(reasons.items())))
        unexplained = [e for e in entries if not e["reason"] or len(e["description"]) < 10]
        self.check(len(entries) == len(kinds), f"hostile: each of {len(kinds)} hostile messages was dead-lettered ({len(entries)})",
                   missing_kinds(kinds, entries))
        self.check(not unexplained, "hostile: each dead letter says what was wrong", f"{len(unexplained)} without a description")
        pickle = [e for e in entries if "pickle" in e["description"]]
        self.check(len(pickle) == sum(1 for k, _ in kinds if k == "pickle"), "hostile: pickle messages were refused as such, never deserialized")
        self.check(left == 0, f"hostile: nothing left unacknowledged ({left})")
        succeeded, lost, duplicated, _ = self.tally(server, ids)
        self.check(lost == 0, f"hostile: every good task around them succeeded ({succeeded}/{len(ids)})", self.describe_missing(server, ids))
        self.add(len(ids) + len(kinds), succeeded, lost + len(kinds) - len(entries), duplicated, len(entries))
        server.stop()

    def countdown(self):
        a = self.args
        print(f"== countdown: {a.countdown_tasks} tasks due in {a.countdown:.0f} s ({a.countdown / LEASE_S:.0f} visibility timeouts), "
              "on our workers alone and beside a Celery worker", flush=True)
        alone, mixed = self.redis_server("countdown-alone"), self.redis_server("countdown-mixed")
        ours = [self.start_worker("d0", alone), self.start_worker("d1", alone)]
        celery = self.start_celery(mixed)
        mixed_ours = self.start_worker("m0", mixed)
        for worker in ours + [mixed_ours]:
            worker.wait_consuming()
        sent_at = now_ms()
        producers = [self.producer(alone, a.countdown_tasks, kwargs='{"sleep_ms": 1}', countdown=a.countdown),
                     self.producer(mixed, a.countdown_tasks, kwargs='{"sleep_ms": 1}', countdown=a.countdown)]
        ids = [self.collect(p, timeout=300) for p in producers]
        results = {}
        for name, server, task_ids in (("alone", alone, ids[0]), ("mixed", mixed, ids[1])):
            done = self.wait_done(server, task_ids, timeout=a.countdown + 120)
            # Then one more lease and restore, to see nothing is restored and run again late.
            results[name] = (server, task_ids, done)
        time.sleep(LEASE_S + 5)
        self.stop_workers()
        celery.send_signal(signal.SIGKILL)
        celery.wait()
        for name, (server, task_ids, done) in results.items():
            succeeded, lost, duplicated, _ = self.tally(server, task_ids)
            completions = self.completions(server, task_ids)
            early = sum(1 for c in completions if c and int(c[0].split(":")[2]) < sent_at + (a.countdown - 1) * 1000)
            by = {}
            for c in completions:
                if c:
                    by[c[0].split(":")[0]] = by.get(c[0].split(":")[0], 0) + 1
            print(f"   countdown {name}: run by " + ", ".join(f"{k} {v}" for k, v in sorted(by.items())))
            self.check_each_ran_once(server, task_ids, done, (succeeded, lost, duplicated),
                                     f"countdown {name}: every task ran", f"countdown {name}: each ran exactly once, none twice")
            self.check(early == 0, f"countdown {name}: none ran before its time ({early})")
            if name == "mixed":
                self.check(by.get("celery", 0) > 0, f"countdown mixed: the Celery worker took part ({by.get('celery', 0)})")
        alone.stop()
        mixed.stop()

    def start_celery(self, server):
        """Celery's fleet_app.py worker (prefork, acks late) with kombu's default visibility timeout (one hour)."""
        env = dict(os.environ)
        env.update({
            "PYTHONPATH": os.path.join(ROOT, "tools", "celery"), "FLEET_BROKER": server.url(BROKER_DB),
            "FLEET_BACKEND": server.url(RESULTS_DB), "FLEET_REDIS": server.url(RECORDS_DB), "FLEET_PREFIX": PREFIX,
            "FLEET_GLOBAL_KEYPREFIX": "", "FLEET_VISIBILITY_TIMEOUT": "3600",
        })
        log = open(os.path.join(self.workdir, "celery.log"), "ab")
        return subprocess.Popen([PY, "-m", "celery", "-A", "fleet_app", "worker", "-Q", QUEUE, "--loglevel", "WARNING",
                                 "-n", f"fleet-{uuid.uuid4().hex[:8]}@%h", "--without-heartbeat", "--without-gossip", "--without-mingle"],
                                stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.workdir)


def hostile_messages(count):
    """count raw messages of every hostile kind, round robin."""
    def envelope(task="fleet.record", body=None, content_type="application/json", headers=None, drop=(), **props):
        task_id = str(uuid.uuid4())
        h = {"lang": "py", "task": task, "id": task_id, "retries": 0, "root_id": task_id, "parent_id": None,
             "eta": None, "expires": None, "timelimit": [None, None], "argsrepr": "()", "kwargsrepr": "{}", "origin": "fault"}
        h.update(headers or {})
        if body is None:
            body = base64.b64encode(json.dumps([[], {}, {"callbacks": None, "errbacks": None, "chain": None, "chord": None}]).encode()).decode()
        p = {"correlation_id": task_id, "delivery_mode": 2, "delivery_info": {"exchange": "", "routing_key": QUEUE},
             "priority": 0, "body_encoding": "base64", "delivery_tag": str(uuid.uuid4())}
        p.update(props)
        env = {"body": body, "content-encoding": "utf-8", "content-type": content_type, "headers": h, "properties": p}
        for key in drop:
            env.pop(key, None)
        return json.dumps(env).encode()

    makers = [
        ("not-json", lambda: b"this is not json " + os.urandom(4).hex().encode()),
        ("binary", lambda: os.urandom(64)),
        ("empty", lambda: b""),
        ("json-array", lambda: b"[1, 2, 3]"),
        ("json-number", lambda: b"42"),
        ("bad-base64", lambda: envelope(body="%%%not base64%%%")),
        ("body-not-json", lambda: envelope(body=base64.b64encode(b"{not json").decode())),
        ("task-not-string", lambda: envelope(headers={"task": 5})),
        ("args-not-list", lambda: envelope(body=base64.b64encode(json.dumps([{"a": 1}, [], {}]).encode()).decode())),
        ("huge", lambda: envelope(body=base64.b64encode(json.dumps([["x" * 400_000], {}, {}]).encode()).decode())),
        ("unknown-task", lambda: envelope(task="afirgen_tasks.nowhere.unknown_" + uuid.uuid4().hex[:6])),
        ("pickle", lambda: envelope(content_type="application/x-python-serialize", body=base64.b64encode(b"\x80\x04K\x01.").decode())),
        ("deeply-nested", lambda: b"[" * 5000 + b"]" * 5000),
        ("nested-body", lambda: envelope(body=base64.b64encode(b"[" * 3000 + b"]" * 3000).decode())),
        ("no-headers", lambda: json.dumps({"body": "", "properties": {"delivery_tag": str(uuid.uuid4())}}).encode()),
        # Wrong types in properties and headers, and ids no key should carry.
        ("priority-string", lambda: envelope(priority="high")),
        ("priority-list", lambda: envelope(priority=[1])),
        ("priority-negative", lambda: envelope(priority=-5)),
        ("eta-number", lambda: envelope(headers={"eta": 5})),
        ("eta-garbage", lambda: envelope(headers={"eta": "next tuesday"})),
        ("expires-garbage", lambda: envelope(headers={"expires": "tomorrow"})),
        ("retries-string", lambda: envelope(headers={"retries": "x"})),
        ("retries-negative", lambda: envelope(headers={"retries": -1})),
        ("timelimit-string", lambda: envelope(headers={"timelimit": "x"})),
        ("timelimit-strings", lambda: envelope(headers={"timelimit": ["a", "b"]})),
        ("id-control", lambda: envelope(headers={"id": "../../x\u0000" + uuid.uuid4().hex[:6]})),
        ("id-number", lambda: envelope(headers={"id": 12345})),
        ("root-id-object", lambda: envelope(headers={"root_id": {}})),
        ("parent-id-list", lambda: envelope(headers={"parent_id": []})),
        ("group-number", lambda: envelope(headers={"group": 5})),
        ("properties-string", lambda: envelope(drop=("properties",)).replace(b'"headers"', b'"properties": "x", "headers"', 1)),
        ("body-encoding-number", lambda: envelope(body_encoding=5)),
        ("content-type-number", lambda: envelope(content_type=5)),
        ("delivery-count-string", lambda: envelope(headers={"x-afirgen-delivery-count": "many"}, priority="7")),
    ]
    return [(makers[i % len(makers)][0], makers[i % len(makers)][1]()) for i in range(count)]


def held_task_ids(broker):
    """The task ids of the messages kombu's unacked records hold now."""
    held = set()
    for entry in broker.hvals("unacked"):
        try:
            held.add(json.loads(entry)[0]["headers"]["id"])
        except (ValueError, KeyError, IndexError, TypeError):
            pass
    return held


def missing_kinds(kinds, entries):
    """Which hostile kinds have fewer dead letters than were sent (by body), for a failed check."""
    seen = {}
    for e in entries:
        body = base64.b64decode(e["body"])
        seen[body] = seen.get(body, 0) + 1
    short = {}
    for kind, raw in kinds:
        if seen.get(raw, 0) > 0:
            seen[raw] -= 1
        else:
            short[kind] = short.get(kind, 0) + 1
    return ", ".join(f"{k} {v}" for k, v in sorted(short.items())) or "none missing by body"


def pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def now_ms():
    return int(time.time() * 1000)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


SCENARIOS = ("kills", "ctrl-c", "restart", "hostile", "countdown")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--ci", action="store_true", help="scaled down for CI (see --help of each count)")
    p.add_argument("--tasks", type=int, default=10_000)
    p.add_argument("--kills", type=int, default=100)
    p.add_argument("--kill-interval", type=float, default=1.0, help="seconds between kills")
    p.add_argument("--ctrlc-tasks", type=int, default=2_000)
    p.add_argument("--ctrlc-scheduled", type=int, default=100)
    p.add_argument("--restarts", type=int, default=20)
    p.add_argument("--restart-interval", type=float, default=2.0, help="seconds between Ctrl+C stops")
    p.add_argument("--restart-tasks", type=int, default=2_000)
    p.add_argument("--outage-seconds", type=float, default=10)
    p.add_argument("--hostile", type=int, default=1_000)
    p.add_argument("--good", type=int, default=500)
    p.add_argument("--countdown-tasks", type=int, default=200)
    p.add_argument("--countdown", type=float, default=3 * LEASE_S)
    p.add_argument("--configuration", default="Debug")
    p.add_argument("--only", choices=SCENARIOS)
    a = p.parse_args()
    if a.ci:
        a.tasks, a.kills, a.ctrlc_tasks, a.ctrlc_scheduled, a.restarts, a.restart_tasks, a.countdown_tasks = 1_500, 10, 500, 40, 5, 500, 50
    print(f"fault suite on the default run ({'CI counts' if a.ci else 'full counts'}): kills {a.tasks} tasks / {a.kills} kills; "
          f"ctrl-c {a.ctrlc_tasks} + {a.ctrlc_scheduled} scheduled / {a.restarts} stops; restart {a.restart_tasks} tasks / "
          f"{a.outage_seconds:.0f} s down; hostile {a.hostile} among {a.good}; countdown {a.countdown_tasks} x 2 due in {a.countdown:.0f} s", flush=True)

    workdir = tempfile.mkdtemp(prefix="afirgen-fault-")
    os.chdir(workdir)  # the workers' demo output (AFIRGen's stand-ins write under their current directory) stays here
    suite = Suite(a, workdir)
    try:
        for name in SCENARIOS:
            if a.only in (None, name):
                try:
                    getattr(suite, name.replace("-", "_"))()
                except Exception as exc:  # noqa: BLE001 - a scenario that breaks is a failed check, and the suite goes on
                    suite.check(False, f"{name}: ran to the end", f"{type(exc).__name__}: {exc}")
                    suite.stop_workers()
    finally:
        suite.stop_workers()
        for server in suite.servers:
            server.stop()
        os.chdir(ROOT)
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
