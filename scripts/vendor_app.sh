#!/usr/bin/env bash
# Fetches from the npm registry (with `npm pack`) the browser library the app at /app/ loads,
# and axe-core, which only the app's tests load; refuses any tarball whose sha512 is not the one
# pinned below; copies the files into api/static/app/vendor/ and tests/e2e/axe/ with their
# licences, then writes SHA256SUMS in each. For maintainers changing a version: nothing needs
# Node to install or run Guichet. Versions change here and in the VERSIONS files together.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

app=api/static/app/vendor
tests=tests/e2e/axe
# package@version|integrity (npm view PACKAGE@VERSION dist.integrity)|directory|path in tarball:name there …
# htm's standalone module bundles Preact 10 and its hooks with htm: one file, no build step.
# Preact itself is fetched only for the licence of the copy bundled there.
packages=(
  "htm@3.1.1|sha512-983Vyg8NwUE7JkZ6NmOqpCZ+sh1bKv2iYTlUkzlWmA5JD2acKoxd4KVxbMmxX/85mtfdnDmTFoNKcg5DGAvxNQ==|$app|preact/standalone.module.js:preact-htm.js LICENSE:LICENSE.htm"
  "preact@10.9.0|sha512-jO6/OvCRL+OT8gst/+Q2ir7dMybZAX8ioP02Zmzh3BkQMHLyqZSujvxbUriXvHi8qmhcHKC2Gwbog6Kt+YTh+Q==|$app|LICENSE:LICENSE.preact"
  "axe-core@4.14.1|sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==|$tests|axe.min.js:axe.min.js LICENSE:LICENSE.axe-core"
)

sha512() {
  python3 -c 'import base64, hashlib, sys
print("sha512-" + base64.b64encode(hashlib.sha512(open(sys.argv[1], "rb").read()).digest()).decode())' "$1"
}

# Every tarball is checked before any file is replaced: a bad one leaves the vendored set whole.
for entry in "${packages[@]}"; do
  IFS='|' read -r spec integrity _ <<<"$entry"
  tarball="$work/$(cd "$work" && npm pack --silent "$spec" | tail -n 1)"
  actual=$(sha512 "$tarball")
  if [ "$actual" != "$integrity" ]; then
    echo "$spec: the tarball's integrity is $actual, not the pinned $integrity" >&2
    exit 1
  fi
  mkdir -p "$work/$spec"
  tar -xzf "$tarball" -C "$work/$spec"
  echo "$spec: integrity checked"
done

for target in "$app" "$tests"; do
  mkdir -p "$target"
  copied=()
  for entry in "${packages[@]}"; do
    IFS='|' read -r spec _ directory files <<<"$entry"
    [ "$directory" = "$target" ] || continue
    for pair in $files; do
      cp "$work/$spec/package/${pair%%:*}" "$target/${pair##*:}"
      copied+=("${pair##*:}")
    done
  done
  (cd "$target" && sha256sum "${copied[@]}" > SHA256SUMS)
  echo "wrote $target/SHA256SUMS"
done
