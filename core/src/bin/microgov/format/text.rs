//! Text for people: one line per app, findings below it, a summary.

use super::Options;
use crate::common::{problem_location, Failure};
use crate::report::{Report, Summary};
use crate::style::Style;
use microgov::model::ManifestError;
use std::io::{self, Write};

pub fn write(
    out: &mut dyn Write,
    reports: &[Report],
    summary: &Summary,
    opts: &Options,
    style: &Style,
) -> io::Result<()> {
    let name_width = reports.iter().map(|r| r.name().len()).max().unwrap_or(0).min(40);
    for r in reports {
        let outcome = r.outcome().to_ascii_uppercase();
        match &r.result {
            Ok(d) => {
                writeln!(
                    out,
                    "{} {:<name_width$}  {} {}  {}",
                    style.outcome(&outcome, 7),
                    d.app,
                    style.tier(d.tier.as_str(), 6),
                    style.dim(&format!("score {:>3}", d.risk.score)),
                    style.dim(&r.shown)
                )?;
                let map = (!d.violations.is_empty() || !d.warnings.is_empty())
                    .then(|| microgov::model::locate::SourceMap::new(&r.text));
                for v in &d.violations {
                    writeln!(
                        out,
                        "    {} {}.{} [{}] {}",
                        style.red_bold("x"),
                        v.policy,
                        v.rule,
                        v.severity,
                        v.message
                    )?;
                    if let Some(map) = &map {
                        let pointer = r.pointer_of(v);
                        let at = map.locate(&pointer);
                        writeln!(
                            out,
                            "      {} {}:{}:{} {}",
                            style.dim("at"),
                            r.shown,
                            at.line,
                            at.column,
                            style.dim(&pointer)
                        )?;
                    }
                    if let Some(fix) = &v.remediation {
                        writeln!(out, "      {} {fix}", style.dim("fix"))?;
                    }
                    if let Some(kind) = &v.exception {
                        writeln!(out, "      {} an approved exception {kind}", style.dim("or"))?;
                    }
                }
                for w in &d.waived {
                    writeln!(
                        out,
                        "    {} {}.{} waived by {}",
                        style.dim("~"),
                        w.violation.policy,
                        w.violation.rule,
                        w.approval_id
                    )?;
                }
                for a in &d.required_approvals {
                    let scope = match (&a.dataset, &a.connector) {
                        (Some(ds), Some(c)) => format!(" (dataset {ds}, connector {c})"),
                        (Some(ds), None) => format!(" (dataset {ds})"),
                        (None, Some(c)) => format!(" (connector {c})"),
                        (None, None) => String::new(),
                    };
                    let mark = if opts.fail_on_review { style.red_bold("x") } else { style.yellow("?") };
                    writeln!(out, "    {mark} needs approval by {}{scope}: {}", a.role, a.reason)?;
                }
                for w in &d.warnings {
                    writeln!(out, "    {} {}.{} {}", style.yellow("!"), w.policy, w.rule, w.message)?;
                }
            }
            Err(f) => {
                writeln!(out, "{} {}", style.outcome(&outcome, 7), r.shown)?;
                match f {
                    Failure::Invalid(ManifestError { problems, .. }) => {
                        let map = microgov::model::locate::SourceMap::new(&r.text);
                        for p in problems {
                            let at = problem_location(&map, p);
                            let pointer = if p.path.is_empty() { "/" } else { &p.path };
                            writeln!(
                                out,
                                "    {}:{}:{}: {pointer}: {} [{}]",
                                r.shown, at.line, at.column, p.message, p.code
                            )?;
                        }
                    }
                    other => writeln!(out, "    {}", other.describe(&r.shown))?,
                }
            }
        }
    }
    writeln!(out)?;
    let line = summary.line();
    let painted = if summary.invalid > 0 || summary.deny > 0 {
        style.red_bold(&line)
    } else if summary.review > 0 {
        style.yellow(&line)
    } else {
        style.green(&line)
    };
    writeln!(out, "{painted}")
}
