//! `microgov test`: Rego unit tests (`test_` rules), reported like `opa test`.

use crate::args::ColorChoice;
use crate::common::{core_error, exit, CliError, CliResult};
use crate::style::Style;
use clap::ValueEnum;
use microgov::bundle::rego_test::run_tests;
use microgov::bundle::Bundle;
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A line per test and a summary.
    Text,
    /// Every result as JSON.
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Policy folders (OPA bundle layout) or bundle tarballs (.tar.gz, as `microgov bundle build`
    /// writes them) with *_test.rego files; the bundled policies when none.
    #[arg(value_name = "PATH")]
    pub dirs: Vec<PathBuf>,
    /// Load the bundled policies too, so your tests can use their rules and data.
    #[arg(long)]
    pub bundled: bool,
    /// Run only tests whose name matches this regular expression.
    #[arg(long, short = 'r', value_name = "REGEX")]
    pub run: Option<String>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

fn load_error(e: impl Into<microgov::Error>) -> CliError {
    core_error("cannot load the policies", e)
}

pub fn run(args: Args, color: ColorChoice) -> CliResult<u8> {
    let filter = args
        .run
        .as_deref()
        .map(regex::Regex::new)
        .transpose()
        .map_err(|e| CliError::input(format!("invalid --run expression: {e}")))?;
    let mut bundles = Vec::new();
    if args.dirs.is_empty() || args.bundled {
        bundles.extend(Bundle::bundled().map_err(load_error)?);
    }
    let bundled = bundles.len();
    for d in &args.dirs {
        // A file is a bundle tarball; anything else is read as a folder (and reported if not one).
        bundles.push(if d.is_file() { Bundle::from_tarball(d) } else { Bundle::from_dir(d) }.map_err(load_error)?);
    }
    // As the engine loads them: a folder that claims a bundled root replaces that bundle.
    // A folder's package inside a bundled root is refused, as the engine refuses it.
    let bundled = microgov::bundle::settle(&mut bundles, bundled).map_err(load_error)?;
    // Only the given folders' tests run; bundled policies are there to be used.
    let own: Vec<String> = if args.dirs.is_empty() {
        Vec::new()
    } else {
        bundles[bundled..].iter().flat_map(|b| b.files.iter().map(|f| f.path.clone())).collect()
    };
    let results = run_tests(&bundles).map_err(load_error)?;
    let results: Vec<_> = results
        .into_iter()
        .filter(|r| own.is_empty() || own.contains(&r.file))
        .filter(|r| filter.as_ref().is_none_or(|re| re.is_match(&r.name)))
        .collect();
    if results.is_empty() {
        let where_ = if args.dirs.is_empty() {
            "the bundled policies".to_string()
        } else {
            args.dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", ")
        };
        return Err(CliError::input(format!(
            "no tests found in {where_}{} (tests are test_ rules in *_test.rego files)",
            if filter.is_some() { " matching --run" } else { "" }
        )));
    }
    let passed = results.iter().filter(|r| r.status == "pass").count();
    let failed = results.iter().filter(|r| r.status == "fail").count();
    let errors = results.iter().filter(|r| r.status == "error").count();
    let total = results.len();

    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if args.format == Format::Json {
        let doc = json!({"results": results, "summary": {"total": total, "passed": passed, "failed": failed, "errors": errors}});
        serde_json::to_writer_pretty(&mut out, &doc).map_err(std::io::Error::from)?;
        writeln!(out)?;
    } else {
        let s = Style::stdout(color);
        let mut file = "";
        for r in &results {
            if r.file != file {
                if !file.is_empty() {
                    writeln!(out)?;
                }
                file = &r.file;
                writeln!(out, "{file}:")?;
            }
            let status = match r.status.as_str() {
                "pass" => s.green("PASS"),
                "fail" => s.red_bold("FAIL"),
                _ => s.red("ERROR"),
            };
            let ms = r.micros as f64 / 1000.0;
            writeln!(out, "{}: {status} ({ms:.1}ms)", r.name)?;
            if let Some(m) = &r.message {
                for line in m.lines() {
                    writeln!(out, "  {line}")?;
                }
            }
            if r.status == "fail" {
                writeln!(out, "  {}", s.dim(&format!("{}:{}: the test's body is false or undefined", r.file, r.line)))?;
            }
        }
        writeln!(out, "{}", "-".repeat(80))?;
        if passed > 0 {
            writeln!(out, "PASS: {passed}/{total}")?;
        }
        if failed > 0 {
            writeln!(out, "FAIL: {failed}/{total}")?;
        }
        if errors > 0 {
            writeln!(out, "ERROR: {errors}/{total}")?;
        }
        writeln!(out, "{passed} passed, {} failed", failed + errors)?;
    }
    out.flush()?;
    Ok(if failed + errors > 0 { exit::DENY } else { exit::OK })
}
