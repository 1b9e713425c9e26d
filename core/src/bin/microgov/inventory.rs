//! `microgov inventory`: one row per app for platform teams: who owns it, its tier and
//! score, the outcome, missing approvals, where it stands in its lifecycle, why a file is
//! invalid, and which files declare the same app name (`core/docs/inventory.md`).

use crate::args::{ColorChoice, ContextArgs, EngineArgs};
use crate::common::{build_context, build_engine, exit, first_line, load, parse_window, CliError, CliResult, Failure};
use crate::report::{evaluate, Report};
use crate::style::Style;
use chrono::{DateTime, Utc};
use clap::ValueEnum;
use microgov::model::lifecycle::{self, LifecycleState};
use microgov::model::{parse_document, sniff_format, Limits};
use serde::Serialize;
use std::collections::BTreeMap;
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

/// One app: the columns `microgov.inventory` gives in Python, in the same order and with
/// the same names (`core/docs/inventory.md`). An invalid file is a row too, with outcome
/// `invalid`, its `reason`, and only the columns its text still tells.
#[derive(Debug, Serialize)]
struct Row {
    name: Option<String>,
    owner: Option<String>,
    department: Option<String>,
    environment: Option<String>,
    template: Option<String>,
    tier: Option<String>,
    score: Option<u32>,
    outcome: String,
    violation_count: Option<usize>,
    required_approvals: Vec<String>,
    lifecycle: Option<String>,
    days_left: Option<i64>,
    expires_at: Option<String>,
    source: String,
    reason: String,
    duplicate_of: Vec<String>,
}

/// The column names, in order (the CSV header, the JSON keys).
const COLUMNS: [&str; 16] = [
    "name",
    "owner",
    "department",
    "environment",
    "template",
    "tier",
    "score",
    "outcome",
    "violation_count",
    "required_approvals",
    "lifecycle",
    "days_left",
    "expires_at",
    "source",
    "reason",
    "duplicate_of",
];

/// How many of an invalid file's problems its `reason` names.
const REASON_PROBLEMS: usize = 3;

/// Why a file has no decision, in one line: its first problems as `code at path: message`
/// (the same words Python's inventory gives).
fn reason(f: &Failure) -> String {
    match f {
        Failure::Io(m) => format!("io: {m}"),
        Failure::Eval { code, message, .. } => format!("{code}: {message}"),
        Failure::Invalid(e) => {
            let problems = e.problems();
            let mut parts: Vec<String> = problems
                .iter()
                .take(REASON_PROBLEMS)
                .map(|p| match p.path.as_str() {
                    "" => format!("{}: {}", p.code, p.message),
                    path => format!("{} at {path}: {}", p.code, p.message),
                })
                .collect();
            if problems.len() > REASON_PROBLEMS {
                parts.push(format!("and {} more", problems.len() - REASON_PROBLEMS));
            }
            if parts.is_empty() {
                first_line(e)
            } else {
                parts.join("; ")
            }
        }
    }
}

/// A string at `/metadata/<key>` of a document that did not validate, when it still reads.
fn raw_metadata(doc: Option<&serde_json::Value>, key: &str) -> Option<String> {
    doc?.get("metadata")?.get(key)?.as_str().map(str::to_string)
}

fn row(r: &Report, now: DateTime<Utc>, within_days: i64, limits: &Limits) -> Row {
    let (Ok(d), Some(m)) = (&r.result, &r.manifest) else {
        let doc = parse_document(&r.text, sniff_format(&r.text), limits).ok();
        let why = match &r.result {
            Err(f) => reason(f),
            Ok(_) => "internal: no manifest for the decision".to_string(),
        };
        return Row {
            name: raw_metadata(doc.as_ref(), "name"),
            owner: raw_metadata(doc.as_ref(), "owner"),
            department: raw_metadata(doc.as_ref(), "department"),
            environment: None,
            template: None,
            tier: None,
            score: None,
            outcome: "invalid".into(),
            violation_count: None,
            required_approvals: Vec::new(),
            lifecycle: None,
            days_left: None,
            expires_at: None,
            source: r.shown.clone(),
            reason: why,
            duplicate_of: Vec::new(),
        };
    };
    let state = lifecycle::state(m, now, within_days);
    let days_left = match state {
        LifecycleState::Active { days_left } | LifecycleState::Expiring { days_left } => Some(days_left),
        LifecycleState::Expired { days_ago } => Some(-days_ago),
        LifecycleState::Retired => None,
    };
    let mut missing: Vec<String> = d.required_approvals.iter().map(|a| a.role.clone()).collect();
    missing.sort();
    missing.dedup();
    Row {
        name: Some(d.app.clone()),
        owner: Some(m.metadata.owner.clone()),
        department: m.metadata.department.clone(),
        environment: Some(m.spec.environment.as_str().to_string()),
        template: m.spec.template.clone(),
        tier: Some(d.tier.as_str().to_string()),
        score: Some(d.risk.score),
        outcome: d.outcome.as_str().to_string(),
        violation_count: Some(d.violations.len()),
        required_approvals: missing,
        lifecycle: Some(state.as_str().to_string()),
        days_left,
        expires_at: Some(m.metadata.expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        source: r.shown.clone(),
        reason: String::new(),
        duplicate_of: Vec::new(),
    }
}

/// Fills `duplicate_of`: each row whose name another file also declares lists those files.
fn flag_duplicates(rows: &mut [Row]) {
    let mut by_name: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in rows.iter() {
        if let Some(n) = &r.name {
            by_name.entry(n.clone()).or_default().push(r.source.clone());
        }
    }
    for r in rows.iter_mut() {
        if let Some(sources) = r.name.as_ref().and_then(|n| by_name.get(n)) {
            r.duplicate_of = sources.iter().filter(|s| **s != r.source).cloned().collect();
        }
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The row's cells as text, in column order (`-` for none in the table, empty in CSV).
fn cells(r: &Row, none: &str) -> Vec<String> {
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| none.to_string());
    let num = |v: Option<String>| v.unwrap_or_else(|| none.to_string());
    let list = |v: &[String], sep: &str| if v.is_empty() { none.to_string() } else { v.join(sep) };
    vec![
        opt(&r.name),
        opt(&r.owner),
        opt(&r.department),
        opt(&r.environment),
        opt(&r.template),
        opt(&r.tier),
        num(r.score.map(|s| s.to_string())),
        r.outcome.clone(),
        num(r.violation_count.map(|s| s.to_string())),
        list(&r.required_approvals, " "),
        opt(&r.lifecycle),
        num(r.days_left.map(|s| s.to_string())),
        opt(&r.expires_at),
        r.source.clone(),
        if r.reason.is_empty() { none.to_string() } else { r.reason.clone() },
        list(&r.duplicate_of, " "),
    ]
}

fn tier_rank(t: Option<&str>) -> u8 {
    match t {
        Some("high") => 0,
        Some("medium") => 1,
        Some(_) => 2,
        None => 3,
    }
}

fn outcome_rank(o: &str) -> u8 {
    match o {
        "invalid" => 0,
        "deny" => 1,
        "review" => 2,
        _ => 3,
    }
}

fn sort(rows: &mut [Row], key: SortKey) {
    let name = |r: &Row| r.name.clone().unwrap_or_default();
    match key {
        SortKey::Name => rows.sort_by(|a, b| name(a).cmp(&name(b)).then(a.source.cmp(&b.source))),
        SortKey::Tier => rows.sort_by(|a, b| {
            tier_rank(a.tier.as_deref())
                .cmp(&tier_rank(b.tier.as_deref()))
                .then(b.score.cmp(&a.score))
                .then(name(a).cmp(&name(b)))
        }),
        // Rows without an expiry (invalid files) last.
        SortKey::Expiry => rows.sort_by(|a, b| {
            (a.expires_at.is_none(), &a.expires_at)
                .cmp(&(b.expires_at.is_none(), &b.expires_at))
                .then(name(a).cmp(&name(b)))
        }),
        SortKey::Outcome => {
            rows.sort_by(|a, b| outcome_rank(&a.outcome).cmp(&outcome_rank(&b.outcome)).then(name(a).cmp(&name(b))))
        }
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
    let limits = engine.settings().parse.limits;
    let mut failed = false;
    for r in &reports {
        if let Err(f) = &r.result {
            failed = true;
            eprintln!(
                "{} {} (listed as invalid; `microgov validate {}` lists every problem)",
                err_style.red_bold("error:"),
                f.describe(&r.shown),
                r.shown
            );
        }
    }
    let mut rows: Vec<Row> = reports.iter().map(|r| row(r, now, within_days, &limits)).collect();
    // Duplicates among every file read, before the window leaves some out.
    flag_duplicates(&mut rows);
    for r in rows.iter().filter(|r| !r.duplicate_of.is_empty()) {
        eprintln!(
            "{} app name {} in {} is also declared in {}",
            err_style.yellow("warning:"),
            r.name.as_deref().unwrap_or_default(),
            r.source,
            r.duplicate_of.join(", ")
        );
    }
    if let Some(w) = window {
        // An invalid row has no known expiry: it stays listed.
        let cut = now + w;
        rows.retain(|r| match r.expires_at.as_deref().map(DateTime::parse_from_rfc3339) {
            Some(Ok(at)) => at.with_timezone(&Utc) <= cut,
            _ => true,
        });
    }
    sort(&mut rows, args.sort);

    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &rows).map_err(std::io::Error::from)?;
            writeln!(out)?;
        }
        Format::Csv => {
            writeln!(out, "{}", COLUMNS.join(","))?;
            for r in &rows {
                let fields: Vec<String> = cells(r, "").iter().map(|c| csv_field(c)).collect();
                writeln!(out, "{}", fields.join(","))?;
            }
        }
        Format::Table => table(&mut out, &rows, &args, within_days, Style::stdout(color))?,
    }
    out.flush()?;
    Ok(if failed { exit::INVALID } else { exit::OK })
}

/// Aligned columns (headers are the column names in capitals), then the summary line.
fn table(out: &mut impl Write, rows: &[Row], args: &Args, within_days: i64, s: Style) -> std::io::Result<()> {
    let headers: Vec<String> = COLUMNS.iter().map(|c| c.replace('_', " ").to_uppercase()).collect();
    let body: Vec<Vec<String>> = rows.iter().map(|r| cells(r, "-")).collect();
    let last = COLUMNS.len() - 1;
    let widths: Vec<usize> = (0..COLUMNS.len())
        .map(|i| body.iter().map(|c| c[i].chars().count()).max().unwrap_or(0).max(headers[i].len()))
        .collect();
    let line = |cells: &[String], paint: &dyn Fn(usize, &str, usize) -> String| {
        let parts: Vec<String> =
            cells.iter().enumerate().map(|(i, c)| if i == last { c.clone() } else { paint(i, c, widths[i]) }).collect();
        parts.join("  ").trim_end().to_string()
    };
    writeln!(out, "{}", s.bold(&line(&headers, &|_, c, w| format!("{c:<w$}"))))?;
    let tier = COLUMNS.iter().position(|c| *c == "tier");
    let outcome = COLUMNS.iter().position(|c| *c == "outcome");
    let life = COLUMNS.iter().position(|c| *c == "lifecycle");
    let numeric = ["score", "violation_count", "days_left"];
    for cells in &body {
        let painted = line(cells, &|i, c, w| {
            if Some(i) == tier {
                s.tier(c, w)
            } else if Some(i) == outcome {
                s.outcome(c, w)
            } else if Some(i) == life && c == "expired" {
                s.red(&format!("{c:<w$}"))
            } else if Some(i) == life && c == "expiring" {
                s.yellow(&format!("{c:<w$}"))
            } else if numeric.contains(&COLUMNS[i]) {
                format!("{c:>w$}")
            } else {
                format!("{c:<w$}")
            }
        });
        writeln!(out, "{painted}")?;
    }
    // With --within, "expiring" means within the window given (every listed app not
    // yet expired or retired), written as the user wrote it.
    let dated = |r: &&Row| r.lifecycle.is_some();
    let (expiring, within) = match args.within.as_deref() {
        Some(w) => (
            rows.iter()
                .filter(dated)
                .filter(|r| !matches!(r.lifecycle.as_deref(), Some("expired" | "retired")))
                .count(),
            w.trim().to_string(),
        ),
        None => (rows.iter().filter(|r| r.lifecycle.as_deref() == Some("expiring")).count(), format!("{within_days}d")),
    };
    let count = |f: &dyn Fn(&Row) -> bool| rows.iter().filter(|r| f(r)).count();
    let expired = count(&|r| r.lifecycle.as_deref() == Some("expired"));
    let denied = count(&|r| r.outcome == "deny");
    let review = count(&|r| r.outcome == "review");
    let invalid = count(&|r| r.outcome == "invalid");
    let duplicates = count(&|r| !r.duplicate_of.is_empty());
    let mut summary = format!(
        "\n{} app(s): {denied} denied, {review} awaiting approval, {expiring} expiring within {within}, {expired} expired",
        rows.len()
    );
    if invalid > 0 {
        summary.push_str(&format!(", {invalid} invalid"));
    }
    if duplicates > 0 {
        summary.push_str(&format!(", {duplicates} sharing a name"));
    }
    writeln!(out, "{summary}")
}
