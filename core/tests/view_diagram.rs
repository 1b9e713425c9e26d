//! The data-flow diagrams of the shipped apps: their structure (nodes, edges, verdicts)
//! against `fixtures/apps/expected.json`, and the same verdict styles in the SVG, Mermaid
//! and DOT markup, which parse as XML and as DOT.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use microgov::model::approval::approvals_from_str;
use microgov::view::{Diagram, DiagramFormat, EdgeKind, NodeKind, Verdict};
use microgov::{Context, Engine, Manifest};
use quick_xml::events::Event;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

fn expected() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixtures().join("apps/expected.json")).unwrap()).unwrap()
}

/// An engine as the fixture table builds it: with its data overlay (the approver directory).
fn engine() -> Engine {
    let data = std::fs::read_to_string(fixtures().join(expected()["data"].as_str().unwrap())).unwrap();
    Engine::with_options(microgov::EngineOptions::default().data(serde_json::from_str(&data).unwrap())).unwrap()
}

fn context(table: &Value, exp: &Value) -> Context {
    let now = chrono::DateTime::parse_from_rfc3339(table["now"].as_str().unwrap()).unwrap().to_utc();
    let approvals = match exp.get("approvals_file").and_then(Value::as_str) {
        Some(f) => approvals_from_str(&std::fs::read_to_string(fixtures().join("approvals").join(f)).unwrap()).unwrap(),
        None => Vec::new(),
    };
    Context::at(now).with_approvals(approvals).with_decision_id("d-1")
}

fn diagram_of(engine: &Engine, file: &str, ctx: &Context) -> (Manifest, Diagram) {
    let text = std::fs::read_to_string(fixtures().join("apps").join(file)).unwrap();
    let app = engine.parse_manifest(&text).unwrap();
    let decision = engine.evaluate(&app, ctx).unwrap();
    let diagram = Diagram::of(engine, &app, &decision).unwrap();
    (app, diagram)
}

/// Every shipped app: one node per dataset and connector, one flow edge per dataset a
/// connector carries, and the cross-border flows of the table drawn as a violation, or as
/// waived exactly when the decision waived them.
#[test]
fn each_fixture_app_has_its_datasets_connectors_and_flows() {
    let engine = engine();
    let table = expected();
    let mut checked = 0;
    for (file, exp) in table["apps"].as_object().unwrap() {
        let ctx = context(&table, exp);
        let (app, d) = diagram_of(&engine, file, &ctx);
        for ds in &app.spec.datasets {
            let n = d.node(&format!("dataset:{}", ds.name)).unwrap_or_else(|| panic!("{file}: dataset {}", ds.name));
            assert_eq!(n.kind, NodeKind::Dataset);
        }
        for c in &app.spec.connectors {
            assert!(d.node(&format!("connector:{}", c.name)).is_some(), "{file}: connector {}", c.name);
            for ds in &c.datasets {
                let flow = d.edges.iter().find(|e| {
                    e.kind == EdgeKind::Flow
                        && e.from == format!("dataset:{ds}")
                        && e.to == format!("connector:{}", c.name)
                });
                assert!(flow.is_some(), "{file}: flow {ds} -> {}", c.name);
            }
        }
        let flows = d.edges.iter().filter(|e| e.kind == EdgeKind::Flow).count();
        let carried: usize = app.spec.connectors.iter().map(|c| c.datasets.len()).sum();
        assert_eq!(flows, carried, "{file}");
        let decision = match exp.get("same_as").and_then(Value::as_str) {
            Some(same) => &table["apps"][same]["decision"],
            None => &exp["decision"],
        };
        let waived: Vec<String> = decision["waived"]
            .as_array()
            .map(|a| a.iter().map(|w| w.as_str().unwrap().to_string()).collect())
            .unwrap_or_default();
        for cb in exp["cross_border"].as_array().unwrap() {
            let (ds, c) = (cb["dataset"].as_str().unwrap(), cb["connector"].as_str().unwrap());
            let edge = d
                .edges
                .iter()
                .find(|e| {
                    e.kind == EdgeKind::Flow && e.from == format!("dataset:{ds}") && e.to == format!("connector:{c}")
                })
                .unwrap();
            let is_waived = waived.iter().any(|w| w.starts_with("residency.cross_border_transfer"));
            let want = if is_waived { Verdict::Waived } else { Verdict::Violation };
            assert_eq!(edge.verdict, want, "{file}: {ds} -> {c}");
            assert!(edge.reasons.iter().any(|r| r.rule == "residency.cross_border_transfer"), "{file}");
            // Where the flow lands is marked too.
            let region =
                d.edges.iter().find(|e| e.kind == EdgeKind::Region && e.from == format!("connector:{c}")).unwrap();
            assert_eq!(region.verdict, want, "{file}: region of {c}");
        }
        // An app without findings against it draws nothing red.
        let decision_violations = decision["violations"].as_array().map(Vec::len).unwrap();
        if decision_violations == 0 {
            assert!(d.nodes.iter().all(|n| n.verdict != Verdict::Violation), "{file}");
            assert!(d.edges.iter().all(|e| e.verdict != Verdict::Violation), "{file}");
        }
        checked += 1;
    }
    assert!(checked >= 13, "{checked}");
}

#[test]
fn a_violation_without_flow_lands_on_its_node_or_under_the_diagram() {
    let engine = engine();
    let table = expected();
    let exp = &table["apps"]["crm-data-extractor.yaml"];
    let (_, d) = diagram_of(&engine, "crm-data-extractor.yaml", &context(&table, exp));
    let sheets = d.node("connector:sheets").unwrap();
    assert_eq!(sheets.verdict, Verdict::Violation);
    assert!(sheets.reasons.iter().any(|r| r.rule == "pii.pii_export_unapproved"));
    let notes: Vec<&str> = d.notes.iter().map(|r| r.rule.as_str()).collect();
    assert_eq!(
        notes,
        [
            "agents.mcp_server_not_allowed",
            "agents.tool_not_allowed",
            "pii.local_accounts_forbidden",
            "pii.mfa_required"
        ]
    );
    assert_eq!(d.node("jurisdiction:US").unwrap().kind, NodeKind::Jurisdiction);
    assert_eq!(d.node("host:sheets.googleapis.com").unwrap().kind, NodeKind::Host);
}

#[test]
fn an_egress_url_to_the_metadata_address_is_a_red_edge_from_the_app() {
    let text = std::fs::read_to_string(fixtures().join("apps/readonly-dashboard.yaml")).unwrap()
        + "  egress:\n    - http://169.254.169.254/latest/meta-data/\n";
    let engine = engine();
    let app = engine.parse_manifest(&text).unwrap();
    let decision = engine.evaluate(&app, &Context::default()).unwrap();
    let d = Diagram::of(&engine, &app, &decision).unwrap();
    let edge = d.edges.iter().find(|e| e.to == "host:169.254.169.254").unwrap();
    assert_eq!((edge.from.as_str(), edge.kind), ("app", EdgeKind::Endpoint));
    assert_eq!(edge.verdict, Verdict::Violation);
    assert!(edge.reasons.iter().any(|r| r.rule.starts_with("egress.")), "{:?}", edge.reasons);
    assert_eq!(d.node("app").unwrap().kind, NodeKind::App);
    let svg = d.to_svg();
    assert!(svg.contains("data-from=\"app\" data-to=\"host:169.254.169.254\""), "{svg}");
}

/// Each element of the SVG, with its attributes; fails on anything that is not well-formed XML.
fn svg_elements(svg: &str) -> Vec<(String, BTreeMap<String, String>)> {
    let mut reader = quick_xml::Reader::from_str(svg);
    let mut out = Vec::new();
    let mut depth = 0i32;
    loop {
        let ev =
            reader.read_event().unwrap_or_else(|e| panic!("not well-formed XML at {}: {e}", reader.buffer_position()));
        let s = match &ev {
            Event::Start(s) => {
                depth += 1;
                s.clone()
            }
            Event::Empty(s) => s.clone(),
            Event::End(_) => {
                depth -= 1;
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let name = String::from_utf8(s.name().as_ref().to_vec()).unwrap();
        let attrs = s
            .attributes()
            .map(|a| {
                let a = a.unwrap();
                let key = String::from_utf8(a.key.as_ref().to_vec()).unwrap();
                (key, a.normalized_value(quick_xml::XmlVersion::Explicit1_0).unwrap().into_owned())
            })
            .collect();
        out.push((name, attrs));
    }
    assert_eq!(depth, 0, "unbalanced elements");
    out
}

#[test]
fn the_svg_is_self_contained_accessible_xml_with_the_verdict_styles() {
    let engine = engine();
    let table = expected();
    for file in ["hr-onboarding.yaml", "crm-data-extractor.yaml"] {
        let (_, d) = diagram_of(&engine, file, &context(&table, &table["apps"][file]));
        let svg = d.render(DiagramFormat::Svg);
        let elements = svg_elements(&svg);
        let (root, attrs) = &elements[0];
        assert_eq!(root, "svg");
        assert_eq!(attrs["xmlns"], "http://www.w3.org/2000/svg");
        assert_eq!(attrs["role"], "img");
        for id in attrs["aria-labelledby"].split(' ') {
            assert!(elements.iter().any(|(_, a)| a.get("id").map(String::as_str) == Some(id)), "{file}: {id}");
        }
        assert!(elements.iter().all(|(n, _)| n != "script" && n != "foreignObject" && n != "image"), "{file}");
        assert!(elements.iter().all(|(_, a)| !a.keys().any(|k| k.starts_with("on") || k.contains("href"))), "{file}");
        // Every node and edge of the diagram is drawn once, with its verdict.
        let groups: Vec<&BTreeMap<String, String>> =
            elements.iter().filter(|(n, a)| n == "g" && a.contains_key("data-verdict")).map(|(_, a)| a).collect();
        assert_eq!(groups.len(), d.nodes.len() + d.edges.len(), "{file}");
        for e in &d.edges {
            let i = elements
                .iter()
                .position(|(n, a)| n == "g" && a.get("data-from") == Some(&e.from) && a.get("data-to") == Some(&e.to))
                .unwrap_or_else(|| panic!("{file}: edge {} -> {}", e.from, e.to));
            assert_eq!(elements[i].1["data-verdict"], e.verdict.as_str());
            let path = elements[i..].iter().find(|(n, _)| n == "path").unwrap();
            let want = match e.verdict {
                Verdict::Violation => "#cf222e",
                Verdict::Waived => "#9a6700",
                Verdict::Fine => "#57606a",
            };
            assert_eq!(path.1["stroke"], want, "{file}: {} -> {}", e.from, e.to);
            assert_eq!(path.1.contains_key("stroke-dasharray"), e.verdict == Verdict::Waived, "{file}");
        }
    }
}

#[test]
fn residency_breaks_are_red_and_waivers_dashed_in_mermaid_and_dot() {
    let engine = engine();
    let table = expected();
    // crm-data-extractor: contacts -> sheets crosses the border, open.
    let (_, crm) =
        diagram_of(&engine, "crm-data-extractor.yaml", &context(&table, &table["apps"]["crm-data-extractor.yaml"]));
    // hr-onboarding with its approvals: employees -> payroll crosses the border, waived by exc-3.
    let (_, hr) = diagram_of(&engine, "hr-onboarding.yaml", &context(&table, &table["apps"]["hr-onboarding.yaml"]));
    for (d, from, to, verdict) in [
        (&crm, "dataset:contacts", "connector:sheets", Verdict::Violation),
        (&hr, "dataset:employees", "connector:payroll", Verdict::Waived),
    ] {
        let a = d.nodes.iter().position(|n| n.id == from).unwrap();
        let b = d.nodes.iter().position(|n| n.id == to).unwrap();
        let k = d.edges.iter().position(|e| e.from == from && e.to == to).unwrap();
        let mermaid = d.to_mermaid();
        assert!(mermaid.contains("flowchart LR"), "{mermaid}");
        let dot = d.to_dot();
        let dot_line = dot.lines().find(|l| l.trim_start().starts_with(&format!("n{a} -> n{b} "))).unwrap();
        match verdict {
            Verdict::Violation => {
                assert!(
                    mermaid.lines().any(|l| l.trim() == format!("linkStyle {k} stroke:#cf222e,stroke-width:3px")),
                    "{mermaid}"
                );
                assert!(mermaid.contains(&format!("n{a} -->|")), "{mermaid}");
                assert!(dot_line.contains("color=\"#cf222e\"") && dot_line.contains("style=solid"), "{dot_line}");
            }
            _ => {
                assert!(mermaid.contains(&format!("n{a} -.->|")), "{mermaid}");
                assert!(
                    mermaid
                        .lines()
                        .any(|l| l.starts_with(&format!("  linkStyle {k} ")) && l.contains("stroke-dasharray")),
                    "{mermaid}"
                );
                assert!(dot_line.contains("style=dashed") && dot_line.contains("color=\"#9a6700\""), "{dot_line}");
            }
        }
        // The DOT reads back as a Graphviz graph with every node and edge.
        let graph = layout::gv::DotParser::new(&dot).process().unwrap_or_else(|e| panic!("not DOT: {e}\n{dot}"));
        let stmts = &graph.list.list;
        let nodes = stmts.iter().filter(|s| matches!(s, layout::gv::parser::ast::Stmt::Node(_))).count();
        let edges = stmts.iter().filter(|s| matches!(s, layout::gv::parser::ast::Stmt::Edge(_))).count();
        assert_eq!((nodes, edges), (d.nodes.len(), d.edges.len()));
    }
}

#[test]
fn the_same_input_draws_the_same_bytes() {
    let table = expected();
    let exp = &table["apps"]["hr-onboarding.yaml"];
    let ctx = context(&table, exp);
    let first = diagram_of(&engine(), "hr-onboarding.yaml", &ctx).1;
    let second = diagram_of(&engine(), "hr-onboarding.yaml", &ctx).1;
    for f in [DiagramFormat::Svg, DiagramFormat::Mermaid, DiagramFormat::Dot] {
        assert_eq!(first.render(f), second.render(f), "{}", f.as_str());
    }
}

#[test]
fn names_with_markup_are_escaped_in_every_format() {
    let text = std::fs::read_to_string(fixtures().join("apps/readonly-dashboard.yaml"))
        .unwrap()
        .replace("purpose: Weekly", "purpose: <b>Weekly</b>");
    let engine = engine();
    let app = engine.parse_manifest(&text).unwrap();
    let mut decision = engine.evaluate(&app, &Context::default()).unwrap();
    decision.app = "a<b>&\"c\"".into();
    let d = Diagram::of(&engine, &app, &decision).unwrap();
    svg_elements(&d.to_svg());
    assert!(!d.to_mermaid().contains("a<b>"));
    assert!(d.to_dot().starts_with("digraph \"a<b>&\\\"c\\\"\" {"));
    layout::gv::DotParser::new(&d.to_dot()).process().unwrap();
}
