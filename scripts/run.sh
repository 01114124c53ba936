#!/usr/bin/env bash
# Installs whatever is missing, builds Latchkey (release) and serves it on
# http://127.0.0.1:3000 with its own embedded PostgreSQL in ./latchkey-data.
# The first start prints a set-up code in the log: open the page and enter it.
set -euo pipefail
source "$(dirname "$0")/tools.sh"
cd "$ROOT"
ensure_rust_tools
ensure_node_tools
ensure_postgres
exec cargo xtask serve
