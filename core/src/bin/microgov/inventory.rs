//! `microgov inventory`: one line per app (tier, outcome, expiry, missing
//! approvals) for platform teams.

use crate::args::{ColorChoice, ContextArgs, EngineArgs};
use crate::common::{build_context, build_engine, exit, load, parse_window, CliError, CliResult};
use crate::report::evaluate;
use crate::style::Style;
use clap::ValueEnum;
use microgov::model::lifecycle::{self, LifecycleState};
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns for people.
    Table,
    /// A list of objects.
    Json,
    /// RFC 4180 CSV with a header row.
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortKey {
    /// Highest risk first.
    Tier,
    /// By app name.
    Name,
    /// Soonest expiry first.
    Expiry,
    /// Denied first, then review, then allowed.
    Outcome,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folders (or files) holding the manifests.
    #[arg(required = true, value_name = "FOLDER")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Sort order.
    #[arg(long, value_enum, default_value_t = SortKey::Name)]
    pub sort: SortKey,
    /// Only apps that expire within this window, or have expired (like 14d, 2w, 36h, 90min).
    #[arg(long, value_name = "DURATION")]
    pub within: Option<String>,
    #[command(flatten)]
    pub engine: EngineArgs,
    #[command(flatten)]
    pub context: ContextArgs,
}

#[derive(Debug, Serialize)]
struct Row {
    app: String,
    tier: String,
    score: u32,
    outcome: String,
    expires_at: String,
    lifecycle: String,
    days_left: i64,
    missing_approvals: Vec<String>,
    violations: usize,
    owner: String,
    file: String,
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn tier_rank(t: &str) -> u8 {
    match t {
        "high" => 0,
        "medium" => 1,
        _ => 2,
    }
}

fn outcome_rank(o: &str) -> u8 {
    match o {
        "deny" => 0,
        "review" => 1,
        _ => 2,
    }
}

pub fn run(args: Args, color: ColorChoice) -> CliResult<u8> {
    let window = args.within.as_deref().map(parse_window).transpose().map_err(CliError::input)?;
    let engine = build_engine(&args.engine)?;
    let ctx = build_context(&args.context)?;
    let now = ctx.now.unwrap_or_else(chrono::Utc::now);
    let items = load(&engine, &args.paths, true)?;
    let reports = evaluate(&engine, &ctx, items, true);
    let err_style = Style::stderr(color);
    let within_days = engine.settings().expiring_within_days;
    let mut failed = false;
    let mut rows = Vec::new();
    for r in &reports {
        let (Ok(d), Some(m)) = (&r.result, &r.manifest) else {
            failed = true;
            let why = r.result.as_ref().err().map(|f| f.describe(&r.shown)).unwrap_or_else(|| r.shown.clone());
            eprintln!(
                "{} {why} (left out; `microgov validate {}` lists every problem)",
                err_style.red_bold("error:"),
                r.shown
            );
            continue;
        };
        let left = m.metadata.expires_at - now;
        if window.is_some_and(|w| left > w) {
            continue;
        }
        let state = lifecycle::state(m, now, within_days);
        let days_left = match state {
            LifecycleState::Active { days_left } | LifecycleState::Expiring { days_left } => days_left,
            LifecycleState::Expired { days_ago } => -days_ago,
            LifecycleState::Retired => left.num_days(),
        };
        let mut missing: Vec<String> = d.required_approvals.iter().map(|a| a.role.clone()).collect();
        missing.sort();
        missing.dedup();
        rows.push(Row {
            app: d.app.clone(),
            tier: d.tier.as_str().to_string(),
            score: d.risk.score,
            outcome: d.outcome.as_str().to_string(),
            expires_at: m.metadata.expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            lifecycle: state.as_str().to_string(),
            days_left,
            missing_approvals: missing,
            violations: d.violations.len(),
            owner: m.metadata.owner.clone(),
            file: r.shown.clone(),
        });
    }
    match args.sort {
        SortKey::Name => rows.sort_by(|a, b| a.app.cmp(&b.app).then(a.file.cmp(&b.file))),
        SortKey::Tier => rows.sort_by(|a, b| {
            tier_rank(&a.tier).cmp(&tier_rank(&b.tier)).then(b.score.cmp(&a.score)).then(a.app.cmp(&b.app))
        }),
        SortKey::Expiry => rows.sort_by(|a, b| a.expires_at.cmp(&b.expires_at).then(a.app.cmp(&b.app))),
        SortKey::Outcome => {
            rows.sort_by(|a, b| outcome_rank(&a.outcome).cmp(&outcome_rank(&b.outcome)).then(a.app.cmp(&b.app)))
        }
    }

    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &rows).map_err(std::io::Error::from)?;
            writeln!(out)?;
        }
        Format::Csv => {
            writeln!(
                out,
                "app,tier,score,outcome,expires_at,lifecycle,days_left,missing_approvals,violations,owner,file"
            )?;
            for r in &rows {
                let fields = [
                    csv_field(&r.app),
                    r.tier.clone(),
                    r.score.to_string(),
                    r.outcome.clone(),
                    r.expires_at.clone(),
                    r.lifecycle.clone(),
                    r.days_left.to_string(),
                    csv_field(&r.missing_approvals.join(" ")),
                    r.violations.to_string(),
                    csv_field(&r.owner),
                    csv_field(&r.file),
                ];
                writeln!(out, "{}", fields.join(","))?;
            }
        }
        Format::Table => {
            let s = Style::stdout(color);
            let w = |f: &dyn Fn(&Row) -> usize, title: &str| rows.iter().map(f).max().unwrap_or(0).max(title.len());
            let wa = w(&|r| r.app.len(), "APP");
            let wm = w(&|r| r.missing_approvals.join(",").len(), "MISSING APPROVALS");
            let wl = w(&|r| r.lifecycle.len() + 2 + r.days_left.abs().to_string().len() + 6, "LIFECYCLE");
            writeln!(
                out,
                "{}",
                s.bold(&format!(
                    "{:<wa$}  {:<6}  {:>5}  {:<7}  {:<10}  {:<wl$}  {:<wm$}  {}",
                    "APP", "TIER", "SCORE", "OUTCOME", "EXPIRES", "LIFECYCLE", "MISSING APPROVALS", "FILE"
                ))
            )?;
            for r in &rows {
                let life = match r.lifecycle.as_str() {
                    "expired" => format!("expired ({}d ago)", -r.days_left),
                    "retired" => "retired".to_string(),
                    other => format!("{other} ({}d)", r.days_left),
                };
                let life_painted = match r.lifecycle.as_str() {
                    "expired" => s.red(&format!("{life:<wl$}")),
                    "expiring" => s.yellow(&format!("{life:<wl$}")),
                    _ => format!("{life:<wl$}"),
                };
                let missing =
                    if r.missing_approvals.is_empty() { "-".to_string() } else { r.missing_approvals.join(",") };
                writeln!(
                    out,
                    "{:<wa$}  {}  {:>5}  {}  {:<10}  {life_painted}  {:<wm$}  {}",
                    r.app,
                    s.tier(&r.tier, 6),
                    r.score,
                    s.outcome(&r.outcome, 7),
                    r.expires_at.get(..10).unwrap_or(&r.expires_at),
                    missing,
                    s.dim(&r.file)
                )?;
            }
            // With --within, "expiring" means within the window given (every listed
            // app not yet expired or retired), written as the user wrote it.
            let (expiring, within) = match args.within.as_deref() {
                Some(w) => (
                    rows.iter().filter(|r| !matches!(r.lifecycle.as_str(), "expired" | "retired")).count(),
                    w.trim().to_string(),
                ),
                None => (rows.iter().filter(|r| r.lifecycle == "expiring").count(), format!("{within_days}d")),
            };
            let expired = rows.iter().filter(|r| r.lifecycle == "expired").count();
            let denied = rows.iter().filter(|r| r.outcome == "deny").count();
            let review = rows.iter().filter(|r| r.outcome == "review").count();
            writeln!(out, "\n{} app(s): {denied} denied, {review} awaiting approval, {expiring} expiring within {within}, {expired} expired", rows.len())?;
        }
    }
    out.flush()?;
    Ok(if failed { exit::INVALID } else { exit::OK })
}
