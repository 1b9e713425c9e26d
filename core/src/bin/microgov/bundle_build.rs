//! `microgov bundle build`: an OPA bundle tarball from a policy folder.

use crate::args::ColorChoice;
use crate::common::{core_error, exit, io_message, CliError, CliResult};
use crate::style::Style;
use microgov::bundle::{package_of, Bundle};
use microgov::{Engine, EngineOptions};
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The policy folder (*.rego, data.json or data.yaml, optional .manifest).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// The tarball to write.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: PathBuf,
    /// The revision to record (default: the folder's .manifest revision, else a content digest).
    #[arg(long)]
    pub revision: Option<String>,
    /// Leave *_test.rego files out of the bundle.
    #[arg(long)]
    pub exclude_tests: bool,
}

fn is_bundle_file(name: &str) -> bool {
    name.ends_with(".rego") || matches!(name, ".manifest" | "data.json" | "data.yaml" | "data.yml")
}

/// Bundle files under `dir`, bundle-relative with `/` separators, sorted.
fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) -> CliResult<()> {
    let rd = std::fs::read_dir(dir)
        .map_err(|e| CliError::input(format!("cannot read {}: {}", dir.display(), io_message(&e))))?;
    for entry in rd.flatten() {
        let p = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if p.is_dir() {
            if !name.starts_with('.') {
                collect(root, &p, out)?;
            }
        } else if is_bundle_file(&name) {
            let rel = p.strip_prefix(root).unwrap_or(&p).to_string_lossy().replace('\\', "/");
            out.push((rel, p));
        }
    }
    Ok(())
}

/// Roots that cover every package and every data path: the packages, then
/// each data path not under one of them.
fn derive_roots(bundle: &Bundle) -> Vec<String> {
    let mut roots: Vec<String> =
        bundle.files.iter().filter_map(|f| package_of(&f.source)).map(|p| p.replace('.', "/")).collect();
    fn covered(path: &str, roots: &[String]) -> bool {
        roots.iter().any(|r| path == r || path.starts_with(&format!("{r}/")))
    }
    fn leads_to_root(path: &str, roots: &[String]) -> bool {
        roots.iter().any(|r| r.starts_with(&format!("{path}/")))
    }
    fn walk(v: &Value, prefix: &str, roots: &mut Vec<String>) {
        let Some(m) = v.as_object() else { return };
        for (k, child) in m {
            let p = if prefix.is_empty() { k.clone() } else { format!("{prefix}/{k}") };
            if covered(&p, roots) {
                continue;
            }
            if leads_to_root(&p, roots) && child.is_object() {
                walk(child, &p, roots);
            } else {
                roots.push(p);
            }
        }
    }
    walk(&bundle.data, "", &mut roots);
    roots.sort();
    roots.dedup();
    // Drop roots nested in another root.
    let all = roots.clone();
    roots.retain(|r| !all.iter().any(|o| o != r && r.starts_with(&format!("{o}/"))));
    roots
}

pub fn run(args: Args, color: ColorChoice) -> CliResult<u8> {
    let dir = &args.dir;
    if !dir.is_dir() {
        return Err(CliError::input(format!("{} is not a folder", dir.display())));
    }
    let bundle = Bundle::from_dir(dir).map_err(|e| core_error("cannot build the bundle", e))?;
    if bundle.files.is_empty() {
        return Err(CliError::input(format!("{} holds no .rego files", dir.display())));
    }
    // Compile the policies now, so a broken file fails the build, not the
    // deploy. The bundled data stands in for the settings the engine reads
    // (catalog, risk model) without the bundled policies, whose roots the
    // folder may share (rebuilding a bundled policy).
    let bundled_data =
        Engine::new().map(|e| e.data().clone()).map_err(|e| core_error("cannot load the bundled data", e))?;
    Engine::with_options(EngineOptions {
        without_bundled: true,
        policy_dirs: vec![dir.clone()],
        data: Some(bundled_data),
        ..EngineOptions::default()
    })
    .map_err(|e| core_error("cannot build the bundle", e))?;

    let mut files = Vec::new();
    collect(dir, dir, &mut files)?;
    files.sort();
    let mut manifest: Value = match files.iter().find(|(rel, _)| rel == ".manifest") {
        Some((_, p)) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| CliError::input(format!("cannot read {}: {}", p.display(), io_message(&e))))?;
            let v: Value = serde_json::from_str(&text)
                .map_err(|e| CliError::input(format!("{}:{}: invalid .manifest: {e}", p.display(), e.line())))?;
            if !v.is_object() {
                return Err(CliError::input(format!("{}: .manifest must be a JSON object", p.display())));
            }
            v
        }
        None => json!({}),
    };
    let revision = args.revision.clone().unwrap_or_else(|| bundle.revision.clone());
    manifest["revision"] = json!(revision);
    if manifest.get("roots").is_none() {
        manifest["roots"] = json!(derive_roots(&bundle));
    }
    let manifest_bytes = serde_json::to_vec_pretty(&manifest).map_err(|e| CliError::input(e.to_string()))?;

    let write = |out: &Path| -> std::io::Result<()> {
        let file = std::fs::File::create(out)?;
        let gz = flate2::write::GzEncoder::new(file, flate2::Compression::default());
        let mut tar = tar::Builder::new(gz);
        let mut add = |rel: &str, bytes: &[u8]| -> std::io::Result<()> {
            let mut h = tar::Header::new_gnu();
            h.set_size(u64::try_from(bytes.len()).unwrap_or(u64::MAX));
            h.set_mode(0o644);
            h.set_mtime(0);
            h.set_entry_type(tar::EntryType::Regular);
            h.set_cksum();
            tar.append_data(&mut h, rel, bytes)
        };
        add(".manifest", &manifest_bytes)?;
        for (rel, path) in &files {
            if rel == ".manifest" || (args.exclude_tests && rel.ends_with("_test.rego")) {
                continue;
            }
            add(rel, &std::fs::read(path)?)?;
        }
        tar.into_inner()?.finish()?.flush()
    };
    write(&args.output)
        .map_err(|e| CliError::input(format!("cannot write {}: {}", args.output.display(), io_message(&e))))?;

    // Read it back as a host would.
    let loaded = Bundle::from_tarball(&args.output).map_err(|e| core_error("the written bundle does not load", e))?;
    let tests = loaded.files.iter().filter(|f| f.is_test).count();
    let s = Style::stdout(color);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    writeln!(
        out,
        "{} {}: revision {}, roots [{}], {} policy file(s) ({} test), data {}",
        s.green("wrote"),
        args.output.display(),
        loaded.revision,
        loaded.roots.join(", "),
        loaded.files.len(),
        tests,
        if loaded.data.as_object().is_some_and(|o| !o.is_empty()) { "yes" } else { "none" }
    )?;
    Ok(exit::OK)
}
