//! `microgov check`: the CI gate. Evaluates every manifest on all cores and
//! reports in text, JSON, SARIF, JUnit or GitHub annotations.

use crate::common::{build_context, build_engine, exit, load, to_failure, CliError, CliResult, Failure, Item};
use crate::format;
use crate::progress::Progress;
use crate::style::Style;
use crate::{ColorChoice, ContextArgs, EngineArgs};
use clap::ValueEnum;
use microgov::{Decision, Manifest, Outcome};
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

/// The result for one file.
pub struct Report {
    /// The path as shown to the user.
    pub shown: String,
    /// The file's text (for locating pointers).
    pub text: String,
    /// The manifest, when it is valid.
    pub manifest: Option<Manifest>,
    /// The decision, or why there is none.
    pub result: Result<Decision, Failure>,
}

impl Report {
    /// The app's name, or the file's stem when it has no valid manifest.
    pub fn name(&self) -> String {
        match (&self.result, &self.manifest) {
            (Ok(d), _) => d.app.clone(),
            (_, Some(m)) => m.metadata.name.clone(),
            _ => std::path::Path::new(&self.shown)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| self.shown.clone()),
        }
    }

    /// `allow`, `review`, `deny` or `invalid`.
    pub fn outcome(&self) -> &'static str {
        match &self.result {
            Ok(d) => d.outcome.as_str(),
            Err(_) => "invalid",
        }
    }

    /// The JSON pointer of a dataset or connector by name, for findings that name one.
    pub fn pointer_of(&self, dataset: Option<&str>, connector: Option<&str>) -> String {
        let Some(m) = &self.manifest else {
            return "/metadata/name".into();
        };
        if let Some(i) = connector.and_then(|c| m.spec.connectors.iter().position(|x| x.name == c)) {
            return format!("/spec/connectors/{i}");
        }
        if let Some(i) = dataset.and_then(|d| m.spec.datasets.iter().position(|x| x.name == d)) {
            return format!("/spec/datasets/{i}");
        }
        "/metadata/name".into()
    }
}

/// Counts per outcome.
#[derive(Debug, Default, Clone, Copy, serde::Serialize)]
pub struct Summary {
    pub total: usize,
    pub allow: usize,
    pub review: usize,
    pub deny: usize,
    pub invalid: usize,
}

impl Summary {
    pub fn of(reports: &[Report]) -> Summary {
        let mut s = Summary { total: reports.len(), ..Summary::default() };
        for r in reports {
            match &r.result {
                Ok(d) => match d.outcome {
                    Outcome::Allow => s.allow += 1,
                    Outcome::Review => s.review += 1,
                    Outcome::Deny => s.deny += 1,
                },
                Err(_) => s.invalid += 1,
            }
        }
        s
    }

    /// The exit code: invalid input first, then deny, then review.
    pub fn exit_code(&self, fail_on: FailOn) -> u8 {
        if self.invalid > 0 {
            exit::INVALID
        } else if self.deny > 0 {
            exit::DENY
        } else if self.review > 0 {
            if fail_on == FailOn::Review {
                exit::DENY
            } else {
                exit::REVIEW
            }
        } else {
            exit::OK
        }
    }

    /// `14 apps: 2 allowed, 3 need review, 8 denied, 1 invalid`.
    pub fn line(&self) -> String {
        format!(
            "{} app(s) checked: {} allowed, {} need review, {} denied, {} invalid",
            self.total, self.allow, self.review, self.deny, self.invalid
        )
    }
}

/// Manifests handed to `evaluate_many` at a time.
const EVAL_CHUNK: usize = 256;

/// Evaluates every valid manifest (in parallel) and pairs each file with its result.
pub fn evaluate(
    engine: &microgov::Engine,
    ctx: &microgov::Context,
    items: Vec<Item>,
    show_progress: bool,
) -> Vec<Report> {
    let mut manifests = Vec::new();
    let mut slots = Vec::with_capacity(items.len());
    for item in items {
        match item.result {
            Ok(m) => {
                slots.push((item.shown, item.text, None));
                manifests.push(m);
            }
            Err(f) => slots.push((item.shown, item.text, Some(f))),
        }
    }
    let mut progress = if show_progress { Progress::new(manifests.len(), "checking") } else { Progress::hidden() };
    // Chunks, each on all cores: room to redraw the bar, and a thread held
    // up by a busy core delays one chunk rather than the whole run
    // (`evaluate_many` gives each thread a fixed share).
    let mut decisions: Vec<microgov::Result<Decision>> = Vec::with_capacity(manifests.len());
    for chunk in manifests.chunks(EVAL_CHUNK) {
        decisions.extend(engine.evaluate_many(chunk, ctx));
        progress.set(decisions.len());
    }
    progress.finish();
    let mut decisions = decisions.into_iter();
    let mut manifests = manifests.into_iter();
    slots
        .into_iter()
        .map(|(shown, text, failure)| match failure {
            Some(f) => Report { shown, text, manifest: None, result: Err(f) },
            None => {
                let manifest = manifests.next();
                let result = decisions
                    .next()
                    .map(|r| r.map_err(to_failure))
                    .unwrap_or_else(|| Err(Failure::Eval { code: "internal".into(), message: "no decision".into() }));
                Report { shown, text, manifest, result }
            }
        })
        .collect()
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
    let code = summary.exit_code(args.fail_on);
    let opts = format::Options { fail_on_review: args.fail_on == FailOn::Review, exit_code: code };

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
