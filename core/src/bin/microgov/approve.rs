//! `microgov approve`: writes an approval bound to a manifest's material view as it is now
//! (`core/docs/approvals.md`), one YAML list item, for `>> approvals.yaml`.

use crate::args::EngineArgs;
use crate::common::{build_engine, core_error, load_single, parse_now, CliError, CliResult};
use microgov::engine::Grant;
use microgov::model::Scope;
use serde_json::{json, Value};
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The manifest file the approval is for.
    #[arg(value_name = "MANIFEST")]
    pub manifest: PathBuf,
    /// A role the approver acts in (repeat for more).
    #[arg(long = "role", value_name = "ROLE", required = true)]
    pub roles: Vec<String>,
    /// Who approves (e-mail address).
    #[arg(long, value_name = "EMAIL")]
    pub approver: String,
    /// End of validity (RFC 3339).
    #[arg(long, value_name = "RFC3339")]
    pub expires: String,
    /// Start of validity (RFC 3339); now when not given.
    #[arg(long, value_name = "RFC3339")]
    pub granted: Option<String>,
    /// The approval's id; `<app>-<12 hex digits of the approval's hash>` when not given.
    #[arg(long, value_name = "ID")]
    pub id: Option<String>,
    /// Make it an exception of this kind (`pii.export`, `residency.transfer` ...).
    #[arg(long = "scope-exception", value_name = "KIND")]
    pub scope_exception: Option<String>,
    /// Scope it to this dataset.
    #[arg(long = "scope-dataset", value_name = "NAME")]
    pub scope_dataset: Option<String>,
    /// Scope it to this connector.
    #[arg(long = "scope-connector", value_name = "NAME")]
    pub scope_connector: Option<String>,
    /// Why it is granted (a ticket, a review).
    #[arg(long, value_name = "TEXT")]
    pub justification: Option<String>,
    /// Sign it with this key file (`PRIVATE+KEY+<approver>+...`, from `microgov audit keygen`);
    /// a decision then checks the signature against the key the approver directory holds.
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    #[command(flatten)]
    pub engine: EngineArgs,
}

pub fn run(args: Args) -> CliResult<u8> {
    let engine = build_engine(&args.engine)?;
    let item = load_single(&engine, &args.manifest, "approve takes one manifest file")?;
    let key = args.key.as_deref().map(crate::audit::read_key).transpose()?;
    let scope = Scope {
        exception: args.scope_exception.clone(),
        dataset: args.scope_dataset.clone(),
        connector: args.scope_connector.clone(),
    };
    let grant = Grant {
        approver: args.approver.clone(),
        roles: args.roles.clone(),
        expires_at: parse_time("--expires", &args.expires)?,
        granted_at: parse_now(args.granted.as_deref())?,
        scope: (scope != Scope::default()).then_some(scope),
        justification: args.justification.clone(),
        id: args.id.clone(),
    };
    let approval = engine.grant(&item.manifest, &grant, key.as_ref()).map_err(|e| match e {
        // Each problem on its own line, with its code and the member it points at.
        microgov::Error::Manifest(m) => {
            let lines: Vec<String> =
                m.problems.iter().map(|p| format!("  {} at {}: {}", p.code, p.path, p.message)).collect();
            CliError::input(format!("{}: invalid approval:\n{}", item.shown, lines.join("\n")))
        }
        other => core_error(&item.shown, other),
    })?;
    let mut out = std::io::stdout().lock();
    out.write_all(yaml_item(&approval.to_document()).as_bytes())?;
    out.flush()?;
    Ok(crate::common::exit::OK)
}

fn parse_time(flag: &str, text: &str) -> CliResult<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| CliError::input(format!("{flag} {text:?} is not an RFC 3339 time: {e}")))
}

/// One YAML list item: block keys in the approvals file's order, each value as JSON (a JSON
/// string, list or object is valid YAML), so it appends to an approvals file as it is.
fn yaml_item(v: &Value) -> String {
    let mut out = String::new();
    for (i, key) in microgov::model::approval::FILE_KEYS.iter().enumerate() {
        let Some(value) = v.get(*key) else { continue };
        let name = *key;
        out.push_str(if i == 0 { "- " } else { "  " });
        match value {
            Value::Object(parts) if *key == "reviewed" => {
                out.push_str("reviewed:\n");
                for (part, digest) in parts {
                    out.push_str(&format!("    {}: {}\n", json!(part), digest));
                }
            }
            other => out.push_str(&format!("{name}: {other}\n")),
        }
    }
    out
}
