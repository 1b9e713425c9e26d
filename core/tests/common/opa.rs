//! Stock OPA beside microgov: where OPA is, which bundles it loads, and the entry module
//! that gathers every package's collected heads as the engine's own does. Shared by the
//! differential test and `core/examples/input_document.rs --entry FILE`.

#![allow(dead_code)]

use microgov::Engine;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The bundle folders OPA loads, each with `-b` (`policy-bundles/<each>`, relative to `root`).
pub fn bundle_dirs(root: &Path) -> Vec<String> {
    let mut dirs: Vec<String> = std::fs::read_dir(root.join("policy-bundles"))
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter(|e| e.path().is_dir())
                .map(|e| format!("policy-bundles/{}", e.file_name().to_string_lossy()))
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}

/// The rule heads the engine collects from every package (`engine::COLLECTED`).
pub const HEADS: [&str; 5] = ["violation", "deny", "warn", "obligation", "required_approval"];

/// Stock OPA: `MICROGOV_OPA`, else on `PATH`, in `$GOPATH/bin` or `~/go/bin` (as
/// `tests/cli_policies.rs` looks, and where `scripts/test-all.sh` installs it).
pub fn find() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = std::env::var_os("MICROGOV_OPA").map(PathBuf::from).into_iter().collect();
    if let Some(p) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&p).map(|d| d.join("opa")));
    }
    if let Some(g) = std::env::var_os("GOPATH") {
        candidates.push(Path::new(&g).join("bin/opa"));
    }
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(Path::new(&home).join("go/bin/opa"));
    }
    candidates.into_iter().find(|p| p.is_file())
}

/// The rule heads of [`HEADS`] a source defines at column 0, as the engine finds them
/// (`engine::heads_of`): a package's data may hold a key of the same name (the egress
/// bundle's `deny` list), which is not a rule.
pub fn heads_of(source: &str) -> Vec<&'static str> {
    HEADS
        .into_iter()
        .filter(|h| {
            source.lines().any(|line| {
                line.strip_prefix(h)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '[', '{', ':', '=', '\t']))
            })
        })
        .collect()
}

/// The module that gathers every package's heads under `data.microgov_entry.result`, as
/// the engine's own entry module does (`x = ...` so an undefined value adds nothing).
pub fn entry_module(engine: &Engine) -> String {
    let mut packages: BTreeMap<String, Vec<&'static str>> = BTreeMap::new();
    for f in engine.bundles().iter().flat_map(|b| b.files.iter()).filter(|f| !f.is_test) {
        let Some(p) = microgov::bundle::package_of(&f.source) else { continue };
        let heads = packages.entry(p).or_default();
        for h in heads_of(&f.source) {
            if !heads.contains(&h) {
                heads.push(h);
            }
        }
    }
    let mut s = String::from("package microgov_entry\n\nimport rego.v1\n\nresult := {\n");
    for (p, heads) in packages.iter().filter(|(_, h)| !h.is_empty()) {
        let r: String = p.split('.').map(|seg| format!("[\"{seg}\"]")).collect();
        s.push_str(&format!("  \"{p}\": {{\n"));
        for h in heads {
            s.push_str(&format!("    \"{h}\": [x | x = data{r}.{h}],\n"));
        }
        s.push_str("  },\n");
    }
    s.push_str("}\n");
    s
}
