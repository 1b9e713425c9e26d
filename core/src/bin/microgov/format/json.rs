//! JSON: every decision (snake_case keys, as the library emits them), one
//! result per line so that a large run streams and diffs well.

use super::Options;
use crate::common::{problem_location, Failure};
use crate::report::{Report, Summary};
use microgov::model::ManifestError;
use serde_json::json;
use std::io::{self, Write};

/// A decided file, serialized straight from the decision (no intermediate value).
#[derive(serde::Serialize)]
struct Decided<'a> {
    file: &'a str,
    app: &'a str,
    outcome: microgov::Outcome,
    decision: &'a microgov::Decision,
}

fn failure_value(r: &Report, f: &Failure) -> serde_json::Value {
    let problems: Vec<_> = match f {
        Failure::Invalid(ManifestError { problems, .. }) => {
            let map = microgov::model::locate::SourceMap::new(&r.text);
            problems
                .iter()
                .map(|p| {
                    let at = problem_location(&map, p);
                    json!({"code": p.code, "path": p.path, "message": p.message, "line": at.line, "column": at.column})
                })
                .collect()
        }
        _ => Vec::new(),
    };
    let mut error = json!({"code": f.code(), "message": f.describe(&r.shown), "problems": problems});
    // The policy file and line of an evaluation error, named as the bindings name them.
    if let Failure::Eval { file, line, .. } = f {
        if let Some(file) = file {
            error["file"] = json!(file);
        }
        if let Some(line) = line {
            error["line"] = json!(line);
        }
    }
    json!({"file": r.shown, "outcome": "invalid", "error": error})
}

pub fn write(out: &mut dyn Write, reports: &[Report], summary: &Summary, opts: &Options) -> io::Result<()> {
    out.write_all(b"{\"results\": [\n")?;
    for (i, r) in reports.iter().enumerate() {
        if i > 0 {
            out.write_all(b",\n")?;
        }
        match &r.result {
            Ok(d) => serde_json::to_writer(
                &mut *out,
                &Decided { file: &r.shown, app: &d.app, outcome: d.outcome, decision: d },
            ),
            Err(f) => serde_json::to_writer(&mut *out, &failure_value(r, f)),
        }
        .map_err(io::Error::from)?;
    }
    out.write_all(b"\n],\n\"summary\": ")?;
    serde_json::to_writer(&mut *out, summary).map_err(io::Error::from)?;
    writeln!(out, ",\n\"exit_code\": {}}}", opts.exit_code)
}
