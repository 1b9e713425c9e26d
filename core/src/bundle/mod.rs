//! Policy bundles: the bundled ones embedded in the crate, folders, and OPA
//! bundle tarballs (`.tar.gz` with `.manifest`, `data.json`, `*.rego`).
//!
//! A bundle is read into memory once, checked (every Rego file parses, data
//! documents are JSON objects, packages lie under the manifest's roots), and
//! handed to the engine, which compiles all bundles together. Loading errors are
//! [`BundleError`]; [`rego_test`] runs a bundle's Rego unit tests.

mod diagnostic;
mod error;
mod metadata;
mod ownership;
pub mod rego_test;
mod site;

pub use error::BundleError;
pub(crate) use metadata::SourceIndex;
pub use metadata::{RuleMetadata, RuleSite};
pub use ownership::{check_overlap, check_owned, drop_replaced, settle};
pub use site::RuleSites;

use error::known_line;

use serde::Deserialize;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

include!(concat!(env!("OUT_DIR"), "/bundled.rs"));

/// Largest policy or data file read from disk or a tarball.
const MAX_FILE_BYTES: u64 = 4 << 20;
/// Largest tarball after decompression.
const MAX_TARBALL_BYTES: u64 = 64 << 20;

/// One Rego file of a bundle.
#[derive(Debug, Clone)]
pub struct PolicyFile {
    /// Where it came from: a path on disk, `bundle.tar.gz:/x.rego`, or
    /// `policy-bundles/residency/residency.rego` for bundled files.
    pub path: String,
    /// The Rego source.
    pub source: Arc<str>,
    /// A `*_test.rego` file: loaded only to run policy unit tests.
    pub is_test: bool,
}

/// A set of policies and data loaded together, like an OPA bundle.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// Folder or file name (`residency`, `team-policies`).
    pub name: String,
    /// The `.manifest` revision, or a content digest when there is none.
    pub revision: String,
    /// The `.manifest` roots (`microgov/residency`); empty when there is no manifest.
    pub roots: Vec<String>,
    /// Rego files.
    pub files: Vec<PolicyFile>,
    /// The data document, already placed at its paths (a JSON object).
    pub data: serde_json::Value,
}

#[derive(Deserialize)]
struct BundleManifest {
    #[serde(default)]
    revision: Option<String>,
    #[serde(default)]
    roots: Option<Vec<String>>,
}

/// Builds a bundle from (bundle-relative path, bytes) entries.
fn assemble(name: &str, origin: &str, entries: Vec<(String, Vec<u8>)>) -> Result<Bundle, BundleError> {
    let mut files = Vec::new();
    let mut data = serde_json::Value::Object(Default::default());
    let mut manifest: Option<BundleManifest> = None;
    let mut hasher_input: Vec<(String, Vec<u8>)> = Vec::new();
    for (rel, bytes) in entries {
        let rel = rel.trim_start_matches("./").trim_start_matches('/').to_string();
        let shown = format!("{origin}/{rel}");
        let file_name = rel.rsplit('/').next().unwrap_or(&rel).to_string();
        if file_name == ".manifest" {
            let m: BundleManifest = serde_json::from_slice(&bytes).map_err(|e| BundleError::BadBundle {
                file: shown.clone(),
                line: known_line(e.line()),
                message: format!("invalid .manifest: {e}"),
            })?;
            manifest = Some(m);
            continue;
        }
        if file_name.ends_with(".rego") {
            let source = String::from_utf8(bytes.clone()).map_err(|_| BundleError::BadBundle {
                file: shown.clone(),
                line: None,
                message: "rego file is not utf-8".into(),
            })?;
            files.push(PolicyFile { path: shown, source: source.into(), is_test: file_name.ends_with("_test.rego") });
            hasher_input.push((rel, bytes));
            continue;
        }
        if file_name == "data.json" || file_name == "data.yaml" || file_name == "data.yml" {
            let doc: serde_json::Value = if file_name == "data.json" {
                serde_json::from_slice(&bytes).map_err(|e| BundleError::BadData {
                    file: shown.clone(),
                    line: known_line(e.line()),
                    message: e.to_string(),
                })?
            } else {
                serde_yaml_ng::from_slice(&bytes).map_err(|e| BundleError::BadData {
                    file: shown.clone(),
                    line: e.location().map(|l| l.line()).and_then(known_line),
                    message: e.to_string(),
                })?
            };
            if !doc.is_object() {
                return Err(BundleError::BadData {
                    file: shown,
                    line: Some(1),
                    message: "a data document must be a JSON object".into(),
                });
            }
            let dir: Vec<&str> =
                rel.rsplit_once('/').map(|(d, _)| d.split('/').filter(|s| !s.is_empty()).collect()).unwrap_or_default();
            let mut placed = doc;
            for seg in dir.iter().rev() {
                let mut m = serde_json::Map::new();
                m.insert((*seg).to_string(), placed);
                placed = serde_json::Value::Object(m);
            }
            merge_data(&mut data, placed);
            hasher_input.push((rel, bytes));
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let revision = manifest
        .as_ref()
        .and_then(|m| m.revision.clone())
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| content_revision(&mut hasher_input));
    let roots = manifest.and_then(|m| m.roots).unwrap_or_default();
    let bundle = Bundle { name: name.to_string(), revision, roots, files, data };
    bundle.check_roots()?;
    Ok(bundle)
}

fn content_revision(entries: &mut [(String, Vec<u8>)]) -> String {
    use sha2::{Digest, Sha256};
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let mut h = Sha256::new();
    for (p, b) in entries.iter() {
        h.update(p.as_bytes());
        h.update([0]);
        h.update(b);
        h.update([0]);
    }
    let d = h.finalize();
    let hex: String = d.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Deep-merges `overlay` into `base`: objects merge key by key, anything else replaces.
pub fn merge_data(base: &mut serde_json::Value, overlay: serde_json::Value) {
    match (base, overlay) {
        (serde_json::Value::Object(b), serde_json::Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(slot) => merge_data(slot, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

/// The package path of a Rego source (`microgov.residency`), read from its
/// `package` line.
pub fn package_of(source: &str) -> Option<String> {
    source
        .lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix("package ").map(|p| p.split('#').next().unwrap_or("").trim().to_string()))
}

impl Bundle {
    /// The bundles embedded in this crate (`policy-bundles/*`).
    pub fn bundled() -> Result<Vec<Bundle>, BundleError> {
        let mut by_bundle: std::collections::BTreeMap<&str, Vec<(String, Vec<u8>)>> = Default::default();
        for (rel, contents) in BUNDLED_FILES {
            let (bundle, inner) = rel.split_once('/').unwrap_or(("", rel));
            by_bundle.entry(bundle).or_default().push((inner.to_string(), contents.as_bytes().to_vec()));
        }
        by_bundle
            .into_iter()
            .map(|(name, entries)| assemble(name, &format!("policy-bundles/{name}"), entries))
            .collect()
    }

    /// Reads a folder in OPA bundle layout (`.manifest` optional).
    pub fn from_dir(dir: &Path) -> Result<Bundle, BundleError> {
        let meta = std::fs::metadata(dir)
            .map_err(|e| BundleError::Io { path: dir.display().to_string(), message: e.to_string() })?;
        if !meta.is_dir() {
            return Err(BundleError::Io { path: dir.display().to_string(), message: "not a directory".into() });
        }
        let mut entries = Vec::new();
        walk(dir, dir, &mut entries)?;
        let name =
            dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| dir.display().to_string());
        let origin = dir.display().to_string();
        assemble(&name, origin.trim_end_matches('/'), entries)
    }

    /// Reads an OPA bundle tarball (`.tar.gz`).
    pub fn from_tarball(path: &Path) -> Result<Bundle, BundleError> {
        let shown = path.display().to_string();
        let file =
            std::fs::File::open(path).map_err(|e| BundleError::Io { path: shown.clone(), message: e.to_string() })?;
        let gz = flate2::read::GzDecoder::new(file).take(MAX_TARBALL_BYTES);
        let mut archive = tar::Archive::new(gz);
        let mut entries = Vec::new();
        let iter = archive.entries().map_err(|e| BundleError::BadBundle {
            file: shown.clone(),
            line: None,
            message: e.to_string(),
        })?;
        for entry in iter {
            let mut entry = entry.map_err(|e| BundleError::BadBundle {
                file: shown.clone(),
                line: None,
                message: format!("unreadable tarball: {e}"),
            })?;
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let rel = entry
                .path()
                .map_err(|e| BundleError::BadBundle { file: shown.clone(), line: None, message: e.to_string() })?
                .to_string_lossy()
                .into_owned();
            if rel.split('/').any(|s| s == "..") {
                return Err(BundleError::BadBundle {
                    file: format!("{shown}:{rel}"),
                    line: None,
                    message: "path escapes the bundle".into(),
                });
            }
            if entry.size() > MAX_FILE_BYTES {
                return Err(BundleError::BadBundle {
                    file: format!("{shown}:{rel}"),
                    line: None,
                    message: format!("file larger than {MAX_FILE_BYTES} bytes"),
                });
            }
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).map_err(|e| BundleError::BadBundle {
                file: format!("{shown}:{rel}"),
                line: None,
                message: format!("unreadable tarball: {e}"),
            })?;
            entries.push((rel, bytes));
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().trim_end_matches(".tar.gz").trim_end_matches(".tgz").to_string())
            .unwrap_or_default();
        let b = assemble(&name, &shown, entries)?;
        if b.files.is_empty() && b.data.as_object().is_none_or(|o| o.is_empty()) {
            return Err(BundleError::BadBundle {
                file: shown,
                line: None,
                message: "bundle holds no .rego or data files".into(),
            });
        }
        Ok(b)
    }

    /// Checks that every package and data path lies under the manifest's roots.
    fn check_roots(&self) -> Result<(), BundleError> {
        if self.roots.is_empty() || self.roots.iter().any(|r| r.is_empty()) {
            return Ok(());
        }
        let under = |path: &str| {
            self.roots.iter().any(|r| {
                let r = r.trim_matches('/');
                path == r || path.starts_with(&format!("{r}/"))
            })
        };
        for f in &self.files {
            if let Some(pkg) = package_of(&f.source) {
                let slashed = pkg.replace('.', "/");
                if !under(&slashed) {
                    let line = f
                        .source
                        .lines()
                        .position(|l| l.trim_start().starts_with("package "))
                        .map(|i| i + 1)
                        .unwrap_or(1);
                    return Err(BundleError::OutsideRoot {
                        file: f.path.clone(),
                        line,
                        path: pkg,
                        roots: self.roots.join(", "),
                    });
                }
            }
        }
        check_data_roots(&self.data, "", &self.roots).map_err(|p| BundleError::OutsideRoot {
            file: format!("{}/data.json", self.name),
            line: 1,
            path: p,
            roots: self.roots.join(", "),
        })
    }
}

/// Every data path must lie under a root, or be an object on the way to one.
fn check_data_roots(v: &serde_json::Value, prefix: &str, roots: &[String]) -> Result<(), String> {
    let Some(m) = v.as_object() else { return Ok(()) };
    for (k, child) in m {
        let p = if prefix.is_empty() { k.clone() } else { format!("{prefix}/{k}") };
        let under = roots.iter().any(|r| {
            let r = r.trim_matches('/');
            p == r || p.starts_with(&format!("{r}/"))
        });
        if under {
            continue;
        }
        let on_the_way = roots.iter().any(|r| r.trim_matches('/').starts_with(&format!("{p}/")));
        if on_the_way && child.is_object() {
            check_data_roots(child, &p, roots)?;
        } else {
            return Err(p);
        }
    }
    Ok(())
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) -> Result<(), BundleError> {
    let rd = std::fs::read_dir(dir)
        .map_err(|e| BundleError::Io { path: dir.display().to_string(), message: e.to_string() })?;
    let mut paths: Vec<_> = rd.filter_map(Result::ok).map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if p.is_dir() {
            if !name.starts_with('.') {
                walk(root, &p, out)?;
            }
            continue;
        }
        if !(name.ends_with(".rego")
            || name == ".manifest"
            || name == "data.json"
            || name == "data.yaml"
            || name == "data.yml")
        {
            continue;
        }
        let len = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
        if len > MAX_FILE_BYTES {
            return Err(BundleError::BadBundle {
                file: p.display().to_string(),
                line: None,
                message: format!("file larger than {MAX_FILE_BYTES} bytes"),
            });
        }
        let bytes =
            std::fs::read(&p).map_err(|e| BundleError::Io { path: p.display().to_string(), message: e.to_string() })?;
        let rel = p.strip_prefix(root).unwrap_or(&p).to_string_lossy().replace('\\', "/");
        out.push((rel, bytes));
    }
    Ok(())
}

/// How the loaded files of a package compare with the bundled files of that package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PackageSource {
    /// No loaded policy file is of that package.
    Absent,
    /// The loaded files of that package are the bundled ones, byte for byte, and no more.
    Bundled,
    /// Some file of that package is not a bundled one, or a bundled one is missing.
    Changed,
}

/// Compares the loaded (non-test) files of `package` with the bundled ones.
pub(crate) fn package_source<'a>(package: &str, files: impl IntoIterator<Item = &'a PolicyFile>) -> PackageSource {
    let of_package = |source: &str| package_of(source).is_some_and(|p| p == package);
    let mut loaded: Vec<&str> =
        files.into_iter().filter(|f| !f.is_test && of_package(&f.source)).map(|f| &*f.source).collect();
    if loaded.is_empty() {
        return PackageSource::Absent;
    }
    let mut bundled: Vec<&str> = BUNDLED_FILES
        .iter()
        .filter(|(rel, source)| rel.ends_with(".rego") && !rel.ends_with("_test.rego") && of_package(source))
        .map(|(_, source)| *source)
        .collect();
    loaded.sort_unstable();
    bundled.sort_unstable();
    if loaded == bundled {
        PackageSource::Bundled
    } else {
        PackageSource::Changed
    }
}

/// Adds one Rego file to an interpreter: Rego v1 first, then v0 for older files.
pub(crate) fn add_file(engine: &mut regorus::Engine, path: &str, source: &str) -> Result<(), BundleError> {
    match engine.add_policy(path.to_string(), source.to_string()) {
        Ok(_) => Ok(()),
        Err(v1_err) => {
            // Rego v0 files (no `if`/`contains`) are still common, as in the
            // seed articles; regorus records the syntax version per module.
            engine.set_rego_v0(true);
            let r = engine.add_policy(path.to_string(), source.to_string());
            engine.set_rego_v0(false);
            r.map(|_| ()).map_err(|_| BundleError::from_regorus_parse(path, &v1_err.to_string()))
        }
    }
}

/// Converts JSON to a regorus value without a text round trip.
pub(crate) fn to_regorus(v: &serde_json::Value) -> regorus::Value {
    use regorus::Value as R;
    match v {
        serde_json::Value::Null => R::Null,
        serde_json::Value::Bool(b) => R::from(*b),
        serde_json::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                R::from(i)
            } else if let Some(u) = n.as_u64() {
                R::from(u)
            } else {
                R::from(n.as_f64().unwrap_or(0.0))
            }
        }
        serde_json::Value::String(s) => R::from(s.as_str()),
        serde_json::Value::Array(a) => R::from(a.iter().map(to_regorus).collect::<Vec<_>>()),
        serde_json::Value::Object(o) => {
            let m: std::collections::BTreeMap<R, R> =
                o.iter().map(|(k, v)| (R::from(k.as_str()), to_regorus(v))).collect();
            R::from(m)
        }
    }
}
