//! A page's Wasm in one file. The split leaves each page a module of its own and a chunk
//! for each set of pages that share code: the token list needed 106 files, and on a link
//! with 100 ms of latency their requests, six at a time, took longer than the bytes. Here
//! each page's modules are written end to end into one file, its pack
//! (`pack_<page>.wasm`, which is a pack of Wasm modules rather than one); the manifest the
//! server reads to preload a page's modules then names the pack alone; and the split
//! loader is taught to take modules out of packs (`packs.js`). The single files stay
//! beside the packs, for a later page whose modules are mostly loaded already.

use std::{collections::BTreeMap, fs, path::Path};

/// A split's name to the files (without `.wasm`) its page needs: the split's manifest.
pub type Manifest = BTreeMap<String, Vec<String>>;

/// The page a split is for: `__tokens_route_view_4177641900008693595` is `tokens`.
pub fn page_name(split: &str) -> String {
    let name = split.trim_matches('_');
    let name = name.rsplit_once('_').map_or(name, |(name, _hash)| name);
    name.strip_suffix("_route_view").unwrap_or(name).to_owned()
}

/// The packs of a split's build in `pkg`: writes `pack_<page>.wasm` for each page of
/// `manifest`, returns the manifest that names the packs, and the split loader's source
/// `loader` taught to fetch from them.
pub fn write(pkg: &Path, manifest: &Manifest, loader: &str) -> Result<(Manifest, String), String> {
    let mut modules: Vec<(String, usize)> = Vec::new();
    let mut packs: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut packed = Manifest::new();
    for (split, needs) in manifest {
        let pack = format!("pack_{}", page_name(split));
        let mut bytes = Vec::new();
        let mut members = Vec::new();
        for module in needs {
            let path = pkg.join(format!("{module}.wasm"));
            let wasm =
                fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let index = match modules.iter().position(|(name, _)| name == module) {
                Some(index) => index,
                None => {
                    modules.push((module.clone(), wasm.len()));
                    modules.len() - 1
                }
            };
            members.push(index);
            bytes.extend_from_slice(&wasm);
        }
        let path = pkg.join(format!("{pack}.wasm"));
        fs::write(&path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        if packs.insert(pack.clone(), members).is_some() {
            return Err(format!("two splits make the same pack, {pack}"));
        }
        packed.insert(split.clone(), vec![pack]);
    }
    Ok((packed, teach(loader, &modules, &packs)?))
}

/// The split loader with each module fetched by `fetchModule` (`packs.js`, appended with
/// the build's table of modules and packs).
fn teach(
    loader: &str,
    modules: &[(String, usize)],
    packs: &BTreeMap<String, Vec<usize>>,
) -> Result<String, String> {
    const FETCH: &str = "fetch(new URL(\"./";
    const END: &str = ".wasm\", import.meta.url))";
    let mut taught = String::with_capacity(loader.len());
    let mut rest = loader;
    let mut fetches = 0;
    while let Some(start) = rest.find(FETCH) {
        let after = &rest[start + FETCH.len()..];
        let end = after
            .find(END)
            .ok_or("the split loader's fetch has an unexpected form")?;
        let module = &after[..end];
        if !module
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(format!(
                "the split loader fetches an unexpected file, {module}"
            ));
        }
        taught.push_str(&rest[..start]);
        taught.push_str(&format!("fetchModule(\"{module}\")"));
        rest = &after[end + END.len()..];
        fetches += 1;
    }
    taught.push_str(rest);
    if fetches == 0 {
        return Err("the split loader fetches no module: has wasm-split's output changed?".into());
    }
    let table = |value: serde_json::Value| value.to_string();
    let runtime = include_str!("packs.js")
        .replacen(
            "/* MODULES */",
            &table(serde_json::json!(modules
                .iter()
                .map(|(name, size)| serde_json::json!([name, size]))
                .collect::<Vec<_>>())),
            1,
        )
        .replacen("/* PACKS */", &table(serde_json::json!(packs)), 1);
    Ok(taught + "\n" + &runtime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_split_is_named_by_its_page() {
        assert_eq!(
            page_name("__tokens_route_view_4177641900008693595"),
            "tokens"
        );
        assert_eq!(
            page_name("__new_token_route_view_4177641900008693595"),
            "new_token"
        );
    }

    #[test]
    fn each_page_gets_one_file_of_its_modules_and_the_loader_fetches_by_name() {
        let pkg = std::env::temp_dir().join(format!("xtask-packs-{}", std::process::id()));
        fs::create_dir_all(&pkg).unwrap();
        for (name, bytes) in [("chunk_1", "AAA"), ("split_a", "bb"), ("split_b", "c")] {
            fs::write(pkg.join(format!("{name}.wasm")), bytes).unwrap();
        }
        let manifest = Manifest::from([
            (
                "__a_route_view_1".into(),
                vec!["chunk_1".into(), "split_a".into()],
            ),
            (
                "__b_route_view_1".into(),
                vec!["chunk_1".into(), "split_b".into()],
            ),
        ]);
        let loader = "const x = () => { const src = fetch(new URL(\"./chunk_1.wasm\", \
                      import.meta.url)); };\nconst y = fetch(new URL(\"./split_a.wasm\", \
                      import.meta.url));";

        let (packed, taught) = write(&pkg, &manifest, loader).unwrap();

        assert_eq!(
            fs::read_to_string(pkg.join("pack_a.wasm")).unwrap(),
            "AAAbb"
        );
        assert_eq!(fs::read_to_string(pkg.join("pack_b.wasm")).unwrap(), "AAAc");
        assert_eq!(packed["__a_route_view_1"], vec!["pack_a".to_owned()]);
        assert!(taught.starts_with(
            "const x = () => { const src = fetchModule(\"chunk_1\"); };\n\
             const y = fetchModule(\"split_a\");"
        ));
        assert!(
            taught.contains("const MODULES = [[\"chunk_1\",3],[\"split_a\",2],[\"split_b\",1]];")
        );
        assert!(taught.contains("const PACKS = {\"pack_a\":[0,1],\"pack_b\":[0,2]};"));
        assert!(!taught.contains("/* MODULES */") && !taught.contains("new URL(\"./"));
        fs::remove_dir_all(&pkg).unwrap();
    }

    #[test]
    fn a_loader_of_another_form_is_refused_rather_than_left_fetching_single_files() {
        let pkg = std::env::temp_dir();
        let refused = write(&pkg, &Manifest::new(), "import('./chunk_1.wasm')");
        assert!(refused.unwrap_err().contains("fetches no module"));
    }
}
