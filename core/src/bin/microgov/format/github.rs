//! GitHub Actions workflow commands: `::error file=...,line=...::message`,
//! shown as annotations on the pull request's files.

use super::Options;
use crate::common::{problem_location, Failure};
use crate::report::{Report, Summary};
use microgov::model::ManifestError;
use std::io::{self, Write};

/// Escapes a command's message (data).
fn data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a command's property value.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

/// One annotation: level `error`, `warning` or `notice`.
pub fn annotation(level: &str, file: &str, at: Option<(usize, usize)>, title: &str, message: &str) -> String {
    let mut props = format!("file={}", property(&file.replace('\\', "/")));
    if let Some((line, col)) = at {
        props.push_str(&format!(",line={line},col={col}"));
    }
    props.push_str(&format!(",title={}", property(title)));
    format!("::{level} {props}::{}", data(message))
}

pub fn write_check(out: &mut dyn Write, reports: &[Report], summary: &Summary, opts: &Options) -> io::Result<()> {
    for r in reports {
        match &r.result {
            Ok(d) => {
                let map = microgov::model::locate::SourceMap::new(&r.text);
                let at = |pointer: &str| {
                    let l = map.locate(pointer);
                    Some((l.line, l.column))
                };
                for v in &d.violations {
                    let pointer = r.pointer_of(v);
                    let mut msg = format!("{} denied: {} [{}]", d.app, v.message, v.severity);
                    if let Some(fix) = &v.remediation {
                        msg.push_str(&format!("\nFix: {fix}"));
                    }
                    if let Some(kind) = &v.exception {
                        msg.push_str(&format!("\nOr get an approved exception {kind}."));
                    }
                    writeln!(
                        out,
                        "{}",
                        annotation("error", &r.shown, at(&pointer), &format!("{}.{}", v.policy, v.rule), &msg)
                    )?;
                }
                for w in &d.warnings {
                    let pointer = r.pointer_of(w);
                    writeln!(
                        out,
                        "{}",
                        annotation("warning", &r.shown, at(&pointer), &format!("{}.{}", w.policy, w.rule), &w.message)
                    )?;
                }
                for a in &d.required_approvals {
                    let pointer = r.approval_pointer(a);
                    let level = if opts.fail_on_review { "error" } else { "warning" };
                    let msg = format!("{} needs approval by {}: {}", d.app, a.role, a.reason);
                    writeln!(out, "{}", annotation(level, &r.shown, at(&pointer), "microgov.approval_required", &msg))?;
                }
                for w in &d.waived {
                    let pointer = r.pointer_of(&w.violation);
                    let msg = format!("{} (waived by {})", w.violation.message, w.approval_id);
                    writeln!(
                        out,
                        "{}",
                        annotation(
                            "notice",
                            &r.shown,
                            at(&pointer),
                            &format!("{}.{}", w.violation.policy, w.violation.rule),
                            &msg
                        )
                    )?;
                }
            }
            Err(Failure::Invalid(ManifestError { problems, .. })) => {
                let map = microgov::model::locate::SourceMap::new(&r.text);
                for p in problems {
                    let l = problem_location(&map, p);
                    let pointer = if p.path.is_empty() { "/" } else { &p.path };
                    writeln!(
                        out,
                        "{}",
                        annotation(
                            "error",
                            &r.shown,
                            Some((l.line, l.column)),
                            &p.code,
                            &format!("{pointer}: {}", p.message)
                        )
                    )?;
                }
            }
            Err(f) => writeln!(out, "{}", annotation("error", &r.shown, None, f.code(), &f.describe(&r.shown)))?,
        }
    }
    writeln!(out, "{}", summary.line())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_and_properties_are_escaped() {
        let a = annotation("error", "apps/a,b.yaml", Some((3, 1)), "x:y", "50% done\nnext");
        assert_eq!(a, "::error file=apps/a%2Cb.yaml,line=3,col=1,title=x%3Ay::50%25 done%0Anext");
    }
}
