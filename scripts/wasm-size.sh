#!/usr/bin/env bash
# Prints the raw and gzip size of every Wasm (and JS) file the release build emits, as a
# browser downloads them. Run after `cargo leptos build --release` (test.sh and run.sh do).
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-target/site/pkg}"
ls "$dir"/*.wasm >/dev/null 2>&1 || { echo "no Wasm in $dir: build the release first"; exit 1; }
printf '%-40s %12s %12s\n' "file" "raw bytes" "gzip bytes"
for f in "$dir"/*.wasm "$dir"/*.js; do
  [ -f "$f" ] || continue
  printf '%-40s %12d %12d\n' "$(basename "$f")" "$(wc -c <"$f")" "$(gzip -9 -c "$f" | wc -c)"
done
