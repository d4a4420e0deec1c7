#!/usr/bin/env bash
# Smoke test of the Celery tools against a private redis-server on a free port:
# the six message shapes of shared/celery-wire through celery_envelope.py, results
# through celery_result.py (present, published later, failure, timeout), and a
# short celery_bench.py run and a tiny redis_broker_bench.py run. Prints "N passed, N failed"; exit 1 on any failure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3   # Debian's python, the one with celery (not pyenv's)
samples=${CELERY_WIRE_SAMPLES:-$(cd "$here/../../.." 2>/dev/null && pwd)/shared/celery-wire}
[ -d "$samples" ] || samples=/work/shared/celery-wire

passed=0; failed=0
ok()   { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && echo "$2" | sed 's/^/     /'; }

command -v redis-server >/dev/null || { echo "redis-server missing: apt-get install -y redis-server"; exit 1; }
$py -c 'import celery, redis' 2>/dev/null || { echo "celery missing: apt-get install -y python3-celery python3-redis"; exit 1; }

tmp=$(mktemp -d)
port=$($py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >"$tmp/redis.log" 2>&1 &
redis_pid=$!
cleanup() { kill "$redis_pid" 2>/dev/null; wait "$redis_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
rcli() { redis-cli -p "$port" "$@"; }

# check_json FILE [SAMPLE|-] PATH=JSON ...: each dotted PATH (body.* reads the
# decoded [args, kwargs, embed] as body.args/kwargs/embed) must equal the JSON
# value; with a SAMPLE, headers and properties must have the sample's key sets.
cat >"$tmp/check_json.py" <<'EOF'
import base64, json, sys
doc = json.load(open(sys.argv[1]))
sample = None if sys.argv[2] == "-" else json.load(open(sys.argv[2]))
errors = []
if "body" in doc and doc.get("properties", {}).get("body_encoding") == "base64":
    args, kwargs, embed = json.loads(base64.b64decode(doc["body"]))
    doc["body"] = {"args": args, "kwargs": kwargs, "embed": embed}
if sample is not None:
    for part in ("headers", "properties"):
        want, got = set(sample[part]), set(doc[part])
        if want != got:
            errors.append(f"{part} keys differ from sample: missing {sorted(want - got)}, extra {sorted(got - want)}")
for spec in sys.argv[3:]:
    path, want = spec.split("=", 1)
    node = doc
    for part in path.split("."):
        node = node.get(part, "<absent>") if isinstance(node, dict) else "<absent>"
    if node != json.loads(want):
        errors.append(f"{path}: expected {want}, got {json.dumps(node)}")
print("\n".join(errors))
sys.exit(1 if errors else 0)
EOF
check() {  # check NAME FILE SAMPLE PATH=JSON...
  local name=$1 file=$2; shift 2
  local out; if out=$($py "$tmp/check_json.py" "$file" "$@" 2>&1); then ok "$name"; else fail "$name" "$out"; fi
}
sample_or_dash() { [ -f "$samples/$1" ] && echo "$samples/$1" || echo -; }

# ---- celery_envelope.py: the six sample shapes --------------------------------
env_py="$py $here/celery_envelope.py --redis redis://127.0.0.1:$port/1"
eta=$($py -c 'import datetime as d; print((d.datetime.now(d.timezone.utc)+d.timedelta(hours=1)).replace(microsecond=0).isoformat())')
expires=$($py -c 'import datetime as d; print((d.datetime.now(d.timezone.utc)+d.timedelta(days=1)).replace(microsecond=0).isoformat())')

envelope() {  # envelope NAME ARGS... -> $tmp/NAME.json
  local name=$1; shift
  if $env_py "$@" >"$tmp/$name.json" 2>"$tmp/$name.err" && [ "$(wc -l <"$tmp/$name.json")" = 1 ]; then return 0; fi
  fail "$name: celery_envelope.py" "$(cat "$tmp/$name.err")"; return 1
}

envelope 01 --task afirgen_tasks.email.send_fir_confirmation \
  --args '["FIR-2026-0001", "complainant@example.org"]' --priority 3 &&
  check "01 email, positional args, priority 3" "$tmp/01.json" "$(sample_or_dash 01-email-basic.json)" \
    'headers.task="afirgen_tasks.email.send_fir_confirmation"' 'properties.priority=3' \
    'properties.delivery_info.routing_key="email"' 'body.args=["FIR-2026-0001", "complainant@example.org"]' \
    'headers.retries=0' 'headers.timelimit=[null, null]' 'content-type="application/json"'

envelope 02 --task afirgen_tasks.reports.generate_pdf --kwargs '{"fir_id": "FIR-2026-0002"}' \
  --eta "$eta" --expires "$expires" --time-limit 600 --soft-time-limit 540 --priority 9 &&
  check "02 report, kwargs, eta, expires, time limits, priority 9" "$tmp/02.json" "$(sample_or_dash 02-report-eta-expires-limits.json)" \
    'properties.priority=9' 'properties.delivery_info.routing_key="reports"' "headers.eta=\"$eta\"" \
    "headers.expires=\"$expires\"" 'headers.timelimit=[600, 540]' 'body.kwargs={"fir_id": "FIR-2026-0002"}'

envelope 03 --task afirgen_tasks.reports.generate_pdf --args '["FIR-2026-0003"]' \
  --chain-next afirgen_tasks.email.send_notification --chain-args '["officer@example.org"]' &&
  check "03 chain, first link" "$tmp/03.json" "$(sample_or_dash 03-chain-first-link.json)" \
    'properties.priority=0' 'properties.delivery_info.routing_key="reports"' 'body.args=["FIR-2026-0003"]' &&
  $py -c 'import json,sys,base64; d=json.load(open(sys.argv[1])); c=json.loads(base64.b64decode(d["body"]))[2]["chain"]; sys.exit(0 if c[0]["task"]=="afirgen_tasks.email.send_notification" and c[0]["args"]==["officer@example.org"] else 1)' "$tmp/03.json" &&
  ok "03 embed.chain holds send_notification" || fail "03 embed.chain holds send_notification"

envelope 04 --task afirgen_tasks.analytics.update_dashboard --priority 2 --retries 2 \
  --parent-id 11111111-1111-1111-1111-111111111111 --root-id 00000000-0000-0000-0000-000000000000 &&
  check "04 child with parent/root id, retries 2" "$tmp/04.json" "$(sample_or_dash 04-analytics-child-retry2.json)" \
    'headers.parent_id="11111111-1111-1111-1111-111111111111"' 'headers.root_id="00000000-0000-0000-0000-000000000000"' \
    'headers.retries=2' 'properties.priority=2' 'properties.delivery_info.routing_key="analytics"'

envelope 05 --task afirgen_tasks.cleanup.archive_old_records --kwargs '{"days": 90}' &&
  check "05 cleanup, no priority (kombu writes 0)" "$tmp/05.json" "$(sample_or_dash 05-cleanup-no-priority.json)" \
    'properties.priority=0' 'properties.delivery_info.routing_key="cleanup"' 'body.kwargs={"days": 90}'

envelope 06 --task afirgen_tasks.unrouted.ping &&
  check "06 unrouted task goes to default" "$tmp/06.json" "$(sample_or_dash 06-unrouted-default-queue.json)" \
    'properties.delivery_info.routing_key="default"' 'headers.task="afirgen_tasks.unrouted.ping"'

envelope 07 --task bench.x --task-id 12345678-aaaa-bbbb-cccc-000000000007 --queue custom --priority 10 &&
  check "07 --task-id, --queue, priority 10 kept as 10 in properties" "$tmp/07.json" - \
    'headers.id="12345678-aaaa-bbbb-cccc-000000000007"' 'properties.correlation_id="12345678-aaaa-bbbb-cccc-000000000007"' \
    'properties.delivery_info.routing_key="custom"' 'properties.priority=10'

left=$(rcli -n 1 --scan --pattern '*' | grep -v '^_kombu\.binding\.' | wc -l)
[ "$left" = 0 ] && ok "envelopes were taken off the queues (no list left behind)" || fail "lists left in broker db: $left"

if $env_py --task x --args '{' 2>/dev/null; then fail "bad --args rejected"; else ok "bad --args rejected"; fi

# ---- celery_result.py ---------------------------------------------------------
res_py="$py $here/celery_result.py --backend redis://127.0.0.1:$port/2"
meta() {  # meta ID STATUS RESULT_JSON
  printf '{"status": "%s", "result": %s, "traceback": null, "children": null, "date_done": "2026-11-24T06:42:57.157074", "task_id": "%s"}' "$2" "$3" "$1"
}
result_check() {  # result_check NAME EXPECTED_RC ARGS... -- PATH=JSON...
  local name=$1 want_rc=$2; shift 2
  local args=(); while [ "$1" != "--" ]; do args+=("$1"); shift; done; shift
  $res_py "${args[@]}" >"$tmp/r.json" 2>"$tmp/r.err"; local rc=$?
  if [ "$rc" != "$want_rc" ]; then fail "$name (exit $rc, wanted $want_rc)" "$(cat "$tmp/r.json" "$tmp/r.err")"; return; fi
  check "$name" "$tmp/r.json" - "$@"
}

rcli -n 2 setex celery-task-meta-r1 86400 "$(meta r1 SUCCESS '{"fir_id": "FIR-1", "sent": true}')" >/dev/null
result_check "result: SUCCESS already stored" 0 --id r1 --timeout 3 -- \
  'state="SUCCESS"' 'result={"fir_id": "FIR-1", "sent": true}' 'ready=true' 'successful=true' 'date_done="2026-11-24 06:42:57.157074"'

rcli -n 2 setex celery-task-meta-r2 86400 "$(meta r2 FAILURE '{"exc_type": "ConnectionRefusedError", "exc_message": ["SMTP server refused connection"], "exc_module": "builtins"}')" >/dev/null
result_check "result: FAILURE as exc_type/exc_message" 0 --id r2 --timeout 3 -- \
  'state="FAILURE"' 'result={"exc_type": "ConnectionRefusedError", "exc_message": "SMTP server refused connection"}' 'successful=false'

# Written (SETEX + PUBLISH, as a worker does) after get() has started waiting.
( sleep 1; v=$(meta r3 SUCCESS 42); rcli -n 2 setex celery-task-meta-r3 86400 "$v" >/dev/null; rcli -n 2 publish celery-task-meta-r3 "$v" >/dev/null ) &
result_check "result: published while get() waits (pub/sub path)" 0 --id r3 --timeout 8 -- 'state="SUCCESS"' 'result=42' 'timed_out=false'
wait $!

result_check "result: nothing stored -> timeout, exit 3" 3 --id r4 --timeout 1 -- 'state="PENDING"' 'ready=false' 'timed_out=true'

# ---- celery_bench.py ----------------------------------------------------------
if $py "$here/celery_bench.py" --redis "redis://127.0.0.1:$port" --count 300 --rounds 1 --json >"$tmp/bench.out" 2>"$tmp/bench.err"; then
  tail -n 1 "$tmp/bench.out" >"$tmp/bench.json"
  check "bench: 300 tasks x 1 round, JSON summary" "$tmp/bench.json" - 'count=300' 'rounds=1' &&
    $py -c 'import json,sys; w=json.load(open(sys.argv[1]))["workloads"]; sys.exit(0 if all(w[k]["tasks_per_s"] > 0 and w[k]["cpu_us_per_task"] > 0 for k in ("noop", "sleep10")) else 1)' "$tmp/bench.json" &&
    ok "bench: both workloads measured" || fail "bench: both workloads measured" "$(cat "$tmp/bench.json")"
  head -n -1 "$tmp/bench.out" | sed 's/^/     /'
else
  fail "bench: 300 tasks x 1 round" "$(tail -n 20 "$tmp/bench.err")"
fi

# ---- afirgen-tasks bench --broker (redis_broker_bench.py): figures for both workers (tiny counts: not a speed test) ----
dll="$here/../../src/Afirgen.TaskProcessor.Cli/bin/Debug/net10.0/afirgen-tasks.dll"
if [ ! -f "$dll" ]; then
  fail "redis-broker bench: afirgen-tasks is not built ($dll); run ./test.sh, which builds it first"
elif dotnet "$dll" bench --broker "redis://127.0.0.1:$port" --workload all --latency-samples 20 --latency-warmup-seconds 0 \
    --celery-count 30 --count 30 --rounds 1 --warmup 10 --json >"$tmp/rbbench.out" 2>"$tmp/rbbench.err"; then
  if $py -c 'import json,sys; d=json.loads(open(sys.argv[1]).read().splitlines()[-1]); sys.exit(0 if all(d[s]["workloads"][w]["tasks_per_s"] > 0 and d[s]["workloads"][w]["cpu_us_per_task"] >= 0 for s in ("celery", "ours") for w in ("noop", "sleep10")) else 1)' "$tmp/rbbench.out" &&
     grep -q "ratio (ours / Celery)" "$tmp/rbbench.out"; then
    ok "redis-broker bench: both workers measured on one Redis broker, with ratios"
  else
    fail "redis-broker bench: both workers measured on one Redis broker, with ratios" "$(cat "$tmp/rbbench.out")"
  fi
  if $py -c 'import json,sys; d=json.loads(open(sys.argv[1]).read().splitlines()[-1])["latency"]; sys.exit(0 if all(d[k]["samples"] == 20 and 0 < d[k]["p50_ms"] <= d[k]["p99_ms"] and 0 < d[k]["send_p50_ms"] <= d[k]["p50_ms"] and 0 < d[k]["after_send_p50_ms"] <= min(d[k]["p50_ms"], d[k]["after_send_p99_ms"]) for k in ("celery", "ours_redis", "ours_embedded_api")) else 1)' "$tmp/rbbench.out"; then
    ok "redis-broker bench: idle latency of Celery's worker, ours on the Redis transport and ours through the API, split at the send"
  else
    fail "redis-broker bench: idle latency of Celery's worker, ours on the Redis transport and ours through the API, split at the send" "$(cat "$tmp/rbbench.out")"
  fi
  # --warmup 10 and --latency-warmup-seconds 0: each of the three workers warms up with exactly 10 samples (the 20 s
  # default would have sent about 1,700), so both options reach the script.
  if [ "$(grep -c "latency warm-up: 10 untimed samples in" "$tmp/rbbench.err")" = 3 ]; then
    ok "redis-broker bench: the latency warm-up follows --warmup and --latency-warmup-seconds"
  else
    fail "redis-broker bench: the latency warm-up follows --warmup and --latency-warmup-seconds" "$(grep "warm-up" "$tmp/rbbench.err")"
  fi
else
  fail "redis-broker bench: 30 tasks x 1 round for each worker" "$(tail -n 20 "$tmp/rbbench.err")"
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
