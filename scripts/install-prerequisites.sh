#!/usr/bin/env bash
# Installs what the local host and the tests need on Debian: redis-server, Debian's Celery for the
# interop tests and the Celery baseline, and MariaDB (AFIRGen's MySQL store, started by the tests).
# Installs only what is missing; safe to run again.
set -euo pipefail

if ! command -v dotnet >/dev/null 2>&1; then
  echo "The .NET 10 SDK is required and was not found on PATH. Install it (https://dot.net), then run this again." >&2
  exit 1
fi

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
/usr/bin/python3 -c "import celery, redis" >/dev/null 2>&1 || missing+=(python3-celery python3-redis)
{ [ -x /usr/sbin/mariadbd ] && command -v mariadb-install-db >/dev/null 2>&1; } || missing+=(mariadb-server)

if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing ${missing[*]} with apt-get ..."
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
