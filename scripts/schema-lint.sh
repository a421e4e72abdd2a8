#!/usr/bin/env sh
# The schema's lint test runs graphql-schema-linter, an npm package pinned in tools/schema-lint
# (package-lock.json): this installs it there with `npm ci`, and does nothing when it is there.
# Node.js is needed for the tests only, never to install or run Guichet.
set -eu
here="$(cd "$(dirname "$0")/../tools/schema-lint" && pwd)"
if [ -x "$here/node_modules/.bin/graphql-schema-linter" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "Install Node.js 18 or newer with npm (on PATH as node and npm), then run the tests." >&2
    exit 1
  fi
  as_root=""
  [ "$(id -u)" -eq 0 ] || as_root=sudo
  $as_root apt-get update -qq
  $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm
fi
cd "$here" && npm ci --no-audit --no-fund --loglevel=error
