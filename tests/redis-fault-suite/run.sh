#!/usr/bin/env bash
# The fault suite on the default run (see fault_suite.py): builds the fault worker (afirgen-tasks with the fleet's
# test task), then runs the suite, each scenario on a redis-server of its own started as ./run.sh starts it.
# Default: the issue's counts. --ci scales them down for ./test.sh; --only SCENARIO runs one.
# Ends with "N passed, N failed" and then "sent N / succeeded N / lost N / duplicated N / dead-lettered N".
set -uo pipefail
cd "$(dirname "$0")/../.."
if [ ! -f tests/Afirgen.TaskProcessor.RedisBroker.FaultWorker/bin/Debug/net10.0/Afirgen.TaskProcessor.RedisBroker.FaultWorker.dll ]; then
  dotnet build tests/Afirgen.TaskProcessor.RedisBroker.FaultWorker -nologo -v quiet || { echo "0 passed, 1 failed"; exit 1; }
fi
exec timeout 2400 /usr/bin/python3 tests/redis-fault-suite/fault_suite.py "$@"
