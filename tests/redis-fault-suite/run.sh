#!/usr/bin/env bash
# The Redis transport's fault suite (see fault_suite.py): builds the fault worker, then runs the suite on a
# private redis-server on a free loopback port. Default: the issue's counts (10,000 tasks, 100 kills, 2,000
# tasks through a 30 s outage, 1,000 hostile messages). --ci scales the first two down for ./test.sh.
# Ends with "N passed, N failed" and then "sent N / succeeded N / lost N / duplicated N / dead-lettered N".
set -uo pipefail
cd "$(dirname "$0")/../.."
if [ ! -f tests/Afirgen.TaskProcessor.RedisBroker.FaultWorker/bin/Debug/net10.0/Afirgen.TaskProcessor.RedisBroker.FaultWorker.dll ]; then
  dotnet build tests/Afirgen.TaskProcessor.RedisBroker.FaultWorker -nologo -v quiet || { echo "0 passed, 1 failed"; exit 1; }
fi
exec timeout 1200 /usr/bin/python3 tests/redis-fault-suite/fault_suite.py "$@"
