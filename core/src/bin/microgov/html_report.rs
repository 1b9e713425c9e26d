//! `microgov report`: one self-contained HTML page about the apps in folders, for a review
//! meeting (the page itself is `microgov::view::report`).

use crate::args::{ContextArgs, EngineArgs};
use crate::audit_common::{audit_error, must_exist};
use crate::common::{
    build_context, build_engine, describe_core, exit, load, parse_window, read_option_file, CliError, CliResult,
};
use crate::progress::{par_map, Progress};
use crate::report::evaluate;
use microgov::audit::{verify, LogSource};
use microgov::view::report::{AppView, AuditSection, Entry, Report};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folders (or files) holding the manifests.
    #[arg(required = true, value_name = "FOLDER")]
    pub paths: Vec<PathBuf>,
    /// The HTML file to write.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: PathBuf,
    /// List apps that expire within this window, or have expired (like 14d, 2w, 36h); the
    /// bundle data's `lifecycle.expiring_within_days` by default.
    #[arg(long, value_name = "DURATION")]
    pub within: Option<String>,
    /// An audit log (file or postgres:// URL) whose verification status the report shows.
    #[arg(long, value_name = "LOG")]
    pub audit: Option<PathBuf>,
    /// A checkpoint (or checkpoints file) to verify the audit log against.
    #[arg(long, value_name = "FILE", requires = "audit")]
    pub audit_checkpoint: Option<PathBuf>,
    /// The checkpoint signer's public key file.
    #[arg(long, value_name = "FILE", requires = "audit_checkpoint")]
    pub audit_key: Option<PathBuf>,
    #[command(flatten)]
    pub engine: EngineArgs,
    #[command(flatten)]
    pub context: ContextArgs,
}

pub fn run(args: Args) -> CliResult<u8> {
    let window = args.within.as_deref().map(parse_window).transpose().map_err(CliError::input)?;
    let engine = build_engine(&args.engine)?;
    let ctx = build_context(&args.context)?;
    let now = ctx.now.unwrap_or_else(chrono::Utc::now);
    let days = engine.settings().expiring_within_days;
    let window_text = args.within.as_deref().map_or_else(|| format!("{days}d"), |w| w.trim().to_string());
    let window = window.unwrap_or_else(|| chrono::Duration::days(days));
    let audit = match &args.audit {
        None => None,
        Some(log) => {
            must_exist(log)?;
            let checkpoint = args.audit_checkpoint.as_deref().map(|p| read_option_file(p, "checkpoint")).transpose()?;
            let key = args.audit_key.as_deref().map(|p| read_option_file(p, "public key")).transpose()?;
            // Tampering is the report's finding; a malformed key or checkpoint is the user's error.
            let result = verify(LogSource::from(log), checkpoint.as_deref(), key.as_deref().map(str::trim))
                .map_err(audit_error)?;
            Some(AuditSection { log: log.display().to_string(), result: Ok(result) })
        }
    };
    let items = load(&engine, &args.paths, true)?;
    let reports = evaluate(&engine, &ctx, items, true);
    let mut progress = Progress::new(reports.len(), "drawing");
    let entries = par_map(
        &reports,
        &mut progress,
        |r| {
            let app = match (&r.result, &r.manifest) {
                (Ok(d), Some(m)) => AppView::of(&engine, m, d.clone(), now, window).map_err(describe_core),
                (Err(f), _) => Err(f.describe(&r.shown)),
                (Ok(_), None) => Err("no manifest".to_string()),
            };
            Entry { file: r.shown.clone(), app }
        },
        || Entry { file: String::new(), app: Err("drawing panicked (a bug in microgov, please report it)".into()) },
    );
    progress.finish();
    let invalid = entries.iter().any(|e| e.app.is_err());
    let report = Report {
        generated_at: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        sources: args.paths.iter().map(|p| p.display().to_string()).collect(),
        window: window_text,
        entries,
        audit,
    };
    std::fs::write(&args.output, report.to_html()).map_err(|e| {
        CliError::input(format!("cannot write {}: {}", args.output.display(), crate::common::io_message(&e)))
    })?;
    Ok(if invalid { exit::INVALID } else { exit::OK })
}
