//! `microgov explain`: one decision taken apart: risk factors, each
//! violation with its Rego rule and manifest line, what would waive it, and
//! how each supplied approval was judged.

use crate::args::{ColorChoice, ContextArgs, EngineArgs};
use crate::common::{build_context, build_engine, core_error, exit, load_single, CliResult};
use crate::style::Style;
use clap::ValueEnum;
use microgov::engine::ExplainedViolation;
use microgov::model::locate::SourceMap;
use microgov::model::ApprovalStatus;
use serde_json::{json, Value};
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people.
    Text,
    /// The explanation as JSON.
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The manifest file.
    #[arg(value_name = "MANIFEST")]
    pub manifest: PathBuf,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Include the input document the policies read (JSON only; for `opa eval`).
    #[arg(long)]
    pub with_input: bool,
    #[command(flatten)]
    pub engine: EngineArgs,
    #[command(flatten)]
    pub context: ContextArgs,
}

/// Who may waive a violation, in words.
fn waiver_text(engine: &microgov::Engine, e: &ExplainedViolation) -> Option<String> {
    let kind = e.waivable_by.as_ref()?;
    let v = &e.violation;
    let mut scope = Vec::new();
    if let Some(d) = &v.dataset {
        scope.push(format!("dataset {d}"));
    }
    if let Some(c) = &v.connector {
        scope.push(format!("connector {c}"));
    }
    let mut s = format!("by an exception {kind}");
    if !scope.is_empty() {
        s.push_str(&format!(" scoped to {}", scope.join(", ")));
    }
    if let Some(rule) = engine.settings().approvals.exceptions.get(kind) {
        if !rule.roles.is_empty() {
            s.push_str(&format!(", granted by a holder of {}", rule.roles.join(" or ")));
        }
        if rule.requires_byok {
            s.push_str(", with the dataset encrypted by the tenant's own key (encryption: byok)");
        }
    }
    s.push_str(", who does not own the app");
    Some(s)
}

pub fn run(args: Args, color: ColorChoice) -> CliResult<u8> {
    let engine = build_engine(&args.engine)?;
    let ctx = build_context(&args.context)?;
    let item =
        load_single(&engine, &args.manifest, "explain takes one manifest file (use `microgov check` for folders)")?;
    let manifest = &item.manifest;
    let explanation = engine.explain(manifest, &ctx).map_err(|e| core_error(&item.shown, e))?;
    let map = SourceMap::new(&item.text);
    let d = &explanation.decision;
    let approval_info = |id: &str| ctx.approvals.iter().find(|a| a.id == id);

    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if args.format == Format::Json {
        let explain_one = |e: &ExplainedViolation| -> Value {
            let pointer = e.violation.pointer_in(manifest);
            let at = map.locate(&pointer);
            let mut v = serde_json::to_value(e).unwrap_or(Value::Null);
            v["location"] = json!({"file": item.shown, "line": at.line, "column": at.column, "pointer": pointer});
            if let Some(rule) = e.waivable_by.as_ref().and_then(|k| engine.settings().approvals.exceptions.get(k)) {
                v["exception_rule"] = serde_json::to_value(rule).unwrap_or(Value::Null);
            }
            v
        };
        let approvals: Vec<Value> = d
            .approvals
            .iter()
            .map(|u| {
                let mut v = json!({"id": u.id, "status": u.status});
                if let Some(x) = explanation.approvals.iter().find(|x| x.id == u.id) {
                    v["reason"] = json!(x.reason);
                    if !x.changes.is_empty() {
                        v["changes"] = json!(x.changes);
                    }
                }
                if let Some(a) = approval_info(&u.id) {
                    v["approval"] = serde_json::to_value(a).unwrap_or(Value::Null);
                }
                v
            })
            .collect();
        let mut doc = json!({
            "file": item.shown,
            "decision": d,
            "violations": explanation.violations.iter().map(explain_one).collect::<Vec<_>>(),
            "waived": explanation.waived.iter().map(explain_one).collect::<Vec<_>>(),
            "approvals": approvals,
            "native_packages": explanation.native_packages,
        });
        if args.with_input {
            doc["input"] = explanation.input.clone();
        }
        serde_json::to_writer_pretty(&mut out, &doc).map_err(std::io::Error::from)?;
        writeln!(out)?;
        out.flush()?;
        return Ok(exit::OK);
    }

    let s = Style::stdout(color);
    writeln!(out, "{}  {}", s.bold(&d.app), s.dim(&format!("({})", item.shown)))?;
    writeln!(out, "  outcome   {}", s.outcome(&d.outcome.as_str().to_ascii_uppercase(), 0))?;
    writeln!(out, "  tier      {} (score {} of 100)", s.tier(d.tier.as_str(), 0), d.risk.score)?;
    writeln!(out, "  owner     {}", manifest.metadata.owner)?;
    writeln!(out, "  expires   {}", manifest.metadata.expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))?;
    writeln!(out, "  evaluated {}", d.evaluated_at)?;
    let native = if explanation.native_packages.is_empty() {
        "none: every rule ran in Rego".to_string()
    } else {
        format!("{} (their .rego rules, run in Rust)", explanation.native_packages.join(", "))
    };
    writeln!(out, "  native    {native}")?;

    writeln!(out, "\n{}", s.bold("Risk factors"))?;
    let width = d.risk.factors.iter().map(|f| f.factor.len()).max().unwrap_or(0);
    for f in &d.risk.factors {
        writeln!(out, "  {:>+4}  {:<width$}  {}", f.points, f.factor, f.detail)?;
        if !f.remedy.is_empty() {
            writeln!(out, "  {:>4}  {:<width$}  {}", "", "", s.dim(&format!("to lower: {}", f.remedy)))?;
        }
    }
    if d.risk.factors.is_empty() {
        writeln!(out, "  none")?;
    }

    let describe = |out: &mut dyn Write, e: &ExplainedViolation, mark: String| -> std::io::Result<()> {
        let v = &e.violation;
        writeln!(out, "  {mark} {} [{}]", s.bold(&format!("{}.{}", v.policy, v.rule)), v.severity)?;
        writeln!(out, "      {}", v.message)?;
        let pointer = v.pointer_in(manifest);
        let at = map.locate(&pointer);
        writeln!(out, "      {:<9} {}:{}:{} {}", "manifest", item.shown, at.line, at.column, s.dim(&pointer))?;
        match &e.source {
            Some(site) => {
                let title = site.metadata.title.as_ref().map(|t| format!(" \"{t}\"")).unwrap_or_default();
                writeln!(
                    out,
                    "      {:<9} {}:{} {}{title}",
                    "rule",
                    site.file,
                    site.line,
                    s.dim(&format!("(data.{}.{})", site.package, site.head))
                )?;
            }
            None => writeln!(out, "      {:<9} {}", "rule", s.dim("source not found"))?,
        }
        if let Some(fix) = &v.remediation {
            writeln!(out, "      {:<9} {fix}", "fix")?;
        }
        if let Some(w) = waiver_text(&engine, e) {
            writeln!(out, "      {:<9} {w}", "waivable")?;
        }
        Ok(())
    };

    writeln!(out, "\n{}", s.bold(&format!("Violations ({})", explanation.violations.len())))?;
    for e in &explanation.violations {
        describe(&mut out, e, s.red_bold("x"))?;
    }
    if explanation.violations.is_empty() {
        writeln!(out, "  none")?;
    }
    if !explanation.waived.is_empty() {
        writeln!(out, "\n{}", s.bold(&format!("Waived ({})", explanation.waived.len())))?;
        for (e, w) in explanation.waived.iter().zip(d.waived.iter()) {
            describe(&mut out, e, s.dim("~"))?;
            writeln!(out, "      {:<9} approval {}", "waived by", w.approval_id)?;
        }
    }
    if !d.warnings.is_empty() {
        writeln!(out, "\n{}", s.bold(&format!("Warnings ({})", d.warnings.len())))?;
        for w in &d.warnings {
            writeln!(out, "  {} {}.{}: {}", s.yellow("!"), w.policy, w.rule, w.message)?;
        }
    }
    writeln!(out, "\n{}", s.bold(&format!("Approvals still required ({})", d.required_approvals.len())))?;
    for a in &d.required_approvals {
        let scope = [
            a.dataset.as_ref().map(|x| format!("dataset {x}")),
            a.connector.as_ref().map(|x| format!("connector {x}")),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>();
        let scope = if scope.is_empty() { String::new() } else { format!(" ({})", scope.join(", ")) };
        writeln!(out, "  {} {}{scope}: {}", s.yellow("?"), a.role, a.reason)?;
    }
    if d.required_approvals.is_empty() {
        writeln!(out, "  none")?;
    }
    let relevant: Vec<_> = d.approvals.iter().filter(|u| u.status != ApprovalStatus::WrongApp).collect();
    let others = d.approvals.len() - relevant.len();
    writeln!(out, "\n{}", s.bold(&format!("Approvals supplied ({})", relevant.len())))?;
    let idw = relevant.iter().map(|u| u.id.len()).max().unwrap_or(0);
    for u in &relevant {
        let status = if u.status == ApprovalStatus::Valid {
            s.green(&format!("{:<14}", u.status.as_str()))
        } else {
            s.red(&format!("{:<14}", u.status.as_str()))
        };
        let detail = approval_info(&u.id)
            .map(|a| {
                let mut t = format!("{} by {}", a.roles.join("+"), a.approver);
                if let Some(sc) = &a.scope {
                    let parts: Vec<String> = [
                        sc.exception.as_ref().map(|x| format!("exception {x}")),
                        sc.dataset.as_ref().map(|x| format!("dataset {x}")),
                        sc.connector.as_ref().map(|x| format!("connector {x}")),
                    ]
                    .into_iter()
                    .flatten()
                    .collect();
                    t.push_str(&format!(" ({})", parts.join(", ")));
                }
                t.push_str(&format!(", expires {}", a.expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)));
                t
            })
            .unwrap_or_default();
        writeln!(out, "  {:<idw$}  {status} {detail}", u.id)?;
        if u.status != ApprovalStatus::Valid {
            if let Some(x) = explanation.approvals.iter().find(|x| x.id == u.id) {
                writeln!(out, "  {:<idw$}  {}", "", s.dim(&x.reason))?;
            }
        }
    }
    if relevant.is_empty() {
        writeln!(
            out,
            "  none{}",
            if args.context.approvals.is_empty() { " (pass them with --approvals FILE)" } else { "" }
        )?;
    }
    if others > 0 {
        writeln!(out, "  {}", s.dim(&format!("{others} approval(s) for other apps ignored")))?;
    }
    out.flush()?;
    Ok(exit::OK)
}
