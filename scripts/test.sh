#!/usr/bin/env bash
# The test command: set up what the browser tests need (idempotent), then
# run every test. Usage: bash scripts/test.sh [extra cargo test arguments]
#
# - Chromium: the Debian package `chromium` (installed with apt-get when
#   /usr/bin/chromium is missing; needs root). No browser is downloaded.
# - Node modules: `npm ci` in tests/browser when node_modules is missing or
#   older than package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "error: $CHROMIUM is missing; install the Debian package chromium as root (apt-get install -y chromium)" >&2
    exit 1
  fi
  echo "setup: $CHROMIUM is missing: apt-get update && apt-get install -y chromium"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
fi

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  if [ "$(id -u)" != 0 ]; then
    echo "error: node and npm are needed for the browser tests; install the Debian packages nodejs and npm" >&2
    exit 1
  fi
  echo "setup: node/npm missing: apt-get install -y nodejs npm"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm
fi

modules=tests/browser/node_modules
stamp="$modules/.package-lock.json"
if [ ! -d "$modules/playwright-core" ] || [ ! -d "$modules/axe-core" ] \
  || [ ! -f "$stamp" ] || [ tests/browser/package-lock.json -nt "$stamp" ]; then
  echo "setup: npm ci --prefix tests/browser"
  npm ci --prefix tests/browser --no-audit --no-fund
fi

echo "test: cargo test --workspace $*"
exec cargo test --workspace "$@"
