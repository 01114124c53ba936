#!/usr/bin/env bash
# Prints what the browser downloads of the release build: every Wasm and JS file the
# build emits (raw and gzip bytes), then, per page, the first visit's download: the main
# module and its JS, plus the chunks that page needs (from the split manifest), HTML and
# CSS aside. Run after `cargo xtask build` (run.sh and test.sh do).
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-target/site/pkg}"
ls "$dir"/*.wasm >/dev/null 2>&1 || { echo "no Wasm in $dir: build the release first"; exit 1; }
python3 - "$dir" <<'EOF'
import gzip, json, os, sys

pkg = sys.argv[1]
measured = {}
def sizes(name):
    """Raw and gzip bytes of a file, each file compressed once."""
    if name not in measured:
        data = open(os.path.join(pkg, name), "rb").read()
        measured[name] = (len(data), len(gzip.compress(data, 9)))
    return measured[name]

files = sorted(f for f in os.listdir(pkg) if f.endswith((".wasm", ".js")))
chunks = [f for f in files if f.startswith("chunk_")]
print(f"{'file':<58} {'raw bytes':>10} {'gzip bytes':>10}")
for f in files:
    if f not in chunks:
        print(f"{f:<58} {sizes(f)[0]:>10} {sizes(f)[1]:>10}")
if chunks:
    raw = sum(sizes(f)[0] for f in chunks)
    gz = sum(sizes(f)[1] for f in chunks)
    print(f"{f'{len(chunks)} shared chunks (chunk_*.wasm)':<58} {raw:>10} {gz:>10}")
raw = sum(sizes(f)[0] for f in files)
gz = sum(sizes(f)[1] for f in files)
print(f"{'all of them':<58} {raw:>10} {gz:>10}")

main = [f for f in files if f == "latchkey.wasm" or f.endswith(".js")]
base_raw = sum(sizes(f)[0] for f in main)
base_gz = sum(sizes(f)[1] for f in main)
print()
print(f"{'first visit to a page (main module, JS, its chunks)':<58} {'raw bytes':>10} {'gzip bytes':>10}")
print(f"{'main module and JS alone':<58} {base_raw:>10} {base_gz:>10}")
manifest = os.path.join(pkg, "__wasm_split_manifest.json")
if os.path.exists(manifest):
    for split, needs in sorted(json.load(open(manifest)).items()):
        page = split.strip("_").rsplit("_", 1)[0].removesuffix("_route_view")
        parts = [n + ".wasm" for n in needs if os.path.exists(os.path.join(pkg, n + ".wasm"))]
        raw = base_raw + sum(sizes(f)[0] for f in parts)
        gz = base_gz + sum(sizes(f)[1] for f in parts)
        print(f"{page + f' ({len(parts)} files)':<58} {raw:>10} {gz:>10}")
EOF
