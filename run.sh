#!/usr/bin/env bash
# Runs the task processor on this machine with its defaults: every queue on Celery's Redis transport in a local
# redis-server that persists to .data/redis/ (so queued, scheduled and running tasks survive kill -9, Ctrl+C and a
# restart of Redis or of the machine), results in the same Redis, the HTTP API and dashboard on http://127.0.0.1:7071.
# Extra arguments go to `afirgen-tasks run` (e.g. -Q email,reports -c 8; --broker memory for an in-memory broker).
set -euo pipefail
cd "$(dirname "$0")"

scripts/install-prerequisites.sh

redis_port=${AFIRGEN_REDIS_PORT:-6379}
scripts/start-redis.sh "$redis_port"

# Quiet unless it fails: the registry's NU1603 warnings are expected here and would bury the start.
build_log=$(mktemp)
if ! dotnet build src/Afirgen.TaskProcessor.Cli -nologo -v quiet >"$build_log" 2>&1; then
  grep -E "error|Error" "$build_log" >&2 || cat "$build_log" >&2
  rm -f "$build_log"
  exit 1
fi
rm -f "$build_log"
exec dotnet src/Afirgen.TaskProcessor.Cli/bin/Debug/net10.0/afirgen-tasks.dll run --redis "127.0.0.1:${redis_port}" "$@"
