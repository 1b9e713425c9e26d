//! `microgov diagram` and `microgov report`: what a reviewer opens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{code, run, stderr, stdout, NOW};
use serde_json::Value;

fn out_file(name: &str) -> std::path::PathBuf {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli_views");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn diagram_writes_each_format_with_the_waived_transfer_dashed() {
    let svg = run(&[
        "diagram",
        "fixtures/apps/hr-onboarding.yaml",
        "--data",
        "fixtures/approvals/directory.json",
        "--approvals",
        "fixtures/approvals/hr-onboarding.yaml",
        "--now",
        NOW,
    ]);
    assert_eq!(code(&svg), 0, "{}", stderr(&svg));
    let svg = stdout(&svg);
    assert!(svg.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg "), "{svg}");
    assert!(svg.contains("class=\"edge flow waived\" data-from=\"dataset:employees\" data-to=\"connector:payroll\""));
    let mermaid = stdout(&run(&["diagram", "fixtures/apps/hr-onboarding.yaml", "--format", "mermaid", "--now", NOW]));
    assert!(mermaid.contains("flowchart LR") && mermaid.contains("stroke:#cf222e"), "{mermaid}");
    let path = out_file("hr.dot");
    let o =
        run(&["diagram", "fixtures/apps/hr-onboarding.yaml", "-f", "dot", "--now", NOW, "-o", path.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
    let dot = std::fs::read_to_string(&path).unwrap();
    assert!(dot.starts_with("digraph \"hr-onboarding\" {"), "{dot}");
}

#[test]
fn diagram_refuses_a_folder_and_an_invalid_manifest() {
    let o = run(&["diagram", "fixtures/apps"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("is a folder"), "{}", stderr(&o));
    let bad = out_file("bad.yaml");
    std::fs::write(&bad, "apiVersion: microgov.dev/v1\nkind: MicroApp\nmetadata: {name: x}\n").unwrap();
    let o = run(&["diagram", bad.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("bad.yaml"), "{}", stderr(&o));
}

#[test]
fn report_shows_every_fixture_app_with_its_diagram_and_the_audit_status() {
    let path = out_file("report.html");
    let o = run(&[
        "report",
        "fixtures/apps",
        "--data",
        "fixtures/approvals/directory.json",
        "--approvals",
        "fixtures/approvals/hr-onboarding.yaml",
        "--approvals",
        "fixtures/approvals/it-access-request.yaml",
        "--now",
        NOW,
        "--audit",
        "fixtures/audit/good.jsonl",
        "-o",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let html = std::fs::read_to_string(&path).unwrap();
    assert!(html.starts_with("<!doctype html>"));
    // Self-contained: nothing is fetched when the page is opened.
    for needle in ["src=\"http", "href=\"http", "<link", "@import", "url(http"] {
        assert!(!html.contains(needle), "{needle}");
    }
    let table: Value =
        serde_json::from_str(&std::fs::read_to_string(common::root().join("fixtures/apps/expected.json")).unwrap())
            .unwrap();
    let mut names = std::collections::BTreeSet::new();
    for file in table["apps"].as_object().unwrap().keys() {
        let text = std::fs::read_to_string(common::root().join("fixtures/apps").join(file)).unwrap();
        let name = microgov::Manifest::from_str_any(&text).unwrap().metadata.name;
        names.insert(name);
    }
    for name in &names {
        let section = format!("\" data-app=\"{name}\" data-outcome=\"");
        let at = html.find(&section).unwrap_or_else(|| panic!("no section for {name}"));
        let next = html[at + 1..].find("<section").map_or(html.len(), |n| at + 1 + n);
        assert!(
            html[at..next].contains(&format!(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"microgov-diagram\" data-app=\"{name}\""
            )),
            "{name}"
        );
    }
    // Two files hold hr-onboarding (YAML and JSON): one section per file.
    assert_eq!(html.matches("<section class=\"app\"").count(), table["apps"].as_object().unwrap().len());
    assert!(html.contains("<span class=\"badge intact\">intact</span>"), "audit status");
    assert!(html.contains("id=\"apps-table\""));
    assert!(html.contains("data-filter-for=\"apps-table\" hidden"), "the filter box shows only with scripts");
    assert!(html.contains("@media print"));
    // The waived transfer and its approval are listed.
    assert!(html.contains("<td><code>exc-3</code></td><td class=\"valid\">valid</td>"));
}

#[test]
fn report_names_a_tampered_log() {
    let path = out_file("tampered.html");
    let o = run(&[
        "report",
        "fixtures/apps/readonly-dashboard.yaml",
        "--now",
        NOW,
        "--audit",
        "fixtures/audit/edited_record.jsonl",
        "-o",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let html = std::fs::read_to_string(&path).unwrap();
    assert!(html.contains("<span class=\"badge tampered\">tampered</span>"), "{html}");
    assert!(html.contains("<b>edited_record</b>"));
}

#[test]
fn report_lists_an_invalid_file_and_exits_2() {
    let dir = out_file("mixed");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(common::root().join("fixtures/apps/readonly-dashboard.yaml"), dir.join("ok.yaml")).unwrap();
    std::fs::write(
        dir.join("broken.yaml"),
        "apiVersion: microgov.dev/v1\nkind: MicroApp\nmetadata: {name: Bad_Name}\n",
    )
    .unwrap();
    let path = out_file("mixed.html");
    let o = run(&["report", dir.to_str().unwrap(), "--now", NOW, "-o", path.to_str().unwrap()]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let html = std::fs::read_to_string(&path).unwrap();
    assert!(html.contains("<tr data-outcome=\"invalid\">"));
    assert!(html.contains("data-count=\"invalid files\"><b>1</b>"), "{html}");
}

#[test]
fn the_readme_diagram_is_what_the_cli_draws() {
    let o = run(&[
        "diagram",
        "fixtures/apps/hr-onboarding.yaml",
        "--data",
        "fixtures/approvals/directory.json",
        "--approvals",
        "fixtures/approvals/hr-onboarding.yaml",
        "--now",
        NOW,
    ]);
    let committed = std::fs::read_to_string(common::root().join("core/docs/diagrams/hr-onboarding.svg")).unwrap();
    assert_eq!(stdout(&o), committed, "run `bash scripts/readme-diagram.sh`");
}
