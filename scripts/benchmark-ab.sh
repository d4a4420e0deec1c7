#!/usr/bin/env bash
# Compares the engine's speed at another git revision (BASE) with the working tree's, in interleaved pairs of `bench`
# runs on one private redis-server, flushed before each run, and prints every run and each side's medians and how many
# pairs each won. This host's throughput drifts by 15 % and more from one minute to the next (docs/performance.md), so a
# change is told from the noise only by many interleaved pairs, never by one run of each.
#   scripts/benchmark-ab.sh BASE [--pairs N] [--transport] [bench options ...]
#   e.g. scripts/benchmark-ab.sh main --pairs 8 --count 20000 --rounds 3 --workload noop --settings afirgen
# BASE is built in a temporary worktree (removed at the end); bench options default to
# "--count 20000 --rounds 3 --workload noop --settings celery". Each run is bounded by `bench`'s own limits.
# --transport compares our worker on the Redis transport instead (`bench --broker`, which runs Celery's worker too, from
# the same private redis-server; e.g. --transport --count 20000 --celery-count 500 --rounds 3 --workload noop); the
# figures compared are our worker's, with Redis's own CPU per task beside them.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

usage() { echo "usage: scripts/benchmark-ab.sh BASE [--pairs N] [--transport] [bench options ...]" >&2; exit 2; }
[ $# -ge 1 ] || usage
base=$1; shift
pairs=6
if [ "${1:-}" = "--pairs" ]; then
  [ $# -ge 2 ] || usage
  pairs=$2; shift 2
fi
transport=0
if [ "${1:-}" = "--transport" ]; then
  transport=1; shift
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

if [ $transport = 1 ]; then target=(--broker "redis://127.0.0.1:$port"); else target=(--redis "127.0.0.1:$port"); fi
echo "== $pairs interleaved pairs: bench ${target[*]} ${bench_args[*]}"
for i in $(seq 1 "$pairs"); do
  for side in base tree; do
    if [ "$side" = base ]; then path="$work/base/$dll"; else path="$root/$dll"; fi
    redis-cli -p "$port" flushall >/dev/null
    sleep 1
    if ! dotnet "$path" bench "${target[@]}" "${bench_args[@]}" --json > "$work/$side.$i.out" 2> "$work/$side.$i.log"; then
      echo "bench failed (pair $i, $side); its last lines:" >&2
      tail -20 "$work/$side.$i.log" >&2
      exit 1
    fi
    tail -1 "$work/$side.$i.out" > "$work/$side.$i.json"
    # Our worker's lines only (with --transport the output also has Celery's); "had not settled" (bench) or "NOT settled"
    # (bench --broker) marks a warm-up that ended before the JIT settled.
    ours=$(cat "$work/$side.$i.out" "$work/$side.$i.log" | if [ $transport = 1 ]; then grep 'afirgen-tasks' || true; else cat; fi)
    echo "pair $i, $side: $(grep -c 'round .*tasks/s' <<<"$ours" || true) timed rounds of ours; $(grep -ci 'not settled' <<<"$ours" || true) unsettled warm-ups"
  done
done

/usr/bin/python3 - "$work" "$pairs" "$base" "$transport" <<'PY'
import json, statistics, sys
work, pairs, base, transport = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4] == "1"
def rows(side, i):
    with open(f"{work}/{side}.{i}.json") as f:
        run = json.load(f)
    if transport:  # bench --broker: our worker's figures, in the embedded benchmark's names
        return {("transport", workload): {"tasks_per_s": r["tasks_per_s"], "process_cpu_us_per_task": r["cpu_us_per_task"],
                                          "redis_cpu_us_per_task": r["redis_cpu_us_per_task"]}
                for workload, r in run["ours"]["workloads"].items()}
    return {(settings, workload): figures
            for settings, by in run["settings"].items()
            for workload, figures in by["workloads"].items()}
runs = {side: [rows(side, i) for i in range(1, pairs + 1)] for side in ("base", "tree")}
def cell(tasks, cpu, redis=None):
    return f"{tasks:>8,.0f} {cpu:>5.1f}" + (f" {redis:>5.1f}" if transport else "")
width = 20 if transport else 14
print(f"\n{'':22}{'run':>4} {base[:12]:>{width}} {'working tree':>{width}}   (tasks/s; process CPU µs/task"
      + ("; Redis CPU µs/task)" if transport else ")"))
for key in runs["base"][0]:
    name = f"{key[0]} {key[1]}"
    for i in range(pairs):
        b, t = runs["base"][i][key], runs["tree"][i][key]
        print(f"{name:22}{i + 1:>4} {cell(b['tasks_per_s'], b['process_cpu_us_per_task'], b.get('redis_cpu_us_per_task'))}"
              f" {cell(t['tasks_per_s'], t['process_cpu_us_per_task'], t.get('redis_cpu_us_per_task'))}")
    med = {side: {f: statistics.median(r[key].get(f, 0) for r in runs[side])
                  for f in ("tasks_per_s", "process_cpu_us_per_task", "redis_cpu_us_per_task")} for side in runs}
    won = sum(1 for b, t in zip(runs["base"], runs["tree"]) if t[key]["tasks_per_s"] > b[key]["tasks_per_s"])
    print(f"{name:22}{'med':>4} {cell(*med['base'].values())} {cell(*med['tree'].values())}"
          f"   working tree faster in {won} of {pairs} pairs ({med['tree']['tasks_per_s'] / med['base']['tasks_per_s'] - 1:+.1%} at the median)")
PY
