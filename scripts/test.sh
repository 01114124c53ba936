#!/usr/bin/env bash
# The whole test suite: the Rust tests against a throwaway PostgreSQL, then the release
# build driven in headless Chromium by Playwright, on an embedded database of its own.
set -euo pipefail
source "$(dirname "$0")/tools.sh"
source "$(dirname "$0")/test-postgres.sh"
cd "$ROOT"
# A one-off build gains nothing from incremental caches, which would take most of the disk.
export CARGO_INCREMENTAL=0
ensure_rust_tools
ensure_lint_tools
ensure_sqlx_cli
ensure_advisory_db
ensure_schemathesis
ensure_scim2_client
ensure_node_tools
ensure_end2end_packages
ensure_postgres
ensure_nginx
ensure_chromium

E2E_DIR="$(mktemp -d /tmp/latchkey-e2e.XXXXXX)"
cleanup() {
  stop_test_postgres
  # Should the server have died without stopping its cluster, stop it here.
  if [ -f "$E2E_DIR/data/postgres/postmaster.pid" ]; then
    pg "$(postgres_bin)/pg_ctl" -D "$E2E_DIR/data/postgres" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$E2E_DIR"
}
trap cleanup EXIT

say "static checks: formatting, lints (server and browser builds), dependencies and advisories"
cargo fmt --all --check
cargo clippy -p types -p latchkey-core -p app -p server -p xtask --features app/ssr --all-targets -- -D warnings
cargo clippy -p types -p app -p frontend --features app/hydrate --target wasm32-unknown-unknown -- -D warnings
# cargo-deny reads the whole graph, every platform's crates included: fetch them first.
cargo fetch --quiet
cargo deny --offline check advisories bans licenses sources

say "Rust tests"
start_test_postgres
# The query data the compiler checked `query!` against is the migrated schema's.
./scripts/sqlx-prepare.sh --check
cargo test -p types -p latchkey-core -p app -p server -p xtask --features app/ssr

say "release build"
cargo xtask build
./scripts/wasm-size.sh

say "browser tests (Playwright, headless Chromium)"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$E2E_DIR"
export E2E_DATA_DIR="$E2E_DIR/data" E2E_SERVER_LOG="$E2E_DIR/server.log"
(cd end2end && npx playwright test)
