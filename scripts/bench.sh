#!/usr/bin/env bash
# The verifier measured against its own server's ceiling, in one run: release build, a
# throwaway PostgreSQL, three Latchkey instances on one database (two with the cache, one
# without), nginx (auth_request) and wrk, all on this machine. Prints one table, each row
# as a ratio to /healthz, then the cross-instance revocation figures. A benchmark, never a
# test: nothing here passes or fails on speed.
#
#   ./scripts/bench.sh            # 10 s per row
#   BENCH_SECONDS=30 ./scripts/bench.sh
#   BENCH_SKIP_BUILD=1 ./scripts/bench.sh   # reuse target/release and target/site
set -euo pipefail
source "$(dirname "$0")/tools.sh"
source "$(dirname "$0")/test-postgres.sh"
cd "$ROOT"
export CARGO_INCREMENTAL=0
SECONDS_PER_ROW="${BENCH_SECONDS:-10}"
ensure_rust_tools
ensure_node_tools
ensure_postgres
ensure_nginx
ensure_wrk

WORK="$(mktemp -d /tmp/latchkey-bench.XXXXXX)"
PIDS=()
cleanup() {
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  stop_test_postgres
  rm -rf "$WORK"
}
trap cleanup EXIT

bench_release_build "$WORK/build.log"

start_bench_database latchkey_bench

# Three instances: A and B cache verified tokens, C verifies every token in PostgreSQL.
start_instance() { # name port cache
  LATCHKEY_LISTEN="127.0.0.1:$2" LATCHKEY_VERIFIER_CACHE="$3" LEPTOS_SITE_ROOT=target/site \
    RUST_LOG=warn ./target/release/server >"$WORK/$1.log" 2>&1 &
  PIDS+=($!)
  wait_until_ready "127.0.0.1:$2" "$WORK/$1.log"
}
A=127.0.0.1:3101 B=127.0.0.1:3102 C=127.0.0.1:3103
start_instance a 3101 true
start_instance b 3102 true
start_instance c 3103 false

# A service account with the Administrator role, and its tokens.
"$PSQL" -q "$DATABASE_URL" -c "INSERT INTO users (email, display_name, kind, role_id)
  SELECT 'bench@example.com', 'Benchmark', 'service', id FROM roles WHERE name = 'Administrator'"
token() {
  RUST_LOG=warn ./target/release/server create-token --owner bench@example.com --name "$1" --scopes "$2"
}
VALID="$(token "Benchmark reader" users:read)"
INTROSPECTOR="$(token "Benchmark gateway" tokens:introspect)"
ADMIN="$(token "Benchmark admin" tokens:write,tokens:admin,users:read)"
export VALID INTROSPECTOR
[ -n "$VALID" ] && [ -n "$INTROSPECTOR" ] && [ -n "$ADMIN" ] || { echo "no tokens"; exit 1; }

# nginx: /protected/ asks Latchkey (A, or A and B) before an upstream that says "ok".
NGINX_PORT=3180 UPSTREAM_PORT=3181
nginx_conf() { # latchkey servers...
  local servers=""
  for s in "$@"; do servers="$servers server $s;"; done
  cat <<EOF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK/body; proxy_temp_path $WORK/proxy;
  fastcgi_temp_path $WORK/fastcgi; uwsgi_temp_path $WORK/uwsgi; scgi_temp_path $WORK/scgi;
  upstream latchkey { $servers keepalive 64; }
  upstream app { server 127.0.0.1:$UPSTREAM_PORT; keepalive 64; }
  server { listen 127.0.0.1:$UPSTREAM_PORT; location / { return 200 "ok\n"; } }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location = /_latchkey {
      internal;
      proxy_pass http://latchkey/forward-auth;
      proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_pass_request_body off; proxy_set_header Content-Length "";
      proxy_set_header X-Latchkey-Scope users:read;
    }
    location /protected/ {
      auth_request /_latchkey;
      proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection "";
    }
    location /plain/ { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; }
    location /api/ {
      proxy_pass http://latchkey; proxy_http_version 1.1; proxy_set_header Connection "";
    }
  }
}
EOF
}
start_nginx() {
  [ -f "$WORK/nginx.pid" ] && { kill "$(cat "$WORK/nginx.pid")"; sleep 0.5; }
  nginx_conf "$@" >"$WORK/nginx.conf"
  nginx -p "$WORK" -c "$WORK/nginx.conf" -e "$WORK/nginx-error.log"
  sleep 0.3
}

# Forged tokens: the right shape and checksum, never issued.
python3 - >"$WORK/forged.txt" <<'EOF'
import random, zlib
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
rand = lambda n: "".join(random.choice(B62) for _ in range(n))
for _ in range(5000):
    body = f"lk_{rand(12)}_{rand(32)}"
    n, sum_ = zlib.crc32(body.encode()), ""
    for _ in range(6):
        sum_, n = B62[n % 62] + sum_, n // 62
    print(body + sum_)
EOF
cat >"$WORK/introspect.lua" <<'EOF'
wrk.method = "POST"
wrk.body = "token=" .. os.getenv("VALID")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("INTROSPECTOR")
EOF
cat >"$WORK/flood.lua" <<EOF
local tokens, i = {}, 0
for line in io.lines("$WORK/forged.txt") do tokens[#tokens + 1] = line end
request = function()
  i = i % #tokens + 1
  return wrk.format("GET", "/api/v1/me", { Authorization = "Bearer " .. tokens[i] })
end
-- Two connections, each waiting 10 ms between requests: about 200 requests a second.
delay = function() return 10 end
EOF

# One wrk run: "requests/s p50_ms p99_ms".
measure() { # connections url [wrk args...]
  local connections="$1" url="$2"; shift 2
  wrk -t2 -c"$connections" -d"${SECONDS_PER_ROW}s" --latency "$@" "$url" >"$WORK/wrk.out" 2>&1
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rps = $2 }
    /Non-2xx or 3xx responses/ { errors = $NF }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    END { printf "%.0f %.3f %.3f %d\n", rps, p50, p99, errors }' "$WORK/wrk.out"
}
ROWS=()
row() { # label connections url [wrk args...]
  local label="$1"; shift
  say "$label"
  ROWS+=("$label|$(measure "$@")")
}
BEARER=(-H "Authorization: Bearer $VALID")

start_nginx "$A"
row "/healthz (the server's ceiling)"                   32 "http://$A/healthz"
row "GET /api/v1/me, hot (cache)"                       32 "http://$A/api/v1/me" "${BEARER[@]}"
row "POST /tokens/introspect, form (hot)"               32 "http://$A/api/v1/tokens/introspect" -s "$WORK/introspect.lua"
row "GET /api/v1/me, cold (no cache: PostgreSQL)"       32 "http://$C/api/v1/me" "${BEARER[@]}"
row "GET /api/v1/me, cold, light load (4 connections)"  4  "http://$C/api/v1/me" "${BEARER[@]}"
row "nginx -> upstream, no auth (nginx's ceiling)"     32 "http://127.0.0.1:$NGINX_PORT/plain/"
row "nginx auth_request -> /forward-auth -> upstream"   32 "http://127.0.0.1:$NGINX_PORT/protected/" "${BEARER[@]}"
row "GET /api/v1/me via nginx, one instance"            32 "http://127.0.0.1:$NGINX_PORT/api/v1/me" "${BEARER[@]}"
start_nginx "$A" "$B"
row "GET /api/v1/me via nginx, two instances"           32 "http://127.0.0.1:$NGINX_PORT/api/v1/me" "${BEARER[@]}"
row "valid token, light load (4 connections)"           4  "http://$A/api/v1/me" "${BEARER[@]}"
say "valid token under a flood of forged tokens (~200/s)"
wrk -t1 -c2 -d"$((SECONDS_PER_ROW + 2))s" -s "$WORK/flood.lua" "http://$A/api/v1/me" >"$WORK/flood.out" 2>&1 &
flood=$!
sleep 1
ROWS+=("valid token, light load, under the flood|$(measure 4 "http://$A/api/v1/me" "${BEARER[@]}")")
wait "$flood" || true
flood_rate="$(awk '/Requests\/sec/ { printf "%.0f", $2 }' "$WORK/flood.out")"

ceiling="$(echo "${ROWS[0]}" | cut -d'|' -f2 | cut -d' ' -f1)"
printf '\n%-50s %10s %9s %9s %9s %7s\n' "case" "req/s" "p50 ms" "p99 ms" "× healthz" "errors"
for r in "${ROWS[@]}"; do
  label="${r%%|*}"; read -r rps p50 p99 errors <<<"${r#*|}"
  printf '%-50s %10s %9s %9s %9.2f %7s\n' "$label" "$rps" "$p50" "$p99" \
    "$(awk -v r="$rps" -v c="$ceiling" 'BEGIN { print r / c }')" "$errors"
done
echo "(the flood ran at $flood_rate forged requests/s; failed verifications beyond the budget are answered 429 without a query)"

# Cross-instance revocation: made and revoked through A, asked of B (which had it cached)
# right after the answer. The receipt's slowest_ms is A's count of B's confirmation.
say "cross-instance revocation"
python3 - "$A" "$B" "$ADMIN" <<'EOF'
import json, statistics, sys, time, urllib.request, urllib.error
a, b, admin = sys.argv[1:]
def call(method, host, path, token, body=None):
    req = urllib.request.Request(f"http://{host}/api/v1{path}", method=method,
        data=json.dumps(body).encode() if body else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, None
slowest, refused_next, confirmed = [], 0, 0
runs = 100
for n in range(runs):
    _, created = call("POST", a, "/tokens", admin, {"name": f"Revocation {n}", "scopes": ["users:read"]})
    assert call("GET", b, "/me", created["token"])[0] == 200
    assert call("GET", b, "/me", created["token"])[0] == 200  # from B's cache
    _, receipt = call("DELETE", a, f"/tokens/{created['id']}", admin)
    p = receipt["propagation"]
    slowest.append(p["slowest_ms"]); confirmed += p["confirmed"] == p["instances"]
    refused_next += call("GET", b, "/me", created["token"])[0] == 401
slowest.sort()
print(f"\n{runs} revocations through A, each token cached by B beforehand:")
print(f"  receipts: every instance confirmed in {confirmed} of {runs}; slowest confirmation "
      f"p50 {statistics.median(slowest):.2f} ms, p99 {slowest[int(runs * 0.99) - 1]:.2f} ms, max {slowest[-1]:.2f} ms")
print(f"  B refused the token on the very next request in {refused_next} of {runs}")
EOF
