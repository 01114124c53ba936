#!/usr/bin/env bash
# Prints what the browser downloads of the release build: every Wasm and JS file the
# build emits (raw bytes, and the gzip and brotli bytes the server sends: the .gz and .br
# files `cargo xtask build` writes beside each), then, per page, the first visit's
# download: the main module and its JS, plus the chunks that page needs (from the split
# manifest), HTML and CSS aside, and fails when a first page (set-up, sign-in) is over its
# gzip budget. Run after `cargo xtask build` (run.sh and test.sh do).
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-target/site/pkg}"
ls "$dir"/*.wasm >/dev/null 2>&1 || { echo "no Wasm in $dir: build the release first"; exit 1; }
python3 - "$dir" <<'EOF'
import gzip, json, os, sys

pkg = sys.argv[1]
FIRST_PAGES = ("setup", "sign_in")
BUDGET = 270_000
first = {}
measured = {}
def sizes(name):
    """Raw, gzip and brotli bytes of a file: its precompressed twins where the build wrote
    them (what the server sends), else gzip -9 and no brotli."""
    if name not in measured:
        path = os.path.join(pkg, name)
        data = open(path, "rb").read()
        def twin(ending):
            return os.path.getsize(path + ending) if os.path.exists(path + ending) else None
        gz = twin(".gz") or len(gzip.compress(data, 9))
        measured[name] = (len(data), gz, twin(".br") or 0)
    return measured[name]

def row(label, names):
    total = [sum(sizes(f)[i] for f in names) for i in range(3)]
    br = str(total[2]) if total[2] else "-"
    print(f"{label:<58} {total[0]:>10} {total[1]:>10} {br:>10}")

files = sorted(f for f in os.listdir(pkg) if f.endswith((".wasm", ".js")))
chunks = [f for f in files if f.startswith("chunk_")]
print(f"{'file':<58} {'raw bytes':>10} {'gzip bytes':>10} {'br bytes':>10}")
for f in files:
    if f not in chunks:
        row(f, [f])
if chunks:
    row(f"{len(chunks)} shared chunks (chunk_*.wasm)", chunks)
row("all of them", files)

main = [f for f in files if f == "latchkey.wasm" or f.endswith(".js")]
print()
print(f"{'first visit to a page (main module, JS, its chunks)':<58} {'raw bytes':>10} {'gzip bytes':>10} {'br bytes':>10}")
row("main module and JS alone", main)
manifest = os.path.join(pkg, "__wasm_split_manifest.json")
if os.path.exists(manifest):
    for split, needs in sorted(json.load(open(manifest)).items()):
        page = split.strip("_").rsplit("_", 1)[0].removesuffix("_route_view")
        parts = [n + ".wasm" for n in needs if os.path.exists(os.path.join(pkg, n + ".wasm"))]
        row(page + f" ({len(parts)} files)", main + parts)
        if page in FIRST_PAGES:
            first[page] = sum(sizes(f)[1] for f in main + parts)

# The budget: the first page a newcomer meets (set-up) and a returning user's (sign-in)
# download at most this much as gzip, HTML and CSS aside. Growing past it fails the tests.
missing = [page for page in FIRST_PAGES if page not in first]
if missing:
    sys.exit(f"budget: no split for {', '.join(missing)} in the manifest: was a page renamed?")
over = {page: gz for page, gz in first.items() if gz > BUDGET}
print()
for page, gz in sorted(first.items()):
    print(f"budget: {page} sends {gz:,} bytes as gzip of {BUDGET:,} allowed" + (" - OVER" if page in over else ""))
if over:
    sys.exit(1)
EOF
