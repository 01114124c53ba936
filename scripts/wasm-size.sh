#!/usr/bin/env bash
# Prints what the browser downloads of the release build: every Wasm and JS file the
# build emits (raw bytes, and the gzip and brotli bytes the server sends: the .gz and .br
# files `cargo xtask build` writes beside each), then, per page, the first visit's
# download: the main module and its JS, plus the page's pack (its modules in one file, as
# the manifest names it), HTML and CSS aside. Fails when a page's first visit takes more
# than 30 requests (these files, the HTML and the CSS), when a first page (set-up,
# sign-in) is over its gzip budget, or when any other page grows past its ceiling (see
# CEILINGS). Run after `cargo xtask build` (run.sh and test.sh do).
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-target/site/pkg}"
ls "$dir"/*.wasm >/dev/null 2>&1 || { echo "no Wasm in $dir: build the release first"; exit 1; }
python3 - "$dir" <<'EOF'
import gzip, json, os, sys

pkg = sys.argv[1]
FIRST_PAGES = ("setup", "sign_in")
BUDGET = 270_000
# The other pages are over the budget still (the token list's Wasm and JS are 440 KB of
# gzip: see the README's "What the browser downloads"). Each has a ceiling a little above
# what it sends today, so that none grows unnoticed; lower them as pages shrink.
CEILINGS = {
    "account": 365_000, "api_docs": 271_000, "audit": 333_000, "new_token": 470_000,
    "roles": 352_000, "token_detail": 477_000, "tokens": 452_000, "users": 417_000,
    "webhooks": 402_000, "settings": 340_000,
}
MAX_REQUESTS = 30
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
packs = [f for f in files if f.startswith("pack_")]
print(f"{'file':<58} {'raw bytes':>10} {'gzip bytes':>10} {'br bytes':>10}")
for f in files:
    if f not in chunks and f not in packs:
        row(f, [f])
if chunks:
    row(f"{len(chunks)} shared chunks (chunk_*.wasm)", chunks)
row("all of them, packs aside", [f for f in files if f not in packs])
for f in packs:
    row(f"{f} (a page's modules in one file)", [f])

main = [f for f in files if f == "latchkey.wasm" or f.endswith(".js")]
print()
print(f"{'first visit to a page (main module, JS, its pack)':<58} {'raw bytes':>10} {'gzip bytes':>10} {'br bytes':>10}")
row("main module and JS alone", main)
manifest = os.path.join(pkg, "__wasm_split_manifest.json")
if os.path.exists(manifest):
    for split, needs in sorted(json.load(open(manifest)).items()):
        page = split.strip("_").rsplit("_", 1)[0].removesuffix("_route_view")
        parts = [n + ".wasm" for n in needs if os.path.exists(os.path.join(pkg, n + ".wasm"))]
        row(page + f" ({len(main + parts)} files)", main + parts)
        first[page] = (sum(sizes(f)[1] for f in main + parts), len(main + parts) + 2)

# The budget: the first page a newcomer meets (set-up) and a returning user's (sign-in)
# download at most this much as gzip, HTML and CSS aside; no page more than its ceiling;
# no page more than MAX_REQUESTS requests. Growing past them fails the tests.
missing = [page for page in FIRST_PAGES if page not in first]
if missing:
    sys.exit(f"budget: no split for {', '.join(missing)} in the manifest: was a page renamed?")
print()
failures = []
for page, (gz, requests) in sorted(first.items()):
    allowed = BUDGET if page in FIRST_PAGES else CEILINGS.get(page, BUDGET)
    over = gz > allowed or requests > MAX_REQUESTS
    kind = "budget" if page in FIRST_PAGES else "ceiling"
    print(f"{page}: {gz:,} bytes as gzip of {allowed:,} allowed ({kind}), "
          f"{requests} requests of {MAX_REQUESTS}" + (" - OVER" if over else ""))
    if over:
        failures.append(page)
if failures:
    sys.exit(f"over budget: {', '.join(failures)}")
EOF
