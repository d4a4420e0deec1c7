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
print("ours 'celery': the work Celery's baseline does per task (no STARTED, no extended results, no task events);")
print("ours 'afirgen': AFIRGen's settings (STARTED, extended results, the task index): more work than Celery's baseline")
print(f"{'workload':<9} {'system':<32} {'tasks/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'CPU µs/task':>18}")
for w in ("noop", "sleep10"):
    base = celery["workloads"][w]
    print(f"{w:<9} {celery['system']:<32} {base['tasks_per_s']:>9.0f} {base['p50_ms']:>8.1f} {base['p99_ms']:>8.1f} {base['cpu_us_per_task']:>18.1f}")
    for settings, run in ours["settings"].items():
        f = run["workloads"][w]
        cpu = f"{f['cpu_us_per_task']:.1f} ({f['process_cpu_us_per_task']:.1f})"
        name = f"afirgen-tasks {settings} (c={ours['concurrency']})"
        print(f"{w:<9} {name:<32} {f['tasks_per_s']:>9.0f} {f['p50_ms']:>8.1f} {f['p99_ms']:>8.1f} {cpu:>18}  {f['tasks_per_s'] / base['tasks_per_s']:.1f}x")
PY
