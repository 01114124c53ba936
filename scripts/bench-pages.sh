#!/usr/bin/env bash
# What a person waits for on a first visit, in one run: the release build served twice
# from one throwaway PostgreSQL, once as `cargo xtask build` lays the site out (each
# page's Wasm in one file, its pack: target/site) and once as the split left it (a file a
# module: target/site-unpacked, which `cargo xtask build --also-unpacked` writes beside it
# for this comparison);
# then headless Chromium visits every page of both with an empty cache and prints the
# requests and gzip bytes side by side, and the token list's time to interactive with no
# slowdown, at 4x CPU slowdown and at 100 ms latency (bench-pages.mjs). A benchmark,
# never a test: nothing here passes or fails on speed.
#
#   ./scripts/bench-pages.sh
#   BENCH_SKIP_BUILD=1 ./scripts/bench-pages.sh    # reuse target/release and target/site*
#                                                  # (built with --also-unpacked)
#   BENCH_LOADS=9 ./scripts/bench-pages.sh         # cold loads a timing (default 5)
set -euo pipefail
source "$(dirname "$0")/tools.sh"
source "$(dirname "$0")/test-postgres.sh"
cd "$ROOT"
export CARGO_INCREMENTAL=0
ensure_rust_tools
ensure_node_tools
ensure_end2end_packages
ensure_postgres
ensure_chromium

WORK="$(mktemp -d /tmp/latchkey-bench-pages.XXXXXX)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  stop_test_postgres
  rm -rf "$WORK"
}
trap cleanup EXIT

bench_release_build "$WORK/build.log" --also-unpacked
[ -d target/site-unpacked/pkg ] ||
  { echo "no target/site-unpacked: build with cargo xtask build --also-unpacked"; exit 1; }

start_bench_database latchkey_pages_bench
start_server() { # address site-root
  LATCHKEY_LISTEN="$1" LEPTOS_SITE_ROOT="$2" RUST_LOG=warn \
    ./target/release/server >>"$WORK/server-${1##*:}.log" 2>&1 &
  PIDS+=($!)
  wait_until_ready "$1" "$WORK/server-${1##*:}.log"
}
PACKED=127.0.0.1:3204
UNPACKED=127.0.0.1:3205
start_server "$PACKED" target/site
EMAIL=bench-pages@example.com PASSWORD='benchmark password 123'
set_up_administrator "http://$PACKED" "$WORK/server-3204.log" "$EMAIL" "$PASSWORD"
start_server "$UNPACKED" target/site-unpacked
sign_in_to "http://$PACKED" "$EMAIL" "$PASSWORD" "$WORK/cookies"
# A list worth drawing: twenty tokens, one of them used.
for n in $(seq 20); do
  secret="$(RUST_LOG=warn ./target/release/server create-token --owner "$EMAIL" \
    --name "Integration $n" --scopes tokens:read)"
done
curl -fs -o /dev/null -H "Authorization: Bearer $secret" "http://$PACKED/api/v1/tokens"
token_id="$(curl -fs -H "Authorization: Bearer $secret" "http://$PACKED/api/v1/tokens?limit=1" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["items"][0]["id"])')"

say "first visits, packed and not (Chromium, DevTools protocol)"
cookie="$(awk '$6 == "latchkey_session" { print $7 }' "$WORK/cookies")"
BASE_PACKED="http://$PACKED" BASE_UNPACKED="http://$UNPACKED" SESSION="$cookie" \
  TOKEN_ID="$token_id" node "$ROOT/scripts/bench-pages.mjs"
