#!/usr/bin/env bash
# Starts redis-server the way ./run.sh runs it, for the local host's results and durable broker: loopback only,
# an append-only file written before each reply and fsync'd every second (a crash of Redis or of the host loses
# nothing; a power cut or kernel crash at most the last second), data in DATA_DIR, so queued and scheduled tasks
# survive a restart of Redis or of the machine. Does nothing but check persistence when a Redis already answers.
#   scripts/start-redis.sh PORT [DATA_DIR]      (DATA_DIR default: .data/redis in the repository, ignored by git)
set -euo pipefail
port=${1:?usage: scripts/start-redis.sh PORT [DATA_DIR]}
root="$(cd "$(dirname "$0")/.." && pwd)"
dir=${2:-"$root/.data/redis"}

if redis-cli -p "$port" ping >/dev/null 2>&1; then
  if [ "$(redis-cli -p "$port" info persistence 2>/dev/null | tr -d '\r' | sed -n 's/^aof_enabled://p')" != "1" ]; then
    echo "Warning: the Redis already running on 127.0.0.1:${port} keeps no append-only file: if it restarts, queued tasks are lost. Stop it and run this again, or set AFIRGEN_REDIS_PORT to start a persistent one on another port." >&2
  fi
  exit 0
fi

mkdir -p "$dir"
echo "Starting redis-server on 127.0.0.1:${port} (append-only file in ${dir#"$root"/}) for results and queues ..."
redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" \
  --appendonly yes --appendfsync everysec --save '' --notify-keyspace-events Klg \
  --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null
for _ in $(seq 1 100); do
  if redis-cli -p "$port" ping 2>/dev/null | grep -q PONG; then
    exit 0
  fi
  sleep 0.1
done
echo "redis-server did not answer on 127.0.0.1:${port} within 10 s; see $dir/redis.log" >&2
exit 1
