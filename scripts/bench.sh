#!/usr/bin/env bash
# Benchmarks the token verification path against a throwaway PostgreSQL (optimised build).
# Not part of the test suite: speed is measured here, never asserted in a test.
set -euo pipefail
source "$(dirname "$0")/tools.sh"
source "$(dirname "$0")/test-postgres.sh"
cd "$ROOT"
export CARGO_INCREMENTAL=0
ensure_postgres
trap stop_test_postgres EXIT
start_test_postgres
cargo bench -p server --features app/ssr --bench verify
