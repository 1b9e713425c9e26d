//! The HTML governance report: one self-contained page (styles and a little script inline,
//! nothing fetched at view time) for a review meeting. Summary counts, apps by tier and
//! outcome, apps expiring within the window, missing approvals, the audit log's
//! verification status, then each app with its diagram, violations, waivers and approvals.
//!
//! Tables sort and filter with vanilla JavaScript (`page.js`); with scripts off every table is
//! shown whole. `page.css` has a print layout.

use super::escape::xml;
use super::Diagram;
use crate::audit::{VerifyReport, VerifyStatus};
use crate::engine::{Decision, Engine};
use crate::model::lifecycle::{self, LifecycleState};
use crate::model::Manifest;
use crate::Result;
use chrono::{DateTime, SecondsFormat, Utc};
use std::fmt::Write as _;

const CSS: &str = include_str!("page.css");
const JS: &str = include_str!("page.js");

/// One valid app in the report.
#[derive(Debug, Clone)]
pub struct AppView {
    /// Its decision.
    pub decision: Decision,
    /// Its data-flow diagram.
    pub diagram: Diagram,
    /// `metadata.owner`.
    pub owner: String,
    /// `metadata.department`.
    pub department: Option<String>,
    /// `metadata.expiresAt`, RFC 3339.
    pub expires_at: String,
    /// `active`, `expiring`, `expired` or `retired`.
    pub lifecycle: &'static str,
    /// Whole days to expiry (negative once expired).
    pub days_left: i64,
    /// Expires within the report's window (or has expired), and is not retired.
    pub expiring: bool,
}

impl AppView {
    /// The view of `app` under `decision` at `now`; `window` is how soon an expiry is listed.
    pub fn of(
        engine: &Engine,
        app: &Manifest,
        decision: Decision,
        now: DateTime<Utc>,
        window: chrono::Duration,
    ) -> Result<AppView> {
        let diagram = Diagram::of(engine, app, &decision)?;
        let state = lifecycle::state(app, now, engine.settings().expiring_within_days);
        let left = app.metadata.expires_at - now;
        let days_left = match state {
            LifecycleState::Active { days_left } | LifecycleState::Expiring { days_left } => days_left,
            LifecycleState::Expired { days_ago } => -days_ago,
            LifecycleState::Retired => left.num_days(),
        };
        Ok(AppView {
            decision,
            diagram,
            owner: app.metadata.owner.clone(),
            department: app.metadata.department.clone(),
            expires_at: app.metadata.expires_at.to_rfc3339_opts(SecondsFormat::Secs, true),
            lifecycle: state.as_str(),
            days_left,
            expiring: !matches!(state, LifecycleState::Retired) && left <= window,
        })
    }
}

/// One file of the report: a valid app, or why there is none.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The file as shown to the reader.
    pub file: String,
    /// The app, or the error that left it out.
    pub app: std::result::Result<AppView, String>,
}

/// The audit log's verification, as the report shows it.
#[derive(Debug, Clone)]
pub struct AuditSection {
    /// The log as given.
    pub log: String,
    /// The verification, or why it could not run.
    pub result: std::result::Result<VerifyReport, String>,
}

/// Everything on the page.
#[derive(Debug, Clone)]
pub struct Report {
    /// When the report was made (the evaluation time), RFC 3339.
    pub generated_at: String,
    /// The folders and files read.
    pub sources: Vec<String>,
    /// The expiry window, as written (`14d`).
    pub window: String,
    /// One entry per file, in the order to show.
    pub entries: Vec<Entry>,
    /// The audit log's status, when one was given.
    pub audit: Option<AuditSection>,
}

fn slug(file: &str, name: &str, i: usize) -> String {
    let _ = file;
    let mut s = String::from("app-");
    s.extend(name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c.to_ascii_lowercase() } else { '-' }));
    let _ = write!(s, "-{i}");
    s
}

fn badge(class: &str, text: &str) -> String {
    format!("<span class=\"badge {}\">{}</span>", xml(class), xml(text))
}

fn tier_rank(t: &str) -> u8 {
    match t {
        "high" => 0,
        "medium" => 1,
        _ => 2,
    }
}

impl Report {
    /// The whole page, `<!doctype html>` to `</html>`.
    pub fn to_html(&self) -> String {
        let apps: Vec<(usize, &Entry, &AppView)> =
            self.entries.iter().enumerate().filter_map(|(i, e)| e.app.as_ref().ok().map(|a| (i, e, a))).collect();
        let count = |o: &str| apps.iter().filter(|(_, _, a)| a.decision.outcome.as_str() == o).count();
        let invalid = self.entries.len() - apps.len();
        let expiring: Vec<&(usize, &Entry, &AppView)> = apps.iter().filter(|(_, _, a)| a.expiring).collect();
        let missing: usize = apps.iter().map(|(_, _, a)| a.decision.required_approvals.len()).sum();

        let mut h = String::with_capacity(4096 + 12_000 * self.entries.len());
        let _ = write!(
            h,
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta name=\"generator\" content=\"microgov {}\"><title>Governance report: {} apps</title><style>{CSS}</style></head><body>\
<header><h1>Governance report</h1><p class=\"meta\">{} file(s) from {} · evaluated at {} · expiry window {}</p>\
<nav><a href=\"#summary\">Summary</a><a href=\"#expiring\">Expiring</a><a href=\"#approvals\">Missing approvals</a>{}<a href=\"#apps\">Apps</a></nav></header>",
            env!("CARGO_PKG_VERSION"),
            apps.len(),
            self.entries.len(),
            xml(&self.sources.join(", ")),
            xml(&self.generated_at),
            xml(&self.window),
            if self.audit.is_some() { "<a href=\"#audit\">Audit log</a>" } else { "" },
        );

        // Summary.
        let _ = write!(h, "<section id=\"summary\"><h2>Summary</h2><div class=\"cards\">");
        for (label, n, class) in [
            ("apps", apps.len(), ""),
            ("denied", count("deny"), "deny"),
            ("awaiting approval", count("review"), "review"),
            ("allowed", count("allow"), "allow"),
            ("invalid files", invalid, "invalid"),
            ("expiring or expired", expiring.len(), "expiring"),
            ("missing approvals", missing, "review"),
        ] {
            let _ = write!(h, "<div class=\"card {class}\" data-count=\"{}\"><b>{n}</b>{label}</div>", xml(label));
        }
        h.push_str("</div><h3>Apps by tier and outcome</h3><table id=\"by-tier\"><thead><tr><th>tier</th>");
        let outcomes = ["deny", "review", "allow"];
        for o in outcomes {
            let _ = write!(h, "<th class=\"num\">{o}</th>");
        }
        h.push_str("<th class=\"num\">total</th></tr></thead><tbody>");
        for tier in ["high", "medium", "low"] {
            let _ = write!(h, "<tr><td class=\"tier-{tier}\">{tier}</td>");
            let mut total = 0;
            for o in outcomes {
                let n = apps
                    .iter()
                    .filter(|(_, _, a)| a.decision.tier.as_str() == tier && a.decision.outcome.as_str() == o)
                    .count();
                total += n;
                let _ = write!(h, "<td class=\"num\" data-tier=\"{tier}\" data-outcome=\"{o}\">{n}</td>");
            }
            let _ = write!(h, "<td class=\"num\">{total}</td></tr>");
        }
        h.push_str("</tbody></table></section>");

        if let Some(audit) = &self.audit {
            audit_html(&mut h, audit);
        }

        // Expiring.
        let _ = write!(h, "<section id=\"expiring\"><h2>Expiring within {} or expired</h2>", xml(&self.window));
        if expiring.is_empty() {
            h.push_str("<p class=\"empty\">No app expires within the window.</p>");
        } else {
            h.push_str("<table class=\"sortable\" id=\"expiring-table\"><thead><tr><th>app</th><th>expires</th><th class=\"num\">days left</th><th>state</th><th>owner</th></tr></thead><tbody>");
            let mut rows = expiring.clone();
            rows.sort_by(|a, b| a.2.expires_at.cmp(&b.2.expires_at));
            for (i, e, a) in rows {
                let _ = write!(
                    h,
                    "<tr><td><a href=\"#{}\">{}</a></td><td>{}</td><td class=\"num\">{}</td><td class=\"{}\">{}</td><td>{}</td></tr>",
                    slug(&e.file, &a.decision.app, *i),
                    xml(&a.decision.app),
                    xml(&a.expires_at),
                    a.days_left,
                    a.lifecycle,
                    a.lifecycle,
                    xml(&a.owner)
                );
            }
            h.push_str("</tbody></table>");
        }
        h.push_str("</section>");

        // Missing approvals.
        h.push_str("<section id=\"approvals\"><h2>Missing approvals</h2>");
        if missing == 0 {
            h.push_str("<p class=\"empty\">No app is waiting for an approval.</p>");
        } else {
            h.push_str("<table class=\"sortable\" id=\"missing-table\"><thead><tr><th>app</th><th>role</th><th>for</th><th>reason</th></tr></thead><tbody>");
            for (i, e, a) in &apps {
                for r in &a.decision.required_approvals {
                    let scope = match (&r.dataset, &r.connector) {
                        (Some(d), Some(c)) => format!("dataset {d}, connector {c}"),
                        (Some(d), None) => format!("dataset {d}"),
                        (None, Some(c)) => format!("connector {c}"),
                        (None, None) => "the app".to_string(),
                    };
                    let _ = write!(
                        h,
                        "<tr><td><a href=\"#{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        slug(&e.file, &a.decision.app, *i),
                        xml(&a.decision.app),
                        xml(&r.role),
                        xml(&scope),
                        xml(&r.reason)
                    );
                }
            }
            h.push_str("</tbody></table>");
        }
        h.push_str("</section>");

        // The apps table.
        h.push_str("<section id=\"apps\"><h2>Apps</h2><div class=\"controls\" data-filter-for=\"apps-table\" hidden>\
<label>Filter <input type=\"search\" placeholder=\"name, tier, outcome, owner ...\" aria-controls=\"apps-table\"></label> <output></output></div>\
<table class=\"sortable\" id=\"apps-table\"><thead><tr><th>app</th><th>tier</th><th class=\"num\">score</th><th>outcome</th>\
<th class=\"num\">violations</th><th class=\"num\">waived</th><th>missing approvals</th><th>lifecycle</th><th>expires</th><th>owner</th><th>file</th></tr></thead><tbody>");
        let mut order: Vec<usize> = (0..self.entries.len()).collect();
        order.sort_by(|&x, &y| {
            let key = |i: usize| match &self.entries[i].app {
                Ok(a) => (0u8, tier_rank(a.decision.tier.as_str()), a.decision.app.clone()),
                Err(_) => (1, 9, self.entries[i].file.clone()),
            };
            key(x).cmp(&key(y))
        });
        for i in order {
            let e = &self.entries[i];
            match &e.app {
                Ok(a) => {
                    let d = &a.decision;
                    let mut roles: Vec<&str> = d.required_approvals.iter().map(|r| r.role.as_str()).collect();
                    roles.sort_unstable();
                    roles.dedup();
                    let _ = write!(
                        h,
                        "<tr data-outcome=\"{o}\" data-tier=\"{t}\"><td><a href=\"#{id}\">{name}</a></td><td class=\"tier-{t}\" data-sort=\"{tr}\">{t}</td>\
<td class=\"num\">{score}</td><td class=\"{o}\">{o}</td><td class=\"num\">{v}</td><td class=\"num\">{w}</td><td>{roles}</td>\
<td class=\"{life}\">{life}</td><td>{exp}</td><td>{owner}</td><td><code>{file}</code></td></tr>",
                        o = d.outcome.as_str(),
                        t = d.tier.as_str(),
                        tr = tier_rank(d.tier.as_str()),
                        id = slug(&e.file, &d.app, i),
                        name = xml(&d.app),
                        score = d.risk.score,
                        v = d.violations.len(),
                        w = d.waived.len(),
                        roles = xml(&roles.join(", ")),
                        life = a.lifecycle,
                        exp = xml(a.expires_at.get(..10).unwrap_or(&a.expires_at)),
                        owner = xml(&a.owner),
                        file = xml(&e.file),
                    );
                }
                Err(why) => {
                    let _ = write!(
                        h,
                        "<tr data-outcome=\"invalid\"><td>{}</td><td></td><td class=\"num\"></td><td class=\"invalid\">invalid</td>\
<td class=\"num\"></td><td class=\"num\"></td><td colspan=\"4\">{}</td><td><code>{}</code></td></tr>",
                        xml(&e.file),
                        xml(why),
                        xml(&e.file)
                    );
                }
            }
        }
        h.push_str("</tbody></table></section>");

        for (i, e, a) in &apps {
            app_html(&mut h, &slug(&e.file, &a.decision.app, *i), e, a);
        }
        let _ = writeln!(h, "<script>{JS}</script></body></html>");
        h
    }
}

fn audit_html(h: &mut String, audit: &AuditSection) {
    let _ = write!(h, "<section id=\"audit\"><h2>Audit log</h2><p><code>{}</code>: ", xml(&audit.log));
    match &audit.result {
        Err(why) => {
            let _ = write!(h, "{} {}</p>", badge("tampered", "not verified"), xml(why));
        }
        Ok(r) => {
            let (class, word) = match &r.status {
                VerifyStatus::Intact => ("intact", "intact"),
                VerifyStatus::Tampered(_) => ("tampered", "tampered"),
                VerifyStatus::Unattested { .. } => ("unattested", "unattested"),
            };
            let _ = write!(h, "{} {} record(s) verified", badge(class, word), r.records);
            if let Some(id) = &r.log_id {
                let _ = write!(h, " · log id <code>{}</code>", xml(id));
            }
            let _ = write!(h, " · Merkle root <code>{}</code>", xml(&r.root.to_string()));
            h.push_str(if r.signature_verified {
                " · checkpoint signature verified"
            } else {
                " · no signature checked"
            });
            h.push_str("</p>");
            match &r.status {
                VerifyStatus::Tampered(t) => {
                    let mut at = String::new();
                    if let Some(seq) = t.seq {
                        let _ = write!(at, "seq {seq}");
                    }
                    if let (Some(f), Some(l)) = (&t.file, t.line) {
                        let _ = write!(at, " ({f}:{l})");
                    }
                    let _ = write!(
                        h,
                        "<p class=\"tampered\"><b>{}</b> {}: {}</p>",
                        xml(t.kind.code()),
                        xml(&at),
                        xml(&t.reason)
                    );
                }
                VerifyStatus::Unattested { checkpoint_size, unattested } => {
                    let _ = write!(h, "<p class=\"unattested\">{unattested} record(s) after the checkpoint of {checkpoint_size} are not yet signed.</p>");
                }
                VerifyStatus::Intact => {}
            }
        }
    }
    h.push_str("</section>");
}

fn app_html(h: &mut String, id: &str, e: &Entry, a: &AppView) {
    let d = &a.decision;
    let _ = write!(
        h,
        "<section class=\"app\" id=\"{id}\" data-app=\"{}\" data-outcome=\"{}\"><h2>{} {} {}</h2><p class=\"meta\">score {} · owner {}",
        xml(&d.app),
        d.outcome.as_str(),
        xml(&d.app),
        badge(d.outcome.as_str(), d.outcome.as_str()),
        badge(&format!("tier-{}", d.tier.as_str()), &format!("tier {}", d.tier.as_str())),
        d.risk.score,
        xml(&a.owner),
    );
    if let Some(dep) = &a.department {
        let _ = write!(h, " · department {}", xml(dep));
    }
    let _ = write!(
        h,
        " · <span class=\"{}\">{}</span>, expires {} · <code>{}</code></p><div class=\"diagram\">{}</div>",
        a.lifecycle,
        a.lifecycle,
        xml(&a.expires_at),
        xml(&e.file),
        a.diagram.to_svg()
    );
    let findings = |h: &mut String, title: &str, class: &str, list: &[(&crate::engine::Violation, Option<&str>)]| {
        let _ = write!(h, "<h3>{title}</h3>");
        if list.is_empty() {
            h.push_str("<p class=\"empty\">None.</p>");
            return;
        }
        let _ = write!(h, "<table class=\"{class}\"><thead><tr><th>rule</th><th>severity</th><th>message</th><th>where</th><th>{}</th></tr></thead><tbody>",
            if class == "waived" { "waived by" } else { "remediation" });
        for (v, by) in list {
            let _ = write!(
                h,
                "<tr><td><code>{}.{}</code></td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
                xml(&v.policy),
                xml(&v.rule),
                xml(v.severity.as_str()),
                xml(&v.message),
                xml(v.path.as_deref().unwrap_or("")),
                xml(by.or(v.remediation.as_deref()).unwrap_or(""))
            );
        }
        h.push_str("</tbody></table>");
    };
    let open: Vec<_> = d.violations.iter().map(|v| (v, None)).collect();
    findings(h, "Violations", "violations", &open);
    let waived: Vec<_> = d.waived.iter().map(|w| (&w.violation, Some(w.approval_id.as_str()))).collect();
    findings(h, "Waived", "waived", &waived);
    if !d.warnings.is_empty() {
        let warned: Vec<_> = d.warnings.iter().map(|v| (v, None)).collect();
        findings(h, "Warnings", "warnings", &warned);
    }
    h.push_str("<h3>Approvals</h3>");
    if d.approvals.is_empty() && d.required_approvals.is_empty() {
        h.push_str("<p class=\"empty\">None supplied, none required.</p>");
    } else {
        h.push_str("<table class=\"approvals\"><thead><tr><th>approval</th><th>status</th></tr></thead><tbody>");
        for u in &d.approvals {
            let status = u.status.as_str();
            let _ = write!(h, "<tr><td><code>{}</code></td><td class=\"{status}\">{status}</td></tr>", xml(&u.id));
        }
        for r in &d.required_approvals {
            let _ =
                write!(h, "<tr><td>{} (missing)</td><td class=\"review\">{}</td></tr>", xml(&r.role), xml(&r.reason));
        }
        h.push_str("</tbody></table>");
    }
    if !d.obligations.is_empty() {
        h.push_str("<h3>Obligations</h3><ul>");
        for o in &d.obligations {
            let _ = write!(h, "<li><code>{}</code></li>", xml(&o.to_string()));
        }
        h.push_str("</ul>");
    }
    h.push_str("</section>");
}
