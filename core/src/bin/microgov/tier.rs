//! `microgov tier`: risk tier, score and factors of each manifest.

use crate::args::{ColorChoice, EngineArgs};
use crate::common::{build_engine, exit, load, CliResult};
use crate::style::Style;
use clap::ValueEnum;
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The tier and score, then one line per factor.
    Text,
    /// A list of {file, app, tier, score, factors}.
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Manifest files, or folders to search for them.
    #[arg(required = true, value_name = "MANIFEST_OR_FOLDER")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    pub engine: EngineArgs,
}

pub fn run(args: Args, color: ColorChoice) -> CliResult<u8> {
    let engine = build_engine(&args.engine)?;
    let items = load(&engine, &args.paths, false)?;
    let style = Style::stdout(color);
    let err_style = Style::stderr(color);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let settings = engine.settings();
    let mut failed = false;
    let mut rows = Vec::new();
    for item in &items {
        let m = match &item.result {
            Ok(m) => m,
            Err(f) => {
                failed = true;
                eprintln!(
                    "{} {} (run `microgov validate {}` for every problem)",
                    err_style.red_bold("error:"),
                    f.describe(&item.shown),
                    item.shown
                );
                continue;
            }
        };
        let risk = microgov::risk::assess(m, &settings.risk, &settings.catalog);
        match args.format {
            Format::Json => rows.push(json!({
                "file": item.shown,
                "app": m.metadata.name,
                "tier": risk.tier.as_str(),
                "score": risk.score,
                "factors": risk.factors,
            })),
            Format::Text => {
                writeln!(
                    out,
                    "{}  {}  score {}  {}",
                    style.bold(&m.metadata.name),
                    style.tier(risk.tier.as_str(), 0),
                    risk.score,
                    style.dim(&format!("({})", item.shown))
                )?;
                let width = risk.factors.iter().map(|f| f.factor.len()).max().unwrap_or(0);
                for f in &risk.factors {
                    writeln!(out, "  {:>+4}  {:<width$}  {}", f.points, f.factor, f.detail)?;
                    if !f.remedy.is_empty() {
                        writeln!(
                            out,
                            "  {:>4}  {:<width$}  {}",
                            "",
                            "",
                            style.dim(&format!("to lower: {}", f.remedy))
                        )?;
                    }
                }
                if risk.factors.is_empty() {
                    writeln!(out, "  no risk factors")?;
                }
            }
        }
    }
    if args.format == Format::Json {
        serde_json::to_writer_pretty(&mut out, &rows).map_err(std::io::Error::from)?;
        writeln!(out)?;
    }
    out.flush()?;
    Ok(if failed { exit::INVALID } else { exit::OK })
}
