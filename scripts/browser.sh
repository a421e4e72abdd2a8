#!/usr/bin/env sh
# The browser tests (GraphiQL in headless Chromium) need Chromium and its chromedriver: this
# installs Debian's packages when either is missing, and does nothing when both are there.
set -eu
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "Install Chromium and chromedriver (on PATH as chromium and chromedriver), then run the tests." >&2
  exit 1
fi
as_root=""
[ "$(id -u)" -eq 0 ] || as_root=sudo
$as_root apt-get update -qq
$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver
