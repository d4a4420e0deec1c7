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

dotnet build src/Afirgen.TaskProcessor.Cli -nologo -v quiet
exec dotnet src/Afirgen.TaskProcessor.Cli/bin/Debug/net10.0/afirgen-tasks.dll run --redis "127.0.0.1:${redis_port}" "$@"
