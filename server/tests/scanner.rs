//! The secret-scanning rule the README ships (for gitleaks) finds every token Latchkey
//! generates, and nothing in the project's own files.

use regex::Regex;
use std::{path::Path, process::Command};

/// The `regex = '''…'''` of the gitleaks rule in the README.
fn readme_rule(root: &Path) -> Regex {
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let rule = readme
        .split("id = \"latchkey-api-token\"")
        .nth(1)
        .expect("the README has the gitleaks rule");
    let pattern = rule
        .split("regex = '''")
        .nth(1)
        .and_then(|r| r.split("'''").next())
        .expect("the rule has a regex");
    Regex::new(pattern).unwrap()
}

#[test]
fn the_gitleaks_rule_finds_generated_tokens_and_nothing_in_the_project() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let rule = readme_rule(root);

    for _ in 0..10_000 {
        let token = latchkey_core::tokens::format::generate().plaintext;
        let line = format!("LATCHKEY_TOKEN={token} # the ERP's");
        let found = rule.captures(&line).expect("a generated token is found");
        assert_eq!(&found[1], token, "found whole");
    }
    let token = latchkey_core::tokens::format::generate().plaintext;
    assert!(
        !rule.is_match(&token[..token.len() - 1]),
        "one character short"
    );
    assert!(!rule.is_match(&format!("{token}x")), "one character long");
    assert!(!rule.is_match("lk_Ab12Cd34Ef56_••••••"), "a masked token");

    let files = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(root)
        .output()
        .expect("git lists the project's files");
    assert!(files.status.success());
    let mut scanned = 0;
    for path in String::from_utf8(files.stdout).unwrap().split('\0') {
        let Ok(text) = std::fs::read_to_string(root.join(path)) else {
            continue; // not text, or not in this checkout
        };
        let found: Vec<&str> = rule.find_iter(&text).map(|m| m.as_str()).collect();
        assert!(
            found.is_empty(),
            "{path} holds something like a token: {found:?}"
        );
        scanned += 1;
    }
    assert!(scanned > 100, "scanned {scanned} files");
}
