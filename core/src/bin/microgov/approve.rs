//! `microgov approve`: writes an approval bound to a manifest's material view as it is now
//! (`core/docs/approvals.md`), one YAML list item, for `>> approvals.yaml`.

use crate::args::EngineArgs;
use crate::common::{build_engine, load_single, parse_now, CliError, CliResult};
use microgov::model::approval::approvals_from_value;
use microgov::model::ApprovalStatus;
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
    #[command(flatten)]
    pub engine: EngineArgs,
}

pub fn run(args: Args) -> CliResult<u8> {
    let engine = build_engine(&args.engine)?;
    let item = load_single(&engine, &args.manifest, "approve takes one manifest file")?;
    let app = &item.manifest;
    let granted = parse_now(args.granted.as_deref())?;
    let mut scope = serde_json::Map::new();
    for (key, v) in
        [("exception", &args.scope_exception), ("dataset", &args.scope_dataset), ("connector", &args.scope_connector)]
    {
        if let Some(v) = v {
            scope.insert(key.into(), json!(v));
        }
    }
    let mut doc = json!({
        "id": args.id.clone().unwrap_or_else(|| "pending".into()),
        "app": app.metadata.name,
        "approver": args.approver,
        "roles": args.roles,
        "grantedAt": granted.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "expiresAt": args.expires,
    });
    if !scope.is_empty() {
        doc["scope"] = Value::Object(scope);
    }
    if let Some(j) = &args.justification {
        doc["justification"] = json!(j);
    }
    let mut approval = approvals_from_value(&Value::Array(vec![doc]))
        .map_err(|problems| {
            let lines: Vec<String> =
                problems.iter().map(|p| format!("  {} at {}: {}", p.code, p.path, p.message)).collect();
            CliError::input(format!("invalid approval:\n{}", lines.join("\n")))
        })?
        .pop()
        .ok_or_else(|| CliError::input("no approval"))?;
    // Refuse what could never count for this app, rather than write it.
    let status = approval.status(app, granted, &engine.settings().approvals);
    if matches!(status, ApprovalStatus::SelfApproval | ApprovalStatus::ScopeMismatch | ApprovalStatus::RoleNotHeld) {
        return Err(CliError::input(format!("{}: this approval would be {status}, not written", item.shown)));
    }
    approval.bind_to(app);
    if args.id.is_none() {
        // From everything it says, so two approvals of one app get two ids.
        use sha2::{Digest, Sha256};
        let text = serde_json::to_string(&approval).unwrap_or_default();
        let hex: String = Sha256::digest(text.as_bytes()).iter().take(6).map(|b| format!("{b:02x}")).collect();
        approval.id = format!("{}-{hex}", app.metadata.name);
    }
    let value = serde_json::to_value(&approval).map_err(|e| CliError::input(format!("{}: {e}", item.shown)))?;
    let mut out = std::io::stdout().lock();
    out.write_all(yaml_item(&value).as_bytes())?;
    out.flush()?;
    Ok(crate::common::exit::OK)
}

/// One YAML list item: block keys in the approvals file's order, each value as JSON (a JSON
/// string, list or object is valid YAML), so it appends to an approvals file as it is.
fn yaml_item(v: &Value) -> String {
    const ORDER: [&str; 11] = [
        "id",
        "app",
        "approver",
        "roles",
        "scope",
        "granted_at",
        "expires_at",
        "justification",
        "revoked_at",
        "digest",
        "reviewed",
    ];
    let mut out = String::new();
    for (i, key) in ORDER.iter().enumerate() {
        let Some(value) = v.get(*key) else { continue };
        let name = match *key {
            "granted_at" => "grantedAt",
            "expires_at" => "expiresAt",
            "revoked_at" => "revokedAt",
            k => k,
        };
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
