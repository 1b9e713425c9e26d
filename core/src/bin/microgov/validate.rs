//! `microgov validate`: every problem of every manifest, with file, line,
//! JSON pointer and code.

use crate::args::{ColorChoice, EngineArgs};
use crate::common::{build_engine, exit, load, problem_location, CliResult, Failure, Item};
use crate::format::github;
use crate::style::Style;
use clap::ValueEnum;
use microgov::model::ManifestError;
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// `file:line:col: error[code] /pointer: message`, one line per problem.
    Text,
    /// One object per file with its problems.
    Json,
    /// GitHub Actions workflow annotations.
    Github,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Manifest files, or folders to search for them.
    #[arg(required = true, value_name = "MANIFEST_OR_FOLDER")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Print only the problems and the summary, not a line per valid file.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    #[command(flatten)]
    pub engine: EngineArgs,
}

/// One problem with its place in the file.
struct Located {
    code: String,
    path: String,
    message: String,
    line: usize,
    column: usize,
}

fn problems_of(item: &Item) -> Vec<Located> {
    match &item.result {
        Ok(_) => Vec::new(),
        Err(Failure::Invalid(ManifestError { problems, .. })) => {
            let map = item.source_map();
            problems
                .iter()
                .map(|p| {
                    let at = problem_location(&map, p);
                    Located {
                        code: p.code.clone(),
                        path: p.path.clone(),
                        message: p.message.clone(),
                        line: at.line,
                        column: at.column,
                    }
                })
                .collect()
        }
        Err(f) => vec![Located {
            code: f.code().to_string(),
            path: String::new(),
            message: f.describe(&item.shown),
            line: 1,
            column: 1,
        }],
    }
}

pub fn run(args: Args, color: ColorChoice) -> CliResult<u8> {
    let engine = build_engine(&args.engine)?;
    let items = load(&engine, &args.paths, true)?;
    let style = Style::stdout(color);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut invalid = 0usize;
    let mut total_problems = 0usize;
    let mut files = Vec::new();
    for item in &items {
        let problems = problems_of(item);
        if !problems.is_empty() {
            invalid += 1;
            total_problems += problems.len();
        }
        match args.format {
            Format::Text => {
                if problems.is_empty() {
                    if !args.quiet {
                        writeln!(out, "{}: {} ({})", item.shown, style.green("ok"), item.name())?;
                    }
                } else {
                    for p in &problems {
                        let pointer = if p.path.is_empty() { "/" } else { &p.path };
                        if p.code == "io" {
                            writeln!(out, "{}: {}[{}] {}", item.shown, style.red_bold("error"), p.code, p.message)?;
                        } else {
                            writeln!(
                                out,
                                "{}:{}:{}: {}[{}] {}: {}",
                                item.shown,
                                p.line,
                                p.column,
                                style.red_bold("error"),
                                p.code,
                                style.bold(pointer),
                                p.message
                            )?;
                        }
                    }
                }
            }
            Format::Github => {
                for p in &problems {
                    let pointer = if p.path.is_empty() { "/" } else { &p.path };
                    writeln!(
                        out,
                        "{}",
                        github::annotation(
                            "error",
                            &item.shown,
                            Some((p.line, p.column)),
                            &p.code,
                            &format!("{pointer}: {}", p.message)
                        )
                    )?;
                }
            }
            Format::Json => {
                let list: Vec<_> = problems
                    .iter()
                    .map(|p| json!({"code": p.code, "path": p.path, "message": p.message, "line": p.line, "column": p.column}))
                    .collect();
                let mut f = json!({"file": item.shown, "valid": problems.is_empty(), "problems": list});
                if let Ok(m) = &item.result {
                    f["app"] = json!(m.metadata.name);
                }
                files.push(f);
            }
        }
    }
    let valid = items.len() - invalid;
    match args.format {
        Format::Json => {
            let doc = json!({"files": files, "summary": {"files": items.len(), "valid": valid, "invalid": invalid, "problems": total_problems}});
            serde_json::to_writer_pretty(&mut out, &doc).map_err(std::io::Error::from)?;
            writeln!(out)?;
        }
        Format::Text | Format::Github => {
            let summary =
                format!("{} file(s): {valid} valid, {invalid} invalid ({total_problems} problem(s))", items.len());
            if invalid > 0 {
                writeln!(out, "{}", style.bold(&summary))?;
            } else {
                writeln!(out, "{}", style.green(&summary))?;
            }
        }
    }
    out.flush()?;
    Ok(if invalid > 0 { exit::INVALID } else { exit::OK })
}
