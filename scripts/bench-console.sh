#!/usr/bin/env bash
# The console at 100,000 tokens, in one run: release build, a throwaway PostgreSQL seeded
# with 100,000 tokens (owned by an administrator and 100 service accounts), one Latchkey
# instance, curl for server times and headless Chromium (Playwright, Navigation Timing) for
# the browser. Each server time is printed with its ratio to /healthz measured the same
# way in the same run. A benchmark, never a test: nothing here passes or fails on speed.
#
#   ./scripts/bench-console.sh                 # 100,000 tokens, 30 requests a figure
#   BENCH_TOKENS=10000 ./scripts/bench-console.sh
#   BENCH_SKIP_BUILD=1 ./scripts/bench-console.sh   # reuse target/release and target/site
set -euo pipefail
source "$(dirname "$0")/tools.sh"
source "$(dirname "$0")/test-postgres.sh"
cd "$ROOT"
export CARGO_INCREMENTAL=0
TOKENS="${BENCH_TOKENS:-100000}"
RUNS="${BENCH_RUNS:-30}"
ensure_rust_tools
ensure_node_tools
ensure_end2end_packages
ensure_postgres
ensure_chromium

WORK="$(mktemp -d /tmp/latchkey-bench-console.XXXXXX)"
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  stop_test_postgres
  rm -rf "$WORK"
}
trap cleanup EXIT

bench_release_build "$WORK/build.log"

start_bench_database latchkey_console_bench
sql() { "$PSQL" -qAt -v ON_ERROR_STOP=1 "$DATABASE_URL" "$@"; }

ADDR=127.0.0.1:3201
BASE="http://$ADDR"
start_server() {
  LATCHKEY_LISTEN="$ADDR" LEPTOS_SITE_ROOT=target/site RUST_LOG=warn \
    ./target/release/server >>"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  wait_until_ready "$ADDR" "$WORK/server.log"
}
stop_server() { kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""; }

# The first start applies the migrations and prints the set-up code; set up the
# administrator through the console's own set-up function, as the set-up page does.
start_server
EMAIL=bench-admin@example.com PASSWORD='benchmark password 123'
set_up_administrator "$BASE" "$WORK/server.log" "$EMAIL" "$PASSWORD"
stop_server

say "seeding $TOKENS tokens"
sql <<SQL
INSERT INTO users (email, display_name, kind, role_id)
  SELECT 'service-' || n || '@example.com', 'Service ' || n, 'service', r.id
  FROM generate_series(1, 100) n, roles r WHERE r.name = 'Member';
WITH owners AS (SELECT array_agg(id ORDER BY id) AS ids FROM users)
INSERT INTO api_tokens (public_id, secret_digest, name, owner_id, created_by, scopes,
                        created_at, expires_at, last_used_at, revoked_at)
SELECT substr(md5('bench' || n), 1, 12),
       sha256(convert_to('bench secret ' || n, 'UTF8')),
       (ARRAY['SAP Integration', 'Power BI Reporting', 'WMS Connector', 'ERP Sync',
              'Nightly Script'])[n % 5 + 1] || ' ' || n,
       owners.ids[n % array_length(owners.ids, 1) + 1], owners.ids[1],
       ARRAY['users:read'],
       now() - make_interval(secs => $TOKENS - n),
       CASE WHEN n % 4 = 0 THEN NULL ELSE now() + make_interval(days => n % 400 - 30) END,
       CASE WHEN n % 3 = 0 THEN NULL ELSE now() - make_interval(mins => n % 50000) END,
       CASE WHEN n % 10 = 0 THEN now() - make_interval(days => n % 90) END
FROM generate_series(1, $TOKENS) n, owners;
ANALYZE;
SQL
start_server
API_TOKEN="$(RUST_LOG=warn ./target/release/server create-token --owner "$EMAIL" \
  --name "Benchmark API" --scopes tokens:read,tokens:admin)"
sign_in_to "$BASE" "$EMAIL" "$PASSWORD" "$WORK/cookies"

# The median and 95th percentile of $RUNS requests, in milliseconds (after 3 to warm up).
times() { # curl arguments...
  for _ in 1 2 3; do curl -fs -o /dev/null "$@"; done
  for _ in $(seq "$RUNS"); do curl -fs -o /dev/null -w '%{time_total}\n' "$@"; done |
    sort -n | awk '{ a[NR] = $1 * 1000 } END { printf "%.2f %.2f\n", a[int((NR + 1) / 2)], a[int(NR * 0.95 + 0.5)] }'
}
row() { # label median p95 baseline
  awk -v l="$1" -v m="$2" -v p="$3" -v b="$4" \
    'BEGIN { printf "%-52s %9.2f %9.2f %8.1fx\n", l, m, p, m / b }'
}

# Signed in, the page lists tokens (else the figures would time a redirect to sign-in).
curl -fs -b "$WORK/cookies" "$BASE/" | grep -q "Nightly Script" ||
  { echo "the token list page did not list tokens: not signed in?"; exit 1; }

say "measuring ($RUNS requests a figure; times in ms, ratio of the median to /healthz)"
read -r base base95 < <(times "$BASE/healthz")
bearer=(-H "Authorization: Bearer $API_TOKEN")
read -r newest newest95 < <(times "${bearer[@]}" "$BASE/api/v1/tokens?limit=20")
read -r common common95 < <(times "${bearer[@]}" "$BASE/api/v1/tokens?limit=20&name=sap")
read -r filter filter95 < <(times "${bearer[@]}" "$BASE/api/v1/tokens?limit=20&name=4242")
read -r rare rare95 < <(times "${bearer[@]}" "$BASE/api/v1/tokens?limit=20&name=no%20such%20token")
read -r byuse byuse95 < <(times "${bearer[@]}" "$BASE/api/v1/tokens?limit=20&sort=last_used")
read -r byexp byexp95 < <(times "${bearer[@]}" "$BASE/api/v1/tokens?limit=20&sort=expires")
read -r ssr ssr95 < <(times -b "$WORK/cookies" "$BASE/")
read -r ssrq ssrq95 < <(times -b "$WORK/cookies" "$BASE/?q=4242")

printf '\n%-52s %9s %9s %9s\n' "$TOKENS tokens" "median" "p95" "ratio"
row "/healthz (baseline)" "$base" "$base95" "$base"
row "API list, newest first (20 of all)" "$newest" "$newest95" "$base"
row "API list, name filter \"sap\" (1 token in 5)" "$common" "$common95" "$base"
row "API list, name filter \"4242\" (about 20)" "$filter" "$filter95" "$base"
row "API list, name filter that matches nothing" "$rare" "$rare95" "$base"
row "API list, sorted by last use" "$byuse" "$byuse95" "$base"
row "API list, sorted by expiry" "$byexp" "$byexp95" "$base"
row "token list page, server render" "$ssr" "$ssr95" "$base"
row "token list page, filtered \"4242\", server render" "$ssrq" "$ssrq95" "$base"

say "the token list page in headless Chromium (Navigation Timing, 5 loads)"
cookie="$(awk '$6 == "latchkey_session" { print $7 }' "$WORK/cookies")"
BASE="$BASE" SESSION="$cookie" node "$ROOT/scripts/bench-console.mjs"
