//! The diagram as Mermaid (`flowchart LR`) and Graphviz DOT text, for docs and wikis:
//! the same nodes and edges as the SVG, with the verdict styles (red for an open
//! violation, dashed amber for a waived one) written into the markup.

use super::diagram::{Diagram, NodeKind, Verdict};
use super::escape;
use super::svg::{fill, stroke, DASH};
use std::fmt::Write as _;

fn node_index(d: &Diagram, id: &str) -> Option<usize> {
    d.nodes.iter().position(|n| n.id == id)
}

/// Mermaid flowchart text.
pub(crate) fn mermaid(d: &Diagram) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "---\ntitle: \"Data flow of {}: {}, tier {}\"\n---\nflowchart LR",
        escape::mermaid(&d.app),
        d.outcome,
        d.tier
    );
    for (i, n) in d.nodes.iter().enumerate() {
        let mut text = format!("<b>{}</b>", escape::mermaid(&n.label));
        for line in &n.details {
            let _ = write!(text, "<br/>{}", escape::mermaid(line));
        }
        let (open, close) = match n.kind {
            NodeKind::Dataset => ("[(", ")]"),
            NodeKind::Connector => ("[", "]"),
            NodeKind::App => ("[[", "]]"),
            NodeKind::Host => ("([", "])"),
            NodeKind::Jurisdiction => ("{{", "}}"),
        };
        let _ = writeln!(out, "  n{i}{open}\"{text}\"{close}");
    }
    let mut styles = Vec::new();
    let mut k = 0;
    for e in &d.edges {
        let (Some(a), Some(b)) = (node_index(d, &e.from), node_index(d, &e.to)) else { continue };
        let arrow = if e.verdict == Verdict::Waived { "-.->" } else { "-->" };
        if e.label.is_empty() {
            let _ = writeln!(out, "  n{a} {arrow} n{b}");
        } else {
            let _ = writeln!(out, "  n{a} {arrow}|\"{}\"| n{b}", escape::mermaid(&e.label));
        }
        match e.verdict {
            Verdict::Violation => styles.push(format!("  linkStyle {k} stroke:{},stroke-width:3px", stroke(e.verdict))),
            Verdict::Waived => styles
                .push(format!("  linkStyle {k} stroke:{},stroke-width:2px,stroke-dasharray:{DASH}", stroke(e.verdict))),
            Verdict::Fine => {}
        }
        k += 1;
    }
    for kind in [NodeKind::Dataset, NodeKind::Connector, NodeKind::App, NodeKind::Host, NodeKind::Jurisdiction] {
        let (bg, border) = fill(kind);
        let _ = writeln!(out, "  classDef {} fill:{bg},stroke:{border},color:#1f2328", kind.as_str());
    }
    let _ = writeln!(out, "  classDef violation stroke:{},stroke-width:3px", stroke(Verdict::Violation));
    let _ =
        writeln!(out, "  classDef waived stroke:{},stroke-width:2px,stroke-dasharray:{DASH}", stroke(Verdict::Waived));
    for (i, n) in d.nodes.iter().enumerate() {
        let _ = writeln!(out, "  class n{i} {}", n.kind.as_str());
        if n.verdict != Verdict::Fine {
            let _ = writeln!(out, "  class n{i} {}", n.verdict.as_str());
        }
    }
    for s in styles {
        out.push_str(&s);
        out.push('\n');
    }
    out
}

/// Graphviz DOT text (`digraph`, left to right).
pub(crate) fn dot(d: &Diagram) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph \"{}\" {{", escape::dot(&d.app));
    let _ = writeln!(
        out,
        "  label=\"Data flow of {}: {}, tier {}\";\n  labelloc=t;\n  rankdir=LR;\n  fontname=\"Helvetica\";",
        escape::dot(&d.app),
        escape::dot(&d.outcome),
        escape::dot(&d.tier)
    );
    let _ = writeln!(out, "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=11];");
    let _ = writeln!(out, "  edge [fontname=\"Helvetica\", fontsize=10];");
    for (i, n) in d.nodes.iter().enumerate() {
        let (bg, border) = fill(n.kind);
        let mut label = escape::dot(&n.label);
        for line in &n.details {
            let _ = write!(label, "\\n{}", escape::dot(line));
        }
        let shape = match n.kind {
            NodeKind::Dataset => "cylinder",
            NodeKind::Host => "ellipse",
            NodeKind::Jurisdiction => "hexagon",
            _ => "box",
        };
        let (colour, width, style) = match n.verdict {
            Verdict::Violation => (stroke(n.verdict), "3", "filled"),
            Verdict::Waived => (stroke(n.verdict), "2", "dashed,filled"),
            Verdict::Fine => (border, "1", "filled"),
        };
        let style = if shape == "box" { format!("rounded,{style}") } else { style.to_string() };
        let tooltip: Vec<String> = n.reasons.iter().map(|r| r.line()).collect();
        let _ = writeln!(
            out,
            "  n{i} [id=\"{}\", class=\"{} {}\", label=\"{label}\", shape={shape}, style=\"{style}\", fillcolor=\"{bg}\", color=\"{colour}\", penwidth={width}, tooltip=\"{}\"];",
            escape::dot(&n.id),
            n.kind.as_str(),
            n.verdict.as_str(),
            escape::dot(&tooltip.join("\n"))
        );
    }
    for e in &d.edges {
        let (Some(a), Some(b)) = (node_index(d, &e.from), node_index(d, &e.to)) else { continue };
        let colour = stroke(e.verdict);
        let (style, width) = match e.verdict {
            Verdict::Violation => ("solid", "2.5"),
            Verdict::Waived => ("dashed", "2"),
            Verdict::Fine => ("solid", "1.2"),
        };
        let tooltip: Vec<String> = e.reasons.iter().map(|r| r.line()).collect();
        let _ = writeln!(
            out,
            "  n{a} -> n{b} [class=\"{} {}\", label=\"{}\", color=\"{colour}\", fontcolor=\"{colour}\", style={style}, penwidth={width}, tooltip=\"{}\"];",
            e.kind.as_str(),
            e.verdict.as_str(),
            escape::dot(&e.label),
            escape::dot(&tooltip.join("\n"))
        );
    }
    out.push_str("}\n");
    out
}
