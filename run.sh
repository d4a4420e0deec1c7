#!/usr/bin/env bash
# Runs the task processor on this machine with its embedded defaults: every queue on the embedded
# (in-memory, development-only) broker, results in a local redis-server, the HTTP API on
# http://127.0.0.1:7071. Extra arguments go to `afirgen-tasks run` (e.g. -Q email,reports -c 8).
set -euo pipefail
cd "$(dirname "$0")"

scripts/install-prerequisites.sh

redis_port=${AFIRGEN_REDIS_PORT:-6379}
if ! redis-cli -p "$redis_port" ping >/dev/null 2>&1; then
  echo "Starting redis-server on 127.0.0.1:${redis_port} (no persistence) for results ..."
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes >/dev/null
fi

dotnet build src/Afirgen.TaskProcessor.Cli -nologo -v quiet
exec dotnet src/Afirgen.TaskProcessor.Cli/bin/Debug/net10.0/afirgen-tasks.dll run --redis "127.0.0.1:${redis_port}" "$@"
