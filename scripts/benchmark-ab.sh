#!/usr/bin/env bash
# Compares the engine's speed at another git revision (BASE) with the working tree's, in interleaved pairs of `bench`
# runs on one private redis-server, flushed before each run, and prints every run and each side's medians and how many
# pairs each won. This host's throughput drifts by 15 % and more from one minute to the next (docs/performance.md), so a
# change is told from the noise only by many interleaved pairs, never by one run of each.
#   scripts/benchmark-ab.sh BASE [--pairs N] [bench options ...]
#   e.g. scripts/benchmark-ab.sh main --pairs 8 --count 20000 --rounds 3 --workload noop --settings afirgen
# BASE is built in a temporary worktree (removed at the end); bench options default to
# "--count 20000 --rounds 3 --workload noop --settings celery". Each run is bounded by `bench`'s own limits.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

usage() { echo "usage: scripts/benchmark-ab.sh BASE [--pairs N] [bench options ...]" >&2; exit 2; }
[ $# -ge 1 ] || usage
base=$1; shift
pairs=6
if [ "${1:-}" = "--pairs" ]; then
  [ $# -ge 2 ] || usage
  pairs=$2; shift 2
fi
bench_args=("$@")
[ ${#bench_args[@]} -gt 0 ] || bench_args=(--count 20000 --rounds 3 --workload noop --settings celery)
git rev-parse --verify --quiet "$base^{commit}" >/dev/null || { echo "'$base' is not a git revision here." >&2; exit 2; }

work=$(mktemp -d)
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cleanup() {
  redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
  git -C "$root" worktree remove --force "$work/base" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== building $base (in a temporary worktree) and the working tree, Release"
git worktree add --detach --quiet "$work/base" "$base"
dotnet build "$work/base/src/Afirgen.TaskProcessor.Cli" -c Release -nologo -v quiet
dotnet build src/Afirgen.TaskProcessor.Cli -c Release -nologo -v quiet
dll=src/Afirgen.TaskProcessor.Cli/bin/Release/net10.0/afirgen-tasks.dll

# Without an append-only file, as ../shared/peers/run-all.sh starts its own: the engine's cost, not the disk's.
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes >/dev/null
for _ in $(seq 1 100); do redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done

echo "== $pairs interleaved pairs: bench --redis 127.0.0.1:$port ${bench_args[*]}"
for i in $(seq 1 "$pairs"); do
  for side in base tree; do
    if [ "$side" = base ]; then path="$work/base/$dll"; else path="$root/$dll"; fi
    redis-cli -p "$port" flushall >/dev/null
    sleep 1
    if ! dotnet "$path" bench --redis "127.0.0.1:$port" "${bench_args[@]}" --json > "$work/$side.$i.out" 2> "$work/$side.$i.log"; then
      echo "bench failed (pair $i, $side); its last lines:" >&2
      tail -20 "$work/$side.$i.log" >&2
      exit 1
    fi
    tail -1 "$work/$side.$i.out" > "$work/$side.$i.json"
    echo "pair $i, $side: $(grep -c 'round .*tasks/s' "$work/$side.$i.log") timed rounds; $(grep -c 'had not settled' "$work/$side.$i.log") workloads with an unsettled JIT"
  done
done

/usr/bin/python3 - "$work" "$pairs" "$base" <<'PY'
import json, statistics, sys
work, pairs, base = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def rows(side, i):
    with open(f"{work}/{side}.{i}.json") as f:
        return {(settings, workload): figures
                for settings, by in json.load(f)["settings"].items()
                for workload, figures in by["workloads"].items()}
runs = {side: [rows(side, i) for i in range(1, pairs + 1)] for side in ("base", "tree")}
print(f"\n{'':22}{'run':>4} {base[:12]:>14} {'working tree':>14}   (tasks/s; process CPU µs/task)")
for key in runs["base"][0]:
    name = f"{key[0]} {key[1]}"
    for i in range(pairs):
        b, t = runs["base"][i][key], runs["tree"][i][key]
        print(f"{name:22}{i + 1:>4} {b['tasks_per_s']:>8,.0f} {b['process_cpu_us_per_task']:>5.1f} {t['tasks_per_s']:>8,.0f} {t['process_cpu_us_per_task']:>5.1f}")
    bt = [r[key]["tasks_per_s"] for r in runs["base"]]
    tt = [r[key]["tasks_per_s"] for r in runs["tree"]]
    bc = [r[key]["process_cpu_us_per_task"] for r in runs["base"]]
    tc = [r[key]["process_cpu_us_per_task"] for r in runs["tree"]]
    won = sum(1 for b, t in zip(bt, tt) if t > b)
    print(f"{name:22}{'med':>4} {statistics.median(bt):>8,.0f} {statistics.median(bc):>5.1f} {statistics.median(tt):>8,.0f} {statistics.median(tc):>5.1f}"
          f"   working tree faster in {won} of {pairs} pairs ({statistics.median(tt) / statistics.median(bt) - 1:+.1%} at the median)")
PY
