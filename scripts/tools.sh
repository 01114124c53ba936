# Sourced by run.sh, test.sh and the benchmarks: installs what building and testing Latchkey needs,
# skipping whatever is already there. Safe to run again and again.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
  say "installing $* from Debian's packages"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

# rust-toolchain.toml names the version; where the machine has it as its stable
# toolchain under that name only, give it the pinned name too (rustup refuses to link a
# custom toolchain under a release's name, and installs none here: a link in its folder).
ensure_pinned_toolchain() {
  local pinned sysroot
  pinned="$(sed -nE 's/^channel = "([^"]+)".*/\1/p' "$ROOT/rust-toolchain.toml")"
  (cd / && rustup toolchain list) | grep -q "^$pinned" && return 0
  if [ "$(cd / && rustc +stable --version | cut -d' ' -f2)" = "$pinned" ]; then
    say "naming the stable toolchain (rustc $pinned) $pinned too"
    sysroot="$(cd / && rustc +stable --print sysroot)"
    ln -s "$sysroot" "$(dirname "$sysroot")/$pinned-$(cd / && rustc +stable -vV | sed -n 's/^host: //p')"
  else
    say "rust-toolchain.toml pins Rust $pinned, which this machine does not have"
    return 1
  fi
}

ensure_rust_tools() {
  ensure_pinned_toolchain
  rustup target list --installed | grep -qx wasm32-unknown-unknown ||
    { say "adding the wasm32 target"; rustup target add wasm32-unknown-unknown; }
  # No wasm-bindgen CLI to install: the xtask links its library, pinned in Cargo.toml.
}

# The supply-chain check: licenses, bans and sources of every dependency.
CARGO_DENY_VERSION=0.20.2
ensure_lint_tools() {
  [ "$(cargo deny --version 2>/dev/null)" = "cargo-deny $CARGO_DENY_VERSION" ] ||
    { say "installing cargo-deny $CARGO_DENY_VERSION (a few minutes)";
      cargo install cargo-deny --version "$CARGO_DENY_VERSION" --locked; }
}

# sqlx-cli, the same version as the sqlx the workspace builds with: it writes the query
# data the compiler checks `query!` against (scripts/sqlx-prepare.sh).
SQLX_CLI_VERSION=0.8.6
ensure_sqlx_cli() {
  [ "$(sqlx --version 2>/dev/null)" = "sqlx-cli $SQLX_CLI_VERSION" ] ||
    { say "installing sqlx-cli $SQLX_CLI_VERSION (a few minutes)";
      cargo install sqlx-cli --version "$SQLX_CLI_VERSION" --locked \
        --no-default-features --features postgres,rustls; }
}

# Schemathesis (PyPI), which fuzzes the REST API from its OpenAPI document, in a virtual
# environment of its own; the Rust test that drives it finds it through SCHEMATHESIS.
SCHEMATHESIS_VERSION=4.32.5
ensure_schemathesis() {
  local venv="$HOME/.cache/latchkey/schemathesis-$SCHEMATHESIS_VERSION"
  if [ ! -x "$venv/bin/schemathesis" ]; then
    python3 -m venv --help >/dev/null 2>&1 && python3 -c 'import ensurepip' 2>/dev/null ||
      apt_install python3-venv
    say "installing schemathesis $SCHEMATHESIS_VERSION from PyPI"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
  fi
  export SCHEMATHESIS="$venv/bin/schemathesis"
}

# scim2-client (PyPI), the SCIM client the provisioning tests drive Latchkey with
# (server/tests/scim/client.py), in a virtual environment of its own.
SCIM2_CLIENT_VERSION=0.13.2
ensure_scim2_client() {
  local venv="$HOME/.cache/latchkey/scim2-client-$SCIM2_CLIENT_VERSION"
  if ! "$venv/bin/python" -c 'import scim2_client.engines.httpx2' 2>/dev/null; then
    python3 -m venv --help >/dev/null 2>&1 && python3 -c 'import ensurepip' 2>/dev/null ||
      apt_install python3-venv
    say "installing scim2-client $SCIM2_CLIENT_VERSION from PyPI"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "scim2-client[httpx2]==$SCIM2_CLIENT_VERSION"
  fi
  export SCIM2_CLIENT_PYTHON="$venv/bin/python"
}

# The RustSec advisory database, for `cargo deny check advisories`. These machines cannot
# reach its home on GitHub, so a snapshot of it (CC0) is kept in tools/advisory-db.tar.gz
# (refresh it with scripts/refresh-advisories.sh where GitHub is reachable) and laid out
# where cargo-deny looks for it: a git repository whose HEAD carries the snapshot's date.
ADVISORY_DB_SNAPSHOT="$ROOT/tools/advisory-db.tar.gz"
ADVISORY_DB_DATE="$(cat "$ROOT/tools/advisory-db.date")"
ADVISORY_DB_DIR="${CARGO_HOME:-$HOME/.cargo}/advisory-dbs/advisory-db-3157b0e258782691"
ensure_advisory_db() {
  if [ "$(cat "$ADVISORY_DB_DIR/.latchkey-snapshot" 2>/dev/null)" != "$ADVISORY_DB_DATE" ]; then
    say "laying out the advisory database snapshot of $ADVISORY_DB_DATE"
    rm -rf "$ADVISORY_DB_DIR"
    mkdir -p "$ADVISORY_DB_DIR"
    tar -xzf "$ADVISORY_DB_SNAPSHOT" -C "$ADVISORY_DB_DIR" --strip-components=1
    (cd "$ADVISORY_DB_DIR" && git init -q && git add -A &&
      GIT_AUTHOR_DATE="$ADVISORY_DB_DATE" GIT_COMMITTER_DATE="$ADVISORY_DB_DATE" \
        git -c user.name=latchkey -c user.email=ci@localhost commit -qm "snapshot $ADVISORY_DB_DATE")
    echo "$ADVISORY_DB_DATE" > "$ADVISORY_DB_DIR/.latchkey-snapshot"
  fi
}

# The release build's npm packages (xtask/package.json: binaryen, terser).
ensure_node_tools() {
  command -v npm >/dev/null || apt_install nodejs npm
  npm_ci_if_stale "$ROOT/xtask" "binaryen/index.js" "terser/bin/terser"
}

# The browser tests' npm packages (end2end/package.json: Playwright, axe).
ensure_end2end_packages() {
  command -v npm >/dev/null || apt_install nodejs npm
  npm_ci_if_stale "$ROOT/end2end" "@playwright/test/package.json"
}

# `npm ci` in $1 unless every file named after it is installed and the lock file is no
# newer than the installation.
npm_ci_if_stale() {
  local dir="$1" file stale=""
  shift
  for file in "$@"; do
    [ -f "$dir/node_modules/$file" ] || stale=1
  done
  [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ] && stale=1
  if [ -n "$stale" ]; then
    say "installing the npm packages of ${dir#"$ROOT"/}"
    (cd "$dir" && npm ci --no-audit --no-fund)
  fi
}

# The folder holding initdb and pg_ctl: PATH first, then /usr/lib/postgresql/*/bin.
postgres_bin() {
  local dir
  for dir in $(dirname "$(command -v pg_ctl 2>/dev/null || echo /nonexistent/x)") \
             $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return 0; fi
  done
  return 1
}

ensure_postgres() {
  postgres_bin >/dev/null || apt_install postgresql
}

# nginx for the forward-auth test (server/tests/gateway.rs) and the benchmark; wrk for the
# benchmark. Both from Debian; the scripts start them themselves.
ensure_nginx() {
  [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || apt_install nginx
}

ensure_wrk() {
  command -v wrk >/dev/null || apt_install wrk
}

ensure_chromium() {
  command -v chromium >/dev/null || apt_install chromium
}

# The benchmarks' common steps (bench.sh, bench-console.sh, bench-pages.sh).

# The release build, unless BENCH_SKIP_BUILD is set (then target/release and target/site*
# are used as they are); its output goes to the log $1, shown if it fails. Further
# arguments go to `cargo xtask build`.
bench_release_build() { # log [xtask build arguments...]
  [ -n "${BENCH_SKIP_BUILD:-}" ] && return 0
  local log="$1"
  shift
  say "release build"
  cargo xtask build "$@" >"$log" 2>&1 || { cat "$log"; exit 1; }
}

# Waits until the Latchkey at the address $1 answers /readyz; else shows its log $2 and
# fails.
wait_until_ready() { # address log
  for _ in $(seq 200); do
    curl -fs "http://$1/readyz" 2>/dev/null | grep -q "^ready" && return 0
    sleep 0.1
  done
  echo "Latchkey did not start on $1"; cat "$2"; exit 1
}

# Sets up a new instance's administrator (email $3, password $4) through the console's
# own set-up function, as the set-up page does, with the set-up code its log $2 printed.
set_up_administrator() { # base-url log email password
  local code
  code="$(grep -o 'set-up code [A-Z0-9-]*' "$2" | tail -1 | cut -d' ' -f3)"
  curl -fs -o /dev/null -H "Origin: $1" "$1/api/set_up" \
    --data-urlencode "code=$code" --data-urlencode "email=$3" \
    --data-urlencode "display_name=Bench Admin" --data-urlencode "password=$4"
}

# Signs in as $2 (password $3), keeping the session cookie in the jar $4.
sign_in_to() { # base-url email password cookie-jar
  curl -fs -o /dev/null -c "$4" -H "Origin: $1" "$1/api/sign_in" \
    --data-urlencode "email=$2" --data-urlencode "password=$3"
}
