#!/usr/bin/env python3
"""Wolverine's CPU per no-op task, for docs/performance.md beside our engine's.

The Wolverine peer bench (../shared/peers/wolverine, built by ../shared/peers/run-all.sh into /tmp/peers-build)
prints throughput only. This runs it alone and reads its process's CPU time from /proc every 50 ms; the no-op
phase is the `total` seconds its own timer reports, ending where the process last used CPU before the short io
phase (200 tasks) and exit. Its CPU over that phase, divided by the tasks, is the figure: the whole process, its
in-process producer included, as our `bench` round's "process CPU/task" is ours.

Its startup (Wolverine compiles its handlers with Roslyn, about a core for two seconds here) is outside the phase.
Use a large N (200,000 takes about 7 s here) so the 50 ms sampling is a small part of the phase.

    python3 tools/peers/wolverine_cpu.py --redis 127.0.0.1:6379 [--n 200000] [--runs 3]

Flushes the Redis database the bench writes to (--db, 2 as in run-all.sh) before each run.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time

sys.path.insert(0, "/usr/lib/python3/dist-packages")
import redis  # noqa: E402  (Debian's python3-redis, as the rest of tools/)

DEFAULT_DLL = "/tmp/peers-build/wolverine/bin/Release/net10.0/WolverineBench.dll"


def one_run(dll, host, port, db, n, concurrency):
    redis.Redis(host=host, port=port, db=db).flushdb()
    proc = subprocess.Popen(["dotnet", dll, "--redis", f"{host}:{port}", "--db", str(db), "--n-noop", str(n), "--n-io", "200",
                             "--timeout-s", "300", "--concurrency", str(concurrency)], stdout=subprocess.PIPE, text=True)
    hz = os.sysconf("SC_CLK_TCK")
    samples = []  # (time, CPU ticks of the process)
    while proc.poll() is None:
        try:
            fields = open(f"/proc/{proc.pid}/stat").read().rsplit(")", 1)[1].split()
            samples.append((time.perf_counter(), int(fields[11]) + int(fields[12])))  # utime + stime
        except (OSError, IndexError, ValueError):
            pass
        time.sleep(0.05)
    out = proc.stdout.read()
    found = re.search(r"noop N=(\d+) .*?total=([\d.]+)s throughput=(\d+)", out)
    if proc.returncode != 0 or not found:
        raise SystemExit(f"wolverine_cpu: the bench exited {proc.returncode} without a noop line:\n{out}")
    total = float(found.group(2))
    busy = [s for i, s in enumerate(samples[1:], 1) if s[1] > samples[i - 1][1]]
    if not busy:
        raise SystemExit("wolverine_cpu: no CPU samples were taken; is /proc readable?")
    end_time, end_ticks = busy[-1]
    start_ticks = min(samples, key=lambda s: abs(s[0] - (end_time - total)))[1]
    cpu_s = (end_ticks - start_ticks) / hz
    return int(found.group(3)), total, cpu_s / n * 1e6


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--redis", required=True, help="host:port of the Redis the bench writes results to")
    p.add_argument("--db", type=int, default=2)
    p.add_argument("--dll", default=DEFAULT_DLL, help=f"WolverineBench.dll (default {DEFAULT_DLL})")
    p.add_argument("--n", type=int, default=200_000, help="no-op tasks per run")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--concurrency", type=int, default=100)
    a = p.parse_args()
    if not os.path.exists(a.dll):
        raise SystemExit(f"wolverine_cpu: {a.dll} does not exist; build it with PEERS=wolverine ../shared/peers/run-all.sh 2000 first.")
    host, port = a.redis.rsplit(":", 1)
    figures = []
    for i in range(a.runs):
        throughput, phase_s, us = one_run(a.dll, host, int(port), a.db, a.n, a.concurrency)
        figures.append(us)
        print(f"run {i + 1}: {throughput} tasks/s, no-op phase {phase_s:.2f} s, {us:.1f} µs process CPU/task")
    print(f"Wolverine no-op, {a.n} tasks, concurrency {a.concurrency}: median {statistics.median(figures):.1f} µs process CPU/task "
          f"({min(figures):.1f} to {max(figures):.1f}, {a.runs} runs)")


if __name__ == "__main__":
    main()
