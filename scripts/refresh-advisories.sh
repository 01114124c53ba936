#!/usr/bin/env bash
# Replaces tools/advisory-db.tar.gz with the RustSec advisory database as it is today.
# Needs GitHub, which the CI machines cannot reach: run it where it can, and commit.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
git clone --quiet --depth 1 https://github.com/rustsec/advisory-db "$work/db"
git -C "$work/db" archive --format=tar.gz --prefix=advisory-db/ HEAD \
  crates rust LICENSE.txt LICENSES support.toml README.md > "$ROOT/tools/advisory-db.tar.gz"
git -C "$work/db" log -1 --format=%cI > "$ROOT/tools/advisory-db.date"
echo "snapshot of $(cat "$ROOT/tools/advisory-db.date")"
