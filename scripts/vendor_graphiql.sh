#!/usr/bin/env bash
# Fetches the browser builds the GraphiQL page loads from the npm registry (with `npm pack`),
# refuses any tarball whose sha512 is not the one pinned below, and copies the files into
# api/static/graphiql/ with their licences, then writes SHA256SUMS for them. For maintainers
# changing a version: nothing needs Node to install or run Guichet. Versions change here and in
# api/static/graphiql/VERSIONS together.
set -euo pipefail
cd "$(dirname "$0")/.."
target=api/static/graphiql
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# package@version|integrity (npm view PACKAGE@VERSION dist.integrity)|path in tarball:name here …
packages=(
  "graphiql@3.8.3|sha512-cuPDYtXVKV86Pu5PHBX642Odi/uVEE2y1Jxq5rGO/Qy1G2lRp7ZZ7a/T30RzxhuLSWo9zUbzq0P3U49//H0Ugw==|graphiql.min.js:graphiql.min.js graphiql.min.css:graphiql.min.css LICENSE:LICENSE.graphiql"
  "react@18.3.1|sha512-wS+hAgJShR0KhEvPJArfuPVN1+Hz1t0Y6n5jLrGQbkb4urgPE/0Rve+1kMB1v/oWgHgm4WIcV+i7F2pTVj+2iQ==|umd/react.production.min.js:react.production.min.js LICENSE:LICENSE.react"
  "react-dom@18.3.1|sha512-5m4nQKp+rZRb09LNH59GM4BxTh9251/ylbKIbpe7TpGxfJ+9kv6BLkLBXIjjspbgbnIBNqlI23tRnTWT0snUIw==|umd/react-dom.production.min.js:react-dom.production.min.js LICENSE:LICENSE.react-dom"
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

copied=()
for entry in "${packages[@]}"; do
  IFS='|' read -r spec _ files <<<"$entry"
  for pair in $files; do
    cp "$work/$spec/package/${pair%%:*}" "$target/${pair##*:}"
    copied+=("${pair##*:}")
  done
done

(cd "$target" && sha256sum "${copied[@]}" > SHA256SUMS)
echo "wrote $target/SHA256SUMS"
