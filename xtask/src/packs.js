// Latchkey: a page's Wasm modules arrive in one file, its pack (see xtask/src/packs.rs).
// The split loader above asks for each module by name (`fetchModule`) where it fetched
// `./<module>.wasm`. The modules asked for in one go (a page's chunks and its own module
// are asked for together, in one turn of the event loop) are fetched as the pack that
// holds most of them, when they are at least half of it (a first visit, or a page whose
// modules are mostly new); else each by its own file (a page that shares most of its
// modules with pages seen before). A pack is its modules end to end; their sizes are here.
const MODULES = /* MODULES */;
const PACKS = /* PACKS */;

const received = new Map(); // a module's name -> a promise of its bytes
const waiting = new Map(); // a module's name -> the promise's resolve and reject
let asked = [];

function fetchModule(name) {
    let bytes = received.get(name);
    if (bytes === undefined) {
        bytes = new Promise((resolve, reject) => waiting.set(name, { resolve, reject }));
        received.set(name, bytes);
        if (asked.length === 0) queueMicrotask(fetchAsked);
        asked.push(name);
    }
    return bytes.then((b) => new Response(b, { headers: { "Content-Type": "application/wasm" } }));
}

function fetchAsked() {
    let wanted = new Set(asked);
    asked = [];
    while (wanted.size > 0) {
        let best, bestWanted = 0, bestSize = 0;
        for (const [pack, modules] of Object.entries(PACKS)) {
            let size = 0, inIt = 0;
            for (const m of modules) {
                size += MODULES[m][1];
                if (wanted.has(MODULES[m][0])) inIt += MODULES[m][1];
            }
            if (inIt > bestWanted) [best, bestWanted, bestSize] = [pack, inIt, size];
        }
        if (best === undefined || bestWanted * 2 < bestSize) {
            for (const name of wanted) load(`./${name}.wasm`, [[name, undefined]]);
            return;
        }
        const modules = PACKS[best].map((m) => MODULES[m]);
        load(`./${best}.wasm`, modules);
        for (const [name] of modules) wanted.delete(name);
    }
}

function load(file, modules) {
    fetch(new URL(file, import.meta.url))
        .then((response) => {
            if (!response.ok) throw new Error(`${file}: ${response.status}`);
            return response.arrayBuffer();
        })
        .then(
            (buffer) => {
                let at = 0;
                for (const [name, size] of modules) {
                    const end = size === undefined ? buffer.byteLength : at + size;
                    arrived(name, buffer.slice(at, end));
                    at = end;
                }
            },
            (error) => {
                for (const [name] of modules) failed(name, error);
            },
        );
}

function arrived(name, bytes) {
    const waiter = waiting.get(name);
    if (waiter !== undefined) {
        waiting.delete(name);
        waiter.resolve(bytes);
    } else if (!received.has(name)) {
        // Came with a pack before it was asked for: kept for when it is.
        received.set(name, Promise.resolve(bytes));
    }
}

function failed(name, error) {
    const waiter = waiting.get(name);
    if (waiter !== undefined) {
        waiting.delete(name);
        // Asked for again (the loader retries a failed load), it is fetched again.
        received.delete(name);
        waiter.reject(error);
    }
}
