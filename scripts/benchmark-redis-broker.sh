#!/usr/bin/env bash
# Celery's workers against ours on Celery's Redis broker (issue 11): one private redis-server, one Celery
# producer, one result backend; only the worker differs. Runs `afirgen-tasks bench --broker` on a private
# redis-server (see tools/celery/redis_broker_bench.py, which that drives, for how both are fed and timed).
# Prints both with the ratios; stops by itself (a few minutes at the defaults).
#   scripts/benchmark-redis-broker.sh [--celery-count N] [--ours-count N] [--rounds R] [--starts S] [--workload noop|sleep10|both|latency|all]
#       [--latency-samples N] [--latency-warmup-seconds S] [--settings celery|afirgen] [--configuration Debug|Release (default)] [--json]
set -euo pipefail
cd "$(dirname "$0")/.."

configuration=Release
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --configuration) configuration=$2; shift 2 ;;
    --ours-count) args+=(--count "$2"); shift 2 ;;
    --celery-count|--rounds|--starts|--warmup|--workload|--concurrency|--latency-samples|--latency-warmup-seconds|--settings) args+=("$1" "$2"); shift 2 ;;
    --json) args+=("$1"); shift ;;
    *) echo "usage: scripts/benchmark-redis-broker.sh [--celery-count N] [--ours-count N] [--rounds R] [--starts S] [--warmup N] [--workload noop|sleep10|both|latency|all] [--latency-samples N] [--latency-warmup-seconds S] [--settings celery|afirgen] [--concurrency C] [--configuration Debug|Release] [--json]" >&2; exit 2 ;;
  esac
done

scripts/install-prerequisites.sh >/dev/null
dll=src/Afirgen.TaskProcessor.Cli/bin/$configuration/net10.0/afirgen-tasks.dll
if [ "$configuration" = Release ] || [ ! -f "$dll" ]; then
  dotnet build src/Afirgen.TaskProcessor.Cli -c "$configuration" -nologo -v quiet >/dev/null
fi

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes >/dev/null
trap 'redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true' EXIT
for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done

dotnet "$dll" bench --broker "redis://127.0.0.1:${port}" "${args[@]}"
