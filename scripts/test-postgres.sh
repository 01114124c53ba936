# Sourced by test.sh: a throwaway PostgreSQL cluster on a free loopback port, removed on
# exit. Exports DATABASE_URL for the Rust tests (#[sqlx::test] makes a database per test).
# It speaks TLS too, with a certificate for localhost (only) from a throwaway
# authority (TEST_PG_CA), so that the tests can connect with sslmode=verify-full.

make_test_certificates() {
  local dir="$1"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Latchkey test CA" \
    -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
    -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost\n' > "$dir/san.ext"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
    -CAcreateserial -days 2 -extfile "$dir/san.ext" -out "$dir/server.crt" 2>/dev/null
  chmod 600 "$dir/server.key"
}

start_test_postgres() {
  local bin port
  bin="$(postgres_bin)"
  command -v openssl >/dev/null || apt_install openssl
  TEST_PG_DIR="$(mktemp -d /tmp/latchkey-test-pg.XXXXXX)"
  pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
  make_test_certificates "$TEST_PG_DIR"
  # PostgreSQL refuses to run as root: as root, the cluster belongs to `postgres`.
  [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$TEST_PG_DIR" && chmod 644 "$TEST_PG_DIR/ca.crt"
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  pg "$bin/initdb" -D "$TEST_PG_DIR/data" -U latchkey -A trust -E UTF8 --locale=C >/dev/null
  pg "$bin/pg_ctl" -D "$TEST_PG_DIR/data" -l "$TEST_PG_DIR/postgres.log" -w \
     -o "-p $port -k $TEST_PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200 \
         -c ssl=on -c ssl_cert_file=$TEST_PG_DIR/server.crt -c ssl_key_file=$TEST_PG_DIR/server.key" \
     start >/dev/null
  export DATABASE_URL="postgres://latchkey@127.0.0.1:$port/postgres"
  export TEST_PG_CA="$TEST_PG_DIR/ca.crt"
  say "test PostgreSQL on 127.0.0.1:$port (TLS with a throwaway authority)"
}

stop_test_postgres() {
  [ -n "${TEST_PG_DIR:-}" ] || return 0
  pg "$(postgres_bin)/pg_ctl" -D "$TEST_PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$TEST_PG_DIR"
}

# For the benchmarks: a throwaway PostgreSQL with a database `name` of its own, which
# DATABASE_URL then names (plain TCP on loopback); PSQL is its psql.
start_bench_database() { # name
  start_test_postgres
  local pg_url="${DATABASE_URL%/postgres}"
  PSQL="$(postgres_bin)/psql"
  [ -x "$PSQL" ] || PSQL=psql
  "$PSQL" -q "$DATABASE_URL?sslmode=disable" -c "CREATE DATABASE $1"
  export DATABASE_URL="$pg_url/$1?sslmode=disable"
}
