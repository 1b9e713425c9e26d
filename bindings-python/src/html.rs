//! The HTML a `Decision` shows in Jupyter (`_repr_html_`).

use std::fmt::Write as _;

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The decision as an HTML fragment: outcome, tier, risk, violations, missing approvals.
pub fn render_html(d: &microgov::Decision) -> String {
    let colour = match d.outcome {
        microgov::Outcome::Allow => "#1a7f37",
        microgov::Outcome::Review => "#9a6700",
        microgov::Outcome::Deny => "#cf222e",
    };
    let mut h = String::new();
    let _ = write!(
        h,
        "<div class=\"microgov-decision\"><p><b>{}</b> &mdash; <span style=\"color:{colour};font-weight:bold\">{}</span> &middot; tier <b>{}</b> &middot; risk {}/100</p>",
        esc(&d.app),
        d.outcome.as_str(),
        d.tier.as_str(),
        d.risk.score
    );
    if d.violations.is_empty() {
        h.push_str("<p>No open violations.</p>");
    } else {
        h.push_str("<table><thead><tr><th>policy</th><th>rule</th><th>severity</th><th>message</th><th>path</th><th>remediation</th></tr></thead><tbody>");
        for v in &d.violations {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
                esc(&v.policy),
                esc(&v.rule),
                esc(v.severity.as_str()),
                esc(&v.message),
                esc(v.path.as_deref().unwrap_or("")),
                esc(v.remediation.as_deref().unwrap_or(""))
            );
        }
        h.push_str("</tbody></table>");
    }
    if !d.required_approvals.is_empty() {
        h.push_str("<p>Required approvals: ");
        let items: Vec<String> =
            d.required_approvals.iter().map(|r| format!("<b>{}</b> ({})", esc(&r.role), esc(&r.reason))).collect();
        h.push_str(&items.join(", "));
        h.push_str("</p>");
    }
    if !d.waived.is_empty() {
        let _ = write!(h, "<p>{} violation(s) waived by exceptions.</p>", d.waived.len());
    }
    h.push_str("</div>");
    h
}
