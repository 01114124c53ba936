# Sourced by test.sh: a throwaway PostgreSQL cluster on a free loopback port, removed on
# exit. Exports DATABASE_URL for the Rust tests (#[sqlx::test] makes a database per test).

start_test_postgres() {
  local bin port
  bin="$(postgres_bin)"
  TEST_PG_DIR="$(mktemp -d /tmp/latchkey-test-pg.XXXXXX)"
  pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
  # PostgreSQL refuses to run as root: as root, the cluster belongs to `postgres`.
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$TEST_PG_DIR"
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  pg "$bin/initdb" -D "$TEST_PG_DIR/data" -U latchkey -A trust -E UTF8 --locale=C >/dev/null
  pg "$bin/pg_ctl" -D "$TEST_PG_DIR/data" -l "$TEST_PG_DIR/postgres.log" -w \
     -o "-p $port -k $TEST_PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
     start >/dev/null
  export DATABASE_URL="postgres://latchkey@127.0.0.1:$port/postgres"
  say "test PostgreSQL on 127.0.0.1:$port"
}

stop_test_postgres() {
  [ -n "${TEST_PG_DIR:-}" ] || return 0
  pg "$(postgres_bin)/pg_ctl" -D "$TEST_PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$TEST_PG_DIR"
}
