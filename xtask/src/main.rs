//! `cargo xtask build` and `cargo xtask serve`: Latchkey's release build without a build
//! tool to install first. It runs cargo for the server and, at the same time, for the
//! browser's Wasm; splits the Wasm into a main module and one chunk a page (the lazy
//! routes in `app::pages`), and packs each page's modules into one file (`packs.rs`);
//! generates its JavaScript with wasm-bindgen's own library
//! (pinned beside the `wasm-bindgen` crate); optimises it as `wasm-opt -Oz` does, with
//! npm `binaryen`'s library (`wasm-opt.mjs`); and lays the site out in `target/site` as
//! the server expects it, with the environment cargo-leptos gives.
//!
//! Its settings (the output name, the site's folders and address, the style file, the
//! Wasm's profile) are the workspace's `[[workspace.metadata.leptos]]` section, read with
//! `cargo metadata`: written once, for this file and `cargo leptos watch --split` alike.
//! Its npm tools (binaryen, terser) are `xtask/package.json`'s, found in
//! `xtask/node_modules`.

use std::{
    env, fs,
    path::{Path, PathBuf},
    process::{Command, ExitCode},
    sync::OnceLock,
};

mod packs;

/// The site's settings, from `[[workspace.metadata.leptos]]`.
struct Site {
    output_name: String,
    site_root: String,
    pkg_dir: String,
    site_addr: String,
    reload_port: String,
    style_file: String,
    wasm_profile: String,
}

static SITE: OnceLock<Site> = OnceLock::new();

fn site() -> &'static Site {
    SITE.get()
        .expect("the workspace's settings are read first, in main")
}

/// Reads `[[workspace.metadata.leptos]]` (its first entry) with `cargo metadata`.
fn read_site(root: &Path) -> Result<Site> {
    let output = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["metadata", "--format-version=1", "--no-deps", "--offline"])
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("cannot read cargo metadata's answer: {e}"))?;
    let leptos = &metadata["metadata"]["leptos"][0];
    let field = |name: &str| -> Result<String> {
        match &leptos[name] {
            serde_json::Value::String(text) => Ok(text.clone()),
            serde_json::Value::Number(n) => Ok(n.to_string()),
            _ => Err(format!(
                "Cargo.toml's [[workspace.metadata.leptos]] has no `{name}`"
            )),
        }
    };
    Ok(Site {
        output_name: field("name")?,
        site_root: field("site-root")?,
        pkg_dir: field("site-pkg-dir")?,
        site_addr: field("site-addr")?,
        reload_port: field("reload-port")?,
        style_file: field("style-file")?,
        wasm_profile: field("lib-profile-release")?,
    })
}
/// The name Leptos's hydration script imports the split loader by.
const SPLIT_LINK_NAME: &str = "./__wasm_split.______________________.js";
const SPLIT_MANIFEST: &str = "__wasm_split_manifest.json";

type Result<T> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match read_site(&root()) {
        Ok(site) => {
            let _ = SITE.set(site);
        }
        Err(message) => {
            eprintln!("xtask: {message}");
            return ExitCode::FAILURE;
        }
    }
    let (site_root, site_addr) = (&site().site_root, &site().site_addr);
    let outcome = match args[..] {
        ["build"] => build_all(Server::Release, Layouts::Packed),
        ["build", "--also-unpacked"] => build_all(Server::Release, Layouts::AlsoUnpacked),
        ["site"] => build_site(Layouts::Packed),
        ["serve"] => build_all(Server::Debug, Layouts::Packed).and_then(|()| serve(Server::Debug)),
        ["serve", "--release"] => {
            build_all(Server::Release, Layouts::Packed).and_then(|()| serve(Server::Release))
        }
        _ => {
            eprintln!(
                "usage: cargo xtask <build [--also-unpacked]|site|serve [--release]>\n  \
                 build            release build of the server and the site in {site_root}, side by side\n  \
                 build --also-unpacked\n                   \
                 the same, and the site without packs in {site_root}-unpacked (for\n                   \
                 scripts/bench-pages.sh)\n  \
                 site             the site alone (Wasm, JS, CSS)\n  \
                 serve            the site and a debug build of the server (a third of the\n                   \
                 release build's time), then run Latchkey on http://{site_addr}\n  \
                 serve --release  the same with the release build of the server"
            );
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// What cargo-leptos sets for both builds: Leptos reads some at compile time (the output
/// name decides the Wasm file the hydration script loads), the server the rest at start.
fn leptos_env() -> [(&'static str, &'static str); 6] {
    let site = site();
    [
        ("LEPTOS_OUTPUT_NAME", &site.output_name),
        ("LEPTOS_SITE_ROOT", &site.site_root),
        ("LEPTOS_SITE_PKG_DIR", &site.pkg_dir),
        ("LEPTOS_SITE_ADDR", &site.site_addr),
        ("LEPTOS_RELOAD_PORT", &site.reload_port),
        ("LEPTOS_HASH_FILES", "false"),
    ]
}

fn say(what: &str) {
    eprintln!("\x1b[1m==> {what}\x1b[0m");
}

fn run(command: &mut Command) -> Result<()> {
    let shown = format!("{command:?}");
    let status = command
        .status()
        .map_err(|e| format!("cannot start {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}

fn cargo(root: &Path) -> Command {
    let mut command = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.current_dir(root).envs(leptos_env());
    command
}

/// Which layouts of the site a build writes.
#[derive(Clone, Copy)]
enum Layouts {
    /// The site as it is served: each page's modules in one file.
    Packed,
    /// That, and beside it the same site without packs, for the benchmark that compares
    /// the two (see [`write_unpacked`]).
    AlsoUnpacked,
}

/// The browser's files in `target/site/pkg`: the Wasm split a chunk a page, its JS, the CSS.
/// They are written to a folder of their own beside it and swapped in at the end, so that
/// a server running meanwhile goes on answering with the last build's files.
fn build_site(layouts: Layouts) -> Result<()> {
    let root = root();
    let live = root.join(&site().site_root).join(&site().pkg_dir);
    let pkg = root
        .join(&site().site_root)
        .join(format!("{}.next", site().pkg_dir));
    // Chunks of an earlier build must not linger beside this one's.
    if pkg.exists() {
        fs::remove_dir_all(&pkg).map_err(|e| format!("cannot empty {}: {e}", pkg.display()))?;
    }
    fs::create_dir_all(&pkg).map_err(|e| format!("cannot create {}: {e}", pkg.display()))?;

    say(&format!(
        "building the browser's Wasm (frontend, profile {})",
        site().wasm_profile
    ));
    run(cargo(&root)
        .args([
            "build",
            "--package=frontend",
            "--lib",
            "--target=wasm32-unknown-unknown",
            "--no-default-features",
            &format!("--profile={}", site().wasm_profile),
        ])
        .args(remap_source_paths(&root)))?;
    let target = target_dir(&root)
        .join("wasm32-unknown-unknown")
        .join(&site().wasm_profile);
    let split_main = target.join("frontend_split.wasm");

    say("splitting it: a main module and a chunk a page");
    let (chunks, manifest) = split(&target.join("frontend.wasm"), &split_main, &pkg)?;

    say("generating the JavaScript bindings (wasm-bindgen)");
    bindings(&split_main, &pkg)?;
    let main_wasm = pkg.join(format!("{}.wasm", site().output_name));
    fs::rename(
        pkg.join(format!("{}_bg.wasm", site().output_name)),
        &main_wasm,
    )
    .map_err(|e| format!("cannot rename wasm-bindgen's output: {e}"))?;

    let files: Vec<&PathBuf> = std::iter::once(&main_wasm).chain(&chunks).collect();
    say(&format!(
        "optimising {} Wasm files (wasm-opt -Oz)",
        files.len()
    ));
    optimise(&root, &files)?;

    say("packing each page's modules into one file");
    let loader_path = pkg.join(SPLIT_LINK_NAME);
    let loader = fs::read_to_string(&loader_path)
        .map_err(|e| format!("cannot read {}: {e}", loader_path.display()))?;
    let (packed, taught) = packs::write(&pkg, &manifest, &loader)?;
    fs::write(&loader_path, taught)
        .map_err(|e| format!("cannot write {}: {e}", loader_path.display()))?;
    write_manifest(&pkg, &packed)?;

    say("minifying the JavaScript (terser)");
    for script in [
        pkg.join(format!("{}.js", site().output_name)),
        pkg.join(SPLIT_LINK_NAME),
    ] {
        minify(&root, &script)?;
    }

    fs::copy(
        root.join(&site().style_file),
        pkg.join(format!("{}.css", site().output_name)),
    )
    .map_err(|e| format!("cannot copy {}: {e}", site().style_file))?;

    let downloads = site_files(&pkg)?;
    say(&format!(
        "compressing {} files ahead of time (zopfli gzip, brotli)",
        downloads.len()
    ));
    let started = std::time::Instant::now();
    precompress(&downloads)?;
    say(&format!(
        "compressed in {:.1} s",
        started.elapsed().as_secs_f64()
    ));
    swap_in(&pkg, &live)?;
    let unpacked = root.join(format!("{}-unpacked", site().site_root));
    if unpacked.exists() {
        // An earlier build's, which would not match this one.
        fs::remove_dir_all(&unpacked)
            .map_err(|e| format!("cannot empty {}: {e}", unpacked.display()))?;
    }
    match layouts {
        Layouts::Packed => Ok(()),
        Layouts::AlsoUnpacked => write_unpacked(&root, &unpacked, &live, &manifest, &loader),
    }
}

/// The same site without packs, each module its own file as the split left it, in
/// `unpacked` (`target/site-unpacked`: hard links to this build's files, and the split's
/// own loader and manifest): what `scripts/bench-pages.sh` measures the packs against,
/// in one run.
fn write_unpacked(
    root: &Path,
    unpacked: &Path,
    live: &Path,
    manifest: &packs::Manifest,
    loader: &str,
) -> Result<()> {
    let pkg = unpacked.join(&site().pkg_dir);
    fs::create_dir_all(&pkg).map_err(|e| format!("cannot create {}: {e}", pkg.display()))?;
    let entries = fs::read_dir(live).map_err(|e| format!("cannot list {}: {e}", live.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot list {}: {e}", live.display()))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("pack_") || name.starts_with("__wasm_split") {
            continue;
        }
        fs::hard_link(entry.path(), pkg.join(&*name))
            .map_err(|e| format!("cannot link {name} into {}: {e}", pkg.display()))?;
    }
    let script = pkg.join(SPLIT_LINK_NAME);
    fs::write(&script, loader).map_err(|e| format!("cannot write {}: {e}", script.display()))?;
    minify(root, &script)?;
    precompress(&[script])?;
    write_manifest(&pkg, manifest)
}

/// The manifest the server reads to preload what a page needs: a split's name to files.
fn write_manifest(pkg: &Path, manifest: &packs::Manifest) -> Result<()> {
    let text = serde_json::to_string_pretty(manifest)
        .map_err(|e| format!("cannot write the split manifest: {e}"))?;
    fs::write(pkg.join(SPLIT_MANIFEST), text)
        .map_err(|e| format!("cannot write the split manifest: {e}"))
}

/// Puts the folder `next` where `live` is: `live` is renamed away and `next` renamed into
/// its place (each rename is atomic, so `live` is missing only between the two), and the
/// old folder is then removed.
fn swap_in(next: &Path, live: &Path) -> Result<()> {
    let old = live.with_extension("old");
    if old.exists() {
        fs::remove_dir_all(&old).map_err(|e| format!("cannot remove {}: {e}", old.display()))?;
    }
    if live.exists() {
        fs::rename(live, &old).map_err(|e| format!("cannot move {} aside: {e}", live.display()))?;
    }
    fs::rename(next, live).map_err(|e| format!("cannot move {} in: {e}", next.display()))?;
    if old.exists() {
        fs::remove_dir_all(&old).map_err(|e| format!("cannot remove {}: {e}", old.display()))?;
    }
    Ok(())
}

/// Shortens the source paths that panic messages carry into the Wasm (a crate's path in
/// cargo's registry is some 60 bytes before the crate's own name) to the part after the
/// registry or the workspace. Cargo adds these flags to the ones `.cargo/config.toml` sets.
fn remap_source_paths(root: &Path) -> Vec<String> {
    let cargo_home = env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")));
    let mut prefixes: Vec<PathBuf> = vec![root.to_path_buf()];
    if let Some(Ok(indexes)) = cargo_home.map(|home| fs::read_dir(home.join("registry/src"))) {
        prefixes.extend(indexes.filter_map(|entry| Some(entry.ok()?.path())));
    }
    let flags: Vec<String> = prefixes
        .iter()
        .map(|prefix| format!("\"--remap-path-prefix={}/=\"", prefix.display()))
        .collect();
    vec![
        "--config".into(),
        format!(
            "target.wasm32-unknown-unknown.rustflags=[{}]",
            flags.join(", ")
        ),
    ]
}

/// Which build of the server: the site is always the release build (what the browser
/// downloads is what users get), the server either.
#[derive(Clone, Copy)]
enum Server {
    /// Cargo's release profile: for use, and what the browser tests run.
    Release,
    /// Cargo's dev profile, as the Rust tests are built (password hashing optimised all
    /// the same, see Cargo.toml): built from nothing in 6½ min of CPU where the release
    /// build takes 17½ (4 min and 9 min on two cores), for a quick first run
    /// (`scripts/run.sh`).
    Debug,
}

impl Server {
    fn profile_dir(self) -> &'static str {
        match self {
            Server::Release => "release",
            Server::Debug => "debug",
        }
    }
}

fn target_dir(root: &Path) -> PathBuf {
    env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

/// The server and the site at the same time. They share no build output, and cargo locks
/// each profile's folder apart, so neither waits for the other; on a machine of few cores
/// each fills the other's single-threaded stretches (the Wasm's link-time optimisation,
/// `wasm-opt` on the main module, the server's last crates and link).
fn build_all(build: Server, layouts: Layouts) -> Result<()> {
    say(&format!(
        "building the server ({}), beside the site",
        build.profile_dir()
    ));
    let mut server = cargo(&root())
        .args([
            "build",
            "--package=server",
            "--bin=server",
            "--no-default-features",
        ])
        .args(matches!(build, Server::Release).then_some("--release"))
        // Two progress bars on one terminal would garble each other: the site keeps its.
        .env("CARGO_TERM_PROGRESS_WHEN", "never")
        .spawn()
        .map_err(|e| format!("cannot start cargo for the server: {e}"))?;
    let built = build_site(layouts);
    if built.is_err() {
        let _ = server.kill();
    }
    let status = server
        .wait()
        .map_err(|e| format!("cannot wait for the server's build: {e}"))?;
    built?;
    if !status.success() {
        return Err(format!("the server's build failed ({status})"));
    }
    say(&format!(
        "built: target/{}/server and {}",
        build.profile_dir(),
        site().site_root
    ));
    Ok(())
}

/// What `wasm-bindgen --target=web --keep-lld-exports --no-demangle --no-typescript
/// --out-name=latchkey --out-dir <pkg>` does, by the library the CLI is made of (pinned
/// beside the `wasm-bindgen` crate in the workspace): `latchkey.js` and `latchkey_bg.wasm`.
/// The lld exports stay because the split chunks import the main module's by those names.
fn bindings(input: &Path, pkg: &Path) -> Result<()> {
    let mut bindgen = wasm_bindgen_cli_support::Bindgen::new();
    bindgen
        .input_path(input)
        .web(true)
        .map_err(|e| format!("wasm-bindgen: {e:#}"))?
        .keep_lld_exports(true)
        .demangle(false)
        .typescript(false)
        // As the CLI: the default module path stays in the JS.
        .omit_default_module_path(false)
        .out_name(&site().output_name)
        .generate(pkg)
        .map_err(|e| format!("wasm-bindgen failed on {}: {e:#}", input.display()))
}

/// Runs `work` on each of `items`, as many at a time as there are cores; the first
/// failure is the answer.
fn in_parallel<T, F>(items: &[T], work: F) -> Result<()>
where
    T: Sync,
    F: Fn(&T) -> Result<()> + Sync,
{
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..cores())
            .map(|_| {
                scope.spawn(|| -> Result<()> {
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(item) = items.get(i) else {
                            return Ok(());
                        };
                        work(item)?;
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .try_for_each(|h| h.join().expect("a worker panicked"))
    })
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// A file of one of the build's npm packages (`xtask/package.json`), or what to run to
/// install them.
fn node_tool(root: &Path, file: &str) -> Result<PathBuf> {
    let path = root.join("xtask/node_modules").join(file);
    if path.exists() {
        Ok(path)
    } else {
        Err(format!(
            "{} is missing: install the build's npm packages with `npm ci --prefix xtask` \
             (run.sh and test.sh do)",
            path.display()
        ))
    }
}

/// `wasm-opt -Oz` over `files`, by binaryen's library (npm `binaryen`): `wasm-opt.mjs`
/// beside this crate, once a core, each given a share of the files of about equal bytes.
/// Its output is shown only when it fails (binaryen warns about every chunk's name section
/// otherwise).
fn optimise(root: &Path, files: &[&PathBuf]) -> Result<()> {
    let binaryen = node_tool(root, "binaryen/index.js")?;
    let script = root.join("xtask/wasm-opt.mjs");
    let shares = shares_by_size(files, cores())?;
    in_parallel(&shares, |share| {
        let output = Command::new("node")
            .arg(&script)
            .arg(&binaryen)
            .args(share)
            .output()
            .map_err(|e| format!("cannot start node for wasm-opt.mjs: {e}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "wasm-opt.mjs failed ({}): {}{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    })
}

/// `files` in `count` shares of about equal bytes (the largest file first, each into the
/// share that has the fewest bytes so far), leaving out empty shares.
fn shares_by_size<'a>(files: &[&'a PathBuf], count: usize) -> Result<Vec<Vec<&'a PathBuf>>> {
    let mut sized = Vec::with_capacity(files.len());
    for &file in files {
        let bytes = fs::metadata(file)
            .map_err(|e| format!("cannot read {}: {e}", file.display()))?
            .len();
        sized.push((bytes, file));
    }
    sized.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    let mut shares: Vec<(u64, Vec<&PathBuf>)> = vec![(0, Vec::new()); count.max(1)];
    for (bytes, file) in sized {
        let lightest = shares
            .iter_mut()
            .min_by_key(|(total, _)| *total)
            .expect("at least one share");
        lightest.0 += bytes;
        lightest.1.push(file);
    }
    Ok(shares
        .into_iter()
        .map(|(_, share)| share)
        .filter(|share| !share.is_empty())
        .collect())
}

/// Writes each file's compressed twins beside it, which the server sends to browsers that
/// accept them (`Content-Encoding`): `.gz` by zopfli (gzip that any decoder reads, a few
/// per cent smaller than `gzip -9`) and `.br` by brotli at its best quality. Compressing
/// once at build time lets both take their time; the server compresses nothing as it
/// answers.
fn precompress(files: &[PathBuf]) -> Result<()> {
    in_parallel(files, |file| {
        let data = fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let mut gz = Vec::new();
        zopfli::compress(
            zopfli::Options::default(),
            zopfli::Format::Gzip,
            &data[..],
            &mut gz,
        )
        .map_err(|e| format!("cannot gzip {}: {e}", file.display()))?;
        let mut br = Vec::new();
        let params = brotli::enc::BrotliEncoderParams {
            quality: 11,
            lgwin: 22,
            ..Default::default()
        };
        brotli::BrotliCompress(&mut &data[..], &mut br, &params)
            .map_err(|e| format!("cannot brotli {}: {e}", file.display()))?;
        for (ending, bytes) in [("gz", gz), ("br", br)] {
            let mut name = file.as_os_str().to_owned();
            name.push(format!(".{ending}"));
            fs::write(&name, bytes)
                .map_err(|e| format!("cannot write {}: {e}", Path::new(&name).display()))?;
        }
        Ok(())
    })
}

/// The files of `pkg` that browsers download: the Wasm, the JavaScript and the CSS.
fn site_files(pkg: &Path) -> Result<Vec<PathBuf>> {
    let entries = fs::read_dir(pkg).map_err(|e| format!("cannot list {}: {e}", pkg.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| format!("cannot list {}: {e}", pkg.display()))?
            .path();
        if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("wasm" | "js" | "css")
        ) {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Minifies an ES module in place with `terser` (npm, beside binaryen): wasm-bindgen's
/// glue shrinks by a quarter, gzip aside. Exported names stay, as other modules import them.
fn minify(root: &Path, script: &Path) -> Result<()> {
    run(Command::new("node")
        .arg(node_tool(root, "terser/bin/terser")?)
        .arg(script)
        .args(["--module", "--compress", "--mangle", "--output"])
        .arg(script))
}

/// Splits `input` (linked with --emit-relocs, see .cargo/config.toml) at the lazy routes:
/// the main module goes to `main_out`, the chunks and their loader to `pkg`; returns the
/// chunks, and which of them each page needs.
fn split(input: &Path, main_out: &Path, pkg: &Path) -> Result<(Vec<PathBuf>, packs::Manifest)> {
    let wasm = fs::read(input).map_err(|e| format!("cannot read {}: {e}", input.display()))?;
    let main_module = format!("./{}.js", site().output_name);
    let mut options = wasm_split_cli_support::Options::new(&wasm);
    options.output_dir = pkg;
    options.main_out_path = main_out;
    options.main_module = &main_module;
    options.link_name = SPLIT_LINK_NAME;
    let split = wasm_split_cli_support::transform(options)
        .map_err(|e| format!("cannot split {}: {e:#}", input.display()))?;
    let manifest = split.prefetch_map.into_iter().collect();
    Ok((split.split_modules, manifest))
}

/// Replaces this process with the server `build_all` built, run from the workspace root
/// as `cargo leptos serve` ran it.
fn serve(build: Server) -> Result<()> {
    use std::os::unix::process::CommandExt;
    let root = root();
    let server = target_dir(&root).join(build.profile_dir()).join("server");
    say(&format!("starting Latchkey on http://{}", site().site_addr));
    let error = Command::new(&server)
        .current_dir(&root)
        .envs(leptos_env())
        .exec();
    Err(format!("cannot start {}: {error}", server.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_build_replaces_the_last_whole_and_leaves_nothing_of_it() {
        let dir = std::env::temp_dir().join(format!("xtask-swap-{}", std::process::id()));
        let (live, next) = (dir.join("pkg"), dir.join("pkg.next"));
        fs::create_dir_all(&live).unwrap();
        fs::create_dir_all(&next).unwrap();
        fs::write(live.join("chunk_1.wasm"), "old").unwrap();
        fs::write(live.join("latchkey.css"), "old").unwrap();
        fs::write(next.join("latchkey.css"), "new").unwrap();

        swap_in(&next, &live).unwrap();

        assert_eq!(
            fs::read_to_string(live.join("latchkey.css")).unwrap(),
            "new"
        );
        assert!(
            !live.join("chunk_1.wasm").exists(),
            "a chunk of the last build lingers"
        );
        assert!(!next.exists() && !dir.join("pkg.old").exists());
        fs::remove_dir_all(&dir).unwrap();
    }
}
