#!/usr/bin/env bash
# Installs what the local host and the tests need on Debian: redis-server, Debian's Celery for the
# interop tests and the Celery baseline; MariaDB (AFIRGen's MySQL), aiosmtpd (a real SMTP server) and
# Azurite (Blob Storage, from npm with tools/azurite's lock file) for the AFIRGen tasks' tests;
# poppler-utils (pdftoppm, pdftotext), with which the report tests render and read the PDFs; and
# Chromium with its WebDriver for the dashboard's browser tests. Installs only what is missing; safe to run again.
set -euo pipefail

if ! command -v dotnet >/dev/null 2>&1; then
  echo "The .NET 10 SDK is required and was not found on PATH. Install it (https://dot.net), then run this again." >&2
  exit 1
fi

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
/usr/bin/python3 -c "import celery, redis" >/dev/null 2>&1 || missing+=(python3-celery python3-redis)
{ [ -x /usr/sbin/mariadbd ] && command -v mariadb-install-db >/dev/null 2>&1; } || missing+=(mariadb-server)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
/usr/bin/python3 -c "import aiosmtpd" >/dev/null 2>&1 || missing+=(python3-aiosmtpd)
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
{ command -v pdftoppm >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1; } || missing+=(poppler-utils)

if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing ${missing[*]} with apt-get ..."
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Azurite, pinned by tools/azurite/package-lock.json; reinstalled only when the lock file changed.
azurite_dir="$(dirname "$0")/../tools/azurite"
if [ ! -x "$azurite_dir/node_modules/.bin/azurite-blob" ] || [ "$azurite_dir/package-lock.json" -nt "$azurite_dir/node_modules/.package-lock.json" ]; then
  echo "Installing Azurite (npm ci in tools/azurite) ..."
  (cd "$azurite_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
