#!/usr/bin/env bash
# Runs the engine's benchmark and the Celery baseline in one go, on one private redis-server, and
# prints both with the ratios. Celery runs the seed's set-up (prefork, concurrency 2, prefetch 4,
# acks late, Redis broker and backend) and is timed the fair way (pipelined EXISTS on result keys).
#   scripts/benchmark.sh [--count N] [--rounds R]        (defaults: 20000 for ours, 2000 for Celery, 3 rounds)
set -euo pipefail
cd "$(dirname "$0")/.."

ours_count=20000
celery_count=2000
rounds=3
while [ $# -gt 0 ]; do
  case "$1" in
    --count) ours_count=$2; celery_count=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    *) echo "usage: scripts/benchmark.sh [--count N] [--rounds R]" >&2; exit 2 ;;
  esac
done

scripts/install-prerequisites.sh
dotnet build src/Afirgen.TaskProcessor.Cli -c Release -nologo -v quiet

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes >/dev/null
trap 'redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true' EXIT

echo "== Celery $(/usr/bin/python3 -c 'import celery; print(celery.__version__)') baseline: ${celery_count} tasks x ${rounds} rounds"
celery_json=$(/usr/bin/python3 tools/celery/celery_bench.py --redis "redis://127.0.0.1:${port}" --count "$celery_count" --rounds "$rounds" --json | tail -1)

echo "== afirgen-tasks engine: ${ours_count} tasks x ${rounds} rounds"
ours_json=$(dotnet src/Afirgen.TaskProcessor.Cli/bin/Release/net10.0/afirgen-tasks.dll bench --redis "127.0.0.1:${port}" --count "$ours_count" --rounds "$rounds" --json | tail -1)

/usr/bin/python3 - "$celery_json" "$ours_json" <<'PY'
import json, os, sys
celery, ours = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print()
print(f"machine: {os.cpu_count()} cores; same redis-server, same run")
print("CPU µs/task: Celery's worker tree; ours the engine's, net of the in-process producer (whole process in brackets)")
print(f"{'workload':<9} {'system':<24} {'tasks/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'CPU µs/task':>18}")
for w in ("noop", "sleep10"):
    for name, r in ((celery["system"], celery), ("afirgen-tasks (c=%d)" % ours["concurrency"], ours)):
        f = r["workloads"][w]
        cpu = f"{f['cpu_us_per_task']:.1f}" + (f" ({f['process_cpu_us_per_task']:.1f})" if "process_cpu_us_per_task" in f else "")
        print(f"{w:<9} {name:<24} {f['tasks_per_s']:>9.0f} {f['p50_ms']:>8.1f} {f['p99_ms']:>8.1f} {cpu:>18}")
    ratio = ours["workloads"][w]["tasks_per_s"] / celery["workloads"][w]["tasks_per_s"]
    print(f"{w:<9} {'ratio':<24} {ratio:>8.1f}x")
cap = ours["concurrency"] / 0.0125
print(f"sleep10 cap at concurrency {ours['concurrency']} (Task.Delay(10) averages ~12.5 ms here): ~{cap:.0f} tasks/s; "
      f"ours reaches {ours['workloads']['sleep10']['tasks_per_s'] / cap * 100:.0f} % of it")
PY
