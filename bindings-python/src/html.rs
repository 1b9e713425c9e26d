//! The HTML that `Decision` and `VerifyReport` show in Jupyter (`_repr_html_`).
//!
//! Inline styles only (a notebook strips `<style>` and `<script>` from some renderers), every
//! cell left-aligned (Jupyter right-aligns table cells by default), and the diagram beside the
//! violations when the decision knows its app.

use microgov::audit::{VerifyReport, VerifyStatus};
use microgov::engine::Violation;
use microgov::view::escape::xml as esc;
use std::fmt::Write as _;

const TABLE: &str = "border-collapse:collapse;margin:4px 0 10px 0;font-size:13px";
const CELL: &str = "text-align:left;vertical-align:top;padding:3px 8px;border-bottom:1px solid #d8dee4";

fn table(h: &mut String, headers: &[&str], rows: &[Vec<String>]) {
    let _ = write!(h, "<table style=\"{TABLE}\"><thead><tr>");
    for t in headers {
        let _ = write!(h, "<th style=\"{CELL};font-weight:600;background:#f6f8fa\">{}</th>", esc(t));
    }
    h.push_str("</tr></thead><tbody>");
    for r in rows {
        h.push_str("<tr>");
        for c in r {
            // Cells come escaped: some hold markup (`<code>`).
            let _ = write!(h, "<td style=\"{CELL}\">{c}</td>");
        }
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table>");
}

fn heading(h: &mut String, text: &str) {
    let _ = write!(h, "<div style=\"font-weight:600;margin:8px 0 2px 0;text-align:left\">{}</div>", esc(text));
}

fn code(s: &str) -> String {
    format!("<code>{}</code>", esc(s))
}

fn violation_rows(list: &[Violation]) -> Vec<Vec<String>> {
    list.iter()
        .map(|v| {
            vec![
                code(&format!("{}.{}", v.policy, v.rule)),
                esc(v.severity.as_str()),
                esc(&v.message),
                code(v.path.as_deref().unwrap_or("")),
                esc(v.remediation.as_deref().unwrap_or("")),
            ]
        })
        .collect()
}

const VIOLATION_HEADERS: [&str; 5] = ["rule", "severity", "message", "path", "remediation"];

/// The decision as an HTML fragment: outcome, tier, risk factors, the diagram (when given)
/// beside the violations, waivers, warnings, missing approvals, obligations, approvals.
pub fn render_html(d: &microgov::Decision, diagram_svg: Option<&str>) -> String {
    let colour = match d.outcome {
        microgov::Outcome::Allow => "#1a7f37",
        microgov::Outcome::Review => "#9a6700",
        microgov::Outcome::Deny => "#cf222e",
    };
    let mut h = String::new();
    let _ = write!(
        h,
        "<div class=\"microgov-decision\" style=\"text-align:left\"><p style=\"text-align:left\"><b>{}</b> &mdash; \
<span style=\"color:{colour};font-weight:bold\">{}</span> &middot; tier <b>{}</b> &middot; risk {}/100</p>",
        esc(&d.app),
        d.outcome.as_str(),
        d.tier.as_str(),
        d.risk.score
    );
    h.push_str("<div style=\"display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start\">");
    if let Some(svg) = diagram_svg {
        let _ = write!(h, "<div style=\"flex:0 1 auto;max-width:100%;overflow-x:auto\">{svg}</div>");
    }
    h.push_str("<div style=\"flex:1 1 420px;min-width:320px\">");
    heading(&mut h, "Violations");
    if d.violations.is_empty() {
        h.push_str("<p style=\"text-align:left\">No open violations.</p>");
    } else {
        table(&mut h, &VIOLATION_HEADERS, &violation_rows(&d.violations));
    }
    if !d.waived.is_empty() {
        heading(&mut h, "Waived");
        let rows: Vec<Vec<String>> = d
            .waived
            .iter()
            .map(|w| {
                let v = &w.violation;
                vec![code(&format!("{}.{}", v.policy, v.rule)), esc(&v.message), code(&w.approval_id)]
            })
            .collect();
        table(&mut h, &["rule", "message", "waived by"], &rows);
    }
    if !d.warnings.is_empty() {
        heading(&mut h, "Warnings");
        table(&mut h, &VIOLATION_HEADERS, &violation_rows(&d.warnings));
    }
    if !d.required_approvals.is_empty() {
        heading(&mut h, "Missing approvals");
        let rows: Vec<Vec<String>> = d
            .required_approvals
            .iter()
            .map(|r| {
                let scope = [
                    r.dataset.as_deref().map(|x| format!("dataset {x}")),
                    r.connector.as_deref().map(|x| format!("connector {x}")),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ");
                vec![esc(&r.role), esc(&r.reason), esc(if scope.is_empty() { "the app" } else { &scope })]
            })
            .collect();
        table(&mut h, &["role", "reason", "for"], &rows);
    }
    if !d.obligations.is_empty() {
        heading(&mut h, "Obligations");
        let rows: Vec<Vec<String>> = d
            .obligations
            .iter()
            .map(|o| {
                let kind = o.get("type").and_then(|t| t.as_str()).unwrap_or("");
                vec![esc(kind), code(&o.to_string())]
            })
            .collect();
        table(&mut h, &["type", "obligation"], &rows);
    }
    if !d.approvals.is_empty() {
        heading(&mut h, "Approvals supplied");
        let rows: Vec<Vec<String>> = d.approvals.iter().map(|a| vec![code(&a.id), esc(a.status.as_str())]).collect();
        table(&mut h, &["approval", "status"], &rows);
    }
    heading(&mut h, "Risk factors");
    if d.risk.factors.is_empty() {
        h.push_str("<p style=\"text-align:left\">None.</p>");
    } else {
        let rows: Vec<Vec<String>> =
            d.risk.factors.iter().map(|f| vec![code(&f.factor), esc(&f.points.to_string()), esc(&f.detail)]).collect();
        table(&mut h, &["factor", "points", "why"], &rows);
    }
    h.push_str("</div></div></div>");
    h
}

/// An audit log's verification as an HTML fragment: the verdict, what was verified and,
/// when tampered, where.
pub fn render_verify_html(r: &VerifyReport) -> String {
    let (word, colour) = match &r.status {
        VerifyStatus::Intact => ("intact", "#1a7f37"),
        VerifyStatus::Unattested { .. } => ("unattested", "#9a6700"),
        VerifyStatus::Tampered(_) => ("tampered", "#cf222e"),
    };
    let mut h = format!(
        "<div class=\"microgov-verify\" style=\"text-align:left\"><p style=\"text-align:left\">audit log \
<span style=\"color:{colour};font-weight:bold\">{word}</span> &middot; {} record(s) verified</p>",
        r.records
    );
    let mut rows = vec![vec![esc("log id"), code(r.log_id.as_deref().unwrap_or("-"))]];
    rows.push(vec![esc("Merkle root"), code(&r.root.to_string())]);
    if let Some(last) = &r.last_hash {
        rows.push(vec![esc("last record hash"), code(&last.to_string())]);
    }
    if let Some(c) = &r.checkpoint {
        rows.push(vec![esc("checkpoint size"), esc(&c.size.to_string())]);
    }
    rows.push(vec![esc("signature verified"), esc(if r.signature_verified { "yes" } else { "no" })]);
    match &r.status {
        VerifyStatus::Tampered(t) => {
            rows.push(vec![esc("tamper kind"), code(t.kind.code())]);
            rows.push(vec![esc("first bad seq"), esc(&t.seq.map_or_else(|| "-".to_string(), |s| s.to_string()))]);
            if let (Some(f), Some(l)) = (&t.file, t.line) {
                rows.push(vec![esc("where"), code(&format!("{f}:{l}"))]);
            }
            rows.push(vec![esc("reason"), esc(&t.reason)]);
        }
        VerifyStatus::Unattested { checkpoint_size, unattested } => {
            rows.push(vec![
                esc("not yet signed"),
                esc(&format!("{unattested} record(s) after the checkpoint of {checkpoint_size}")),
            ]);
        }
        VerifyStatus::Intact => {}
    }
    table(&mut h, &["check", "result"], &rows);
    h.push_str("</div>");
    h
}
