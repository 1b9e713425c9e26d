//! `microgov check`: the CI gate. Evaluates every manifest on all cores and
//! reports in text, JSON, SARIF, JUnit or GitHub annotations.

use crate::args::{ColorChoice, ContextArgs, EngineArgs};
use crate::common::{build_context, build_engine, load, CliError, CliResult};
use crate::format;
use crate::report::{evaluate, Summary};
use crate::style::Style;
use clap::ValueEnum;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people: one line per app, violations below it, a summary.
    Text,
    /// Every decision, for tools.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// JUnit XML: a test suite per app, a test case per policy.
    Junit,
    /// GitHub Actions workflow annotations.
    Github,
}

/// Which outcomes fail the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Denied apps exit 1; apps that await approvals exit 3.
    Deny,
    /// Apps that await approvals fail too (exit 1), and are reported as errors.
    Review,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Manifest files, or folders to search for them.
    #[arg(required = true, value_name = "MANIFEST_OR_FOLDER")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Which outcomes fail the gate.
    #[arg(long, value_enum, default_value_t = FailOn::Deny)]
    pub fail_on: FailOn,
    /// Write the report to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub engine: EngineArgs,
    #[command(flatten)]
    pub context: ContextArgs,
}

/// CPU time of the whole process so far (user + system, all threads), from
/// `/proc/self/stat`; 0 where that is not available.
fn process_cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which may hold spaces) start after ')'.
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of proc_pid_stat(5), the 12th and 13th after ')'; ticks of 1/100 s.
    (ticks(11) + ticks(12)) / 100.0
}

pub fn run(args: Args, color: ColorChoice) -> CliResult<u8> {
    // MICROGOV_TIMINGS=1 prints how long each phase took, for benchmarks.
    let timings = std::env::var_os("MICROGOV_TIMINGS").is_some();
    let start = std::time::Instant::now();
    let mut cpu_before = process_cpu_seconds();
    let mut phase = |name: &str, since: &mut std::time::Instant| {
        if timings {
            let cpu = process_cpu_seconds();
            eprintln!("microgov: {name} {:.3} s wall, {:.3} s cpu", since.elapsed().as_secs_f64(), cpu - cpu_before);
            cpu_before = cpu;
        }
        *since = std::time::Instant::now();
    };
    let mut t = start;
    let engine = build_engine(&args.engine)?;
    let ctx = build_context(&args.context)?;
    phase("engine", &mut t);
    let items = load(&engine, &args.paths, true)?;
    phase("read+validate", &mut t);
    let reports = evaluate(&engine, &ctx, items, true);
    phase("evaluate", &mut t);
    let summary = Summary::of(&reports);
    let fail_on_review = args.fail_on == FailOn::Review;
    let code = summary.exit_code(fail_on_review);
    let opts = format::Options { fail_on_review, exit_code: code };

    let to_file = args.output.is_some();
    let sink: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::fs::File::create(path).map_err(|e| {
            CliError::input(format!("cannot write {}: {}", path.display(), crate::common::io_message(&e)))
        })?),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = std::io::BufWriter::new(sink);
    let style = if to_file { Style::stdout(ColorChoice::Never) } else { Style::stdout(color) };
    match args.format {
        Format::Text => format::text::write(&mut out, &reports, &summary, &opts, &style)?,
        Format::Json => format::json::write(&mut out, &reports, &summary, &opts)?,
        Format::Sarif => format::sarif::write(&mut out, &engine, &reports, &opts)?,
        Format::Junit => format::junit::write(&mut out, &engine, &reports, &opts)?,
        Format::Github => format::github::write_check(&mut out, &reports, &summary, &opts)?,
    }
    out.flush()?;
    drop(out);
    phase("report", &mut t);
    // Machine formats keep standard output clean; people at a terminal
    // still get the summary, on standard error.
    if args.format != Format::Text
        && args.format != Format::Github
        && std::io::IsTerminal::is_terminal(&std::io::stderr())
    {
        eprintln!("{}", Style::stderr(color).bold(&summary.line()));
    }
    Ok(code)
}
