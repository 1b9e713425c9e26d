//! JUnit XML: one test suite per app, one test case per policy (plus one
//! for approvals), so CI test reports list which policy failed for which app.

use super::Options;
use crate::common::{problem_location, Failure};
use crate::report::Report;
use microgov::bundle::RuleSites;
use microgov::model::ManifestError;
use microgov::Engine;
use std::fmt::Write as _;
use std::io::{self, Write};

/// Escapes text for XML content and attribute values, dropping characters
/// XML 1.0 cannot carry.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

struct Case {
    name: String,
    /// (tag, type, message, body): `failure`, `error` or `skipped`.
    outcome: Option<(&'static str, String, String, String)>,
    out: String,
}

fn suite(r: &Report, policies: &[String], opts: &Options) -> (Vec<Case>, String) {
    let classname = r.name();
    match &r.result {
        Ok(d) => {
            let map = microgov::model::locate::SourceMap::new(&r.text);
            let mut names: Vec<String> = policies.to_vec();
            for v in d.violations.iter().chain(d.warnings.iter()) {
                if !names.contains(&v.policy) {
                    names.push(v.policy.clone());
                }
            }
            let mut cases: Vec<Case> = names
                .iter()
                .map(|p| {
                    let open: Vec<_> = d.violations.iter().filter(|v| &v.policy == p).collect();
                    let mut out = String::new();
                    for w in d.warnings.iter().filter(|w| &w.policy == p) {
                        let _ = writeln!(out, "warning {}.{}: {}", w.policy, w.rule, w.message);
                    }
                    for w in d.waived.iter().filter(|w| &w.violation.policy == p) {
                        let _ = writeln!(
                            out,
                            "waived {}.{} by {}: {}",
                            w.violation.policy, w.violation.rule, w.approval_id, w.violation.message
                        );
                    }
                    let outcome = (!open.is_empty()).then(|| {
                        let first = open.first().map(|v| v.message.clone()).unwrap_or_default();
                        let message =
                            if open.len() > 1 { format!("{first} (and {} more)", open.len() - 1) } else { first };
                        let mut body = String::new();
                        for v in &open {
                            let _ = writeln!(body, "{}.{} [{}] {}", v.policy, v.rule, v.severity, v.message);
                            let pointer = r.pointer_of(v);
                            let at = map.locate(&pointer);
                            let _ = writeln!(body, "  at {}:{}:{} {pointer}", r.shown, at.line, at.column);
                            if let Some(fix) = &v.remediation {
                                let _ = writeln!(body, "  fix: {fix}");
                            }
                        }
                        let kind =
                            open.iter().map(|v| format!("{}.{}", v.policy, v.rule)).collect::<Vec<_>>().join(",");
                        ("failure", kind, message, body)
                    });
                    Case { name: p.clone(), outcome, out }
                })
                .collect();
            let missing = &d.required_approvals;
            let approvals = (!missing.is_empty()).then(|| {
                let roles = missing.iter().map(|a| a.role.as_str()).collect::<Vec<_>>().join(", ");
                let message = format!("awaiting approval by {roles}");
                let body = missing.iter().map(|a| format!("{}: {}\n", a.role, a.reason)).collect::<String>();
                if opts.fail_on_review {
                    ("failure", "microgov.approval_required".to_string(), message, body)
                } else {
                    ("skipped", String::new(), message, body)
                }
            });
            cases.push(Case { name: "approvals".into(), outcome: approvals, out: String::new() });
            (cases, classname)
        }
        Err(f) => {
            let body = match f {
                Failure::Invalid(ManifestError { problems, .. }) => {
                    let map = microgov::model::locate::SourceMap::new(&r.text);
                    problems
                        .iter()
                        .map(|p| {
                            let at = problem_location(&map, p);
                            format!(
                                "{}:{}:{}: {}: {} [{}]\n",
                                r.shown,
                                at.line,
                                at.column,
                                if p.path.is_empty() { "/" } else { &p.path },
                                p.message,
                                p.code
                            )
                        })
                        .collect()
                }
                other => other.describe(&r.shown),
            };
            let case = Case {
                name: "validate".into(),
                outcome: Some(("error", f.code().to_string(), f.describe(&r.shown), body)),
                out: String::new(),
            };
            (vec![case], classname)
        }
    }
}

pub fn write(out: &mut dyn Write, engine: &Engine, reports: &[Report], opts: &Options) -> io::Result<()> {
    let policies = RuleSites::of(engine.bundles()).policies();
    let suites: Vec<(&Report, Vec<Case>, String)> = reports
        .iter()
        .map(|r| {
            let (cases, class) = suite(r, &policies, opts);
            (r, cases, class)
        })
        .collect();
    let count =
        |cases: &[Case], tag: &str| cases.iter().filter(|c| c.outcome.as_ref().is_some_and(|o| o.0 == tag)).count();
    let (mut tests, mut failures, mut errors, mut skipped) = (0, 0, 0, 0);
    for (_, cases, _) in &suites {
        tests += cases.len();
        failures += count(cases, "failure");
        errors += count(cases, "error");
        skipped += count(cases, "skipped");
    }
    let timestamp = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S");
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="microgov" tests="{tests}" failures="{failures}" errors="{errors}" skipped="{skipped}" time="0">"#
    )?;
    for (i, (r, cases, class)) in suites.iter().enumerate() {
        writeln!(
            out,
            r#"  <testsuite name="{}" id="{i}" package="microgov" hostname="localhost" timestamp="{timestamp}" tests="{}" failures="{}" errors="{}" skipped="{}" time="0" file="{}">"#,
            escape(class),
            cases.len(),
            count(cases, "failure"),
            count(cases, "error"),
            count(cases, "skipped"),
            escape(&r.shown)
        )?;
        for c in cases {
            let open = format!(
                r#"    <testcase name="{}" classname="{}" file="{}" time="0""#,
                escape(&c.name),
                escape(class),
                escape(&r.shown)
            );
            match (&c.outcome, c.out.is_empty()) {
                (None, true) => writeln!(out, "{open}/>")?,
                (outcome, _) => {
                    writeln!(out, "{open}>")?;
                    if let Some((tag, kind, message, body)) = outcome {
                        if *tag == "skipped" {
                            writeln!(out, r#"      <skipped message="{}"/>"#, escape(message))?;
                        } else {
                            writeln!(
                                out,
                                r#"      <{tag} message="{}" type="{}">{}</{tag}>"#,
                                escape(message),
                                escape(kind),
                                escape(body)
                            )?;
                        }
                    }
                    if !c.out.is_empty() {
                        writeln!(out, "      <system-out>{}</system-out>", escape(&c.out))?;
                    }
                    writeln!(out, "    </testcase>")?;
                }
            }
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn text_is_escaped_for_xml() {
        assert_eq!(escape("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;");
    }
}
