//! Stock OPA beside microgov: where OPA is and which bundle folders it loads (the
//! differential test's; `benches/opa/bench.sh` looks the same way).

#![allow(dead_code)]

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
