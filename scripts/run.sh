#!/usr/bin/env bash
# Installs whatever is missing, builds Latchkey and serves it on http://127.0.0.1:3000
# with its own embedded PostgreSQL in ./latchkey-data. The site is the release build; the
# server a debug build, which compiles in a third of the time (`./scripts/run.sh --release`
# builds and runs the release server instead).
# The first start prints a set-up code in the log: open the page and enter it.
set -euo pipefail
source "$(dirname "$0")/tools.sh"
cd "$ROOT"
ensure_rust_tools
ensure_node_tools
ensure_postgres
# As test.sh builds: its Rust tests then reuse the debug build's crates.
export CARGO_INCREMENTAL=0
exec cargo xtask serve "$@"
