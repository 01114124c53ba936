#!/usr/bin/env bash
# The SQL the compiler checks (`query!` in core/) is checked offline against core/.sqlx,
# the query data sqlx-cli writes from a migrated database. After changing a query or a
# migration, run this to rewrite it (and commit core/.sqlx); `--check` (what test.sh
# runs) fails if it is out of date. Uses the test PostgreSQL that DATABASE_URL names, or
# starts a throwaway one.
set -euo pipefail
source "$(dirname "$0")/tools.sh"
source "$(dirname "$0")/test-postgres.sh"
cd "$ROOT"
export CARGO_INCREMENTAL=0
ensure_sqlx_cli
if [ -z "${DATABASE_URL:-}" ]; then
  ensure_postgres
  trap stop_test_postgres EXIT
  start_test_postgres
fi
PSQL="$(postgres_bin)/psql"
[ -x "$PSQL" ] || PSQL=psql
server="${DATABASE_URL%/*}"
db="latchkey_sqlx_$$"
"$PSQL" -q "$server/postgres?sslmode=disable" -c "CREATE DATABASE $db"
drop() { "$PSQL" -q "$server/postgres?sslmode=disable" -c "DROP DATABASE IF EXISTS $db" || true; }
url="$server/$db?sslmode=disable"
status=0
{
  sqlx migrate run --source migrations --database-url "$url" >/dev/null
  cd core
  # Online: the macros ask the database (the workspace's configuration says offline).
  SQLX_OFFLINE=false DATABASE_URL="$url" cargo sqlx prepare "$@" -- --all-targets
} || status=$?
drop
exit "$status"
