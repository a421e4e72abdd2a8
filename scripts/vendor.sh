#!/usr/bin/env bash
# Fetches from the npm registry (with `npm pack`) the browser files Guichet ships: GraphiQL and
# React for the GraphiQL page, Preact, htm and Chart.js for the app at /app/, and axe-core, which only the
# app's tests load; refuses any tarball whose sha512 is not the one pinned below; copies the
# files with their licences into the directory each entry names, then writes SHA256SUMS in each.
# For maintainers changing a version: nothing needs Node to install or run Guichet. Versions
# change here and in the VERSIONS files together.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

graphiql=api/static/graphiql
app=api/static/app/vendor
tests=tests/e2e/axe
# package@version|integrity (npm view PACKAGE@VERSION dist.integrity)|directory|path in tarball:name there …
# htm's standalone module bundles Preact 10 and its hooks with htm: one file, no build step.
# Preact itself is fetched only for the licence of the copy bundled there.
packages=(
  "graphiql@3.8.3|sha512-cuPDYtXVKV86Pu5PHBX642Odi/uVEE2y1Jxq5rGO/Qy1G2lRp7ZZ7a/T30RzxhuLSWo9zUbzq0P3U49//H0Ugw==|$graphiql|graphiql.min.js:graphiql.min.js graphiql.min.css:graphiql.min.css LICENSE:LICENSE.graphiql"
  "react@18.3.1|sha512-wS+hAgJShR0KhEvPJArfuPVN1+Hz1t0Y6n5jLrGQbkb4urgPE/0Rve+1kMB1v/oWgHgm4WIcV+i7F2pTVj+2iQ==|$graphiql|umd/react.production.min.js:react.production.min.js LICENSE:LICENSE.react"
  "react-dom@18.3.1|sha512-5m4nQKp+rZRb09LNH59GM4BxTh9251/ylbKIbpe7TpGxfJ+9kv6BLkLBXIjjspbgbnIBNqlI23tRnTWT0snUIw==|$graphiql|umd/react-dom.production.min.js:react-dom.production.min.js LICENSE:LICENSE.react-dom"
  "htm@3.1.1|sha512-983Vyg8NwUE7JkZ6NmOqpCZ+sh1bKv2iYTlUkzlWmA5JD2acKoxd4KVxbMmxX/85mtfdnDmTFoNKcg5DGAvxNQ==|$app|preact/standalone.module.js:preact-htm.js LICENSE:LICENSE.htm"
  "chart.js@4.5.1|sha512-GIjfiT9dbmHRiYi6Nl2yFCq7kkwdkp1W/lp2J99rX0yo9tgJGn3lKQATztIjb5tVtevcBtIdICNWqlq5+E8/Pw==|$app|dist/chart.umd.min.js:chart.umd.min.js LICENSE.md:LICENSE.chart.js"
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

for target in "$graphiql" "$app" "$tests"; do
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
