//! The diagram as a self-contained SVG: laid out left to right by Sugiyama's layered
//! method (the `rust-sugiyama` crate: layers, crossing reduction, Brandes–Köpf
//! coordinates), drawn here with the verdict styles, no script, no external reference,
//! `<title>` and `<desc>` for screen readers and a `<title>` on every node and edge.

use super::diagram::{Diagram, Edge, Node, NodeKind, Verdict};
use super::escape::xml;
use std::fmt::Write as _;

/// Pixels between two layers (room for the edge labels).
const LAYER_GAP: f64 = 120.0;
/// Pixels between two nodes of one layer.
const NODE_GAP: f64 = 22.0;
const MARGIN: f64 = 16.0;
const HEADER: f64 = 52.0;
const LABEL_PX: f64 = 7.6;
const DETAIL_PX: f64 = 6.3;
const MAX_WIDTH: f64 = 260.0;
const MIN_WIDTH: f64 = 96.0;
const PAD_X: f64 = 12.0;

/// Stroke colours: red for an open violation, amber for a waived one, grey for fine.
pub(crate) fn stroke(v: Verdict) -> &'static str {
    match v {
        Verdict::Violation => "#cf222e",
        Verdict::Waived => "#9a6700",
        Verdict::Fine => "#57606a",
    }
}

/// Fill and border of a node of each kind.
pub(crate) fn fill(k: NodeKind) -> (&'static str, &'static str) {
    match k {
        NodeKind::Dataset => ("#ddf4ff", "#0969da"),
        NodeKind::Connector => ("#fbefff", "#8250df"),
        NodeKind::App => ("#f6f8fa", "#57606a"),
        NodeKind::Host => ("#fff8c5", "#9a6700"),
        NodeKind::Jurisdiction => ("#dafbe1", "#1a7f37"),
    }
}

/// The dash pattern of a waived edge or node border.
pub(crate) const DASH: &str = "6 4";

struct Placed {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
    label: String,
    details: Vec<String>,
}

fn fit(text: &str, px: f64, width: f64) -> String {
    let max = ((width - 2.0 * PAD_X) / px).floor().max(4.0) as usize;
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
    s.push('…');
    s
}

fn measure(n: &Node) -> Placed {
    let want = n
        .details
        .iter()
        .map(|d| d.chars().count() as f64 * DETAIL_PX)
        .fold(n.label.chars().count() as f64 * LABEL_PX, f64::max);
    let w = (want + 2.0 * PAD_X + 8.0).clamp(MIN_WIDTH, MAX_WIDTH).round();
    let h = 16.0 + 16.0 + 15.0 * n.details.len() as f64;
    Placed {
        x: 0.0,
        y: 0.0,
        w,
        h,
        label: fit(&n.label, LABEL_PX, w),
        details: n.details.iter().map(|d| fit(d, DETAIL_PX, w)).collect(),
    }
}

/// Positions (top-left corners) of the nodes, in `d.nodes` order, and the drawing's size.
fn layout(d: &Diagram) -> (Vec<Placed>, f64, f64) {
    let mut placed: Vec<Placed> = d.nodes.iter().map(measure).collect();
    let index = |id: &str| d.nodes.iter().position(|n| n.id == id);
    let mut edges: Vec<(u32, u32)> = Vec::new();
    for e in &d.edges {
        if let (Some(a), Some(b)) = (index(&e.from), index(&e.to)) {
            if a != b && !edges.contains(&(a as u32, b as u32)) {
                edges.push((a as u32, b as u32));
            }
        }
    }
    // The layout runs top to bottom; the diagram reads left to right, so each node goes
    // in with its height across the layer and its width (plus the gap) along the ranks.
    let vertices: Vec<(u32, (f64, f64))> =
        placed.iter().enumerate().map(|(i, p)| (i as u32, (p.h, p.w + LAYER_GAP))).collect();
    let config = rust_sugiyama::configure::Config { vertex_spacing: NODE_GAP, ..Default::default() };
    let mut components = rust_sugiyama::from_vertices_and_edges(&vertices, &edges, &config);
    components.sort_by_key(|(coords, _, _)| coords.iter().map(|(id, _)| *id).min().unwrap_or(usize::MAX));

    let mut top = HEADER;
    let mut width: f64 = 0.0;
    for (coords, _, _) in &components {
        // Centre of each node: the layout's x is across the layer (our y), its y the rank (our x).
        let centres: Vec<(usize, f64, f64)> = coords.iter().map(|(id, (x, y))| (*id, *y, *x)).collect();
        let left = centres
            .iter()
            .filter_map(|(id, cx, _)| placed.get(*id).map(|p| cx - p.w / 2.0))
            .fold(f64::INFINITY, f64::min);
        let upper = centres
            .iter()
            .filter_map(|(id, _, cy)| placed.get(*id).map(|p| cy - p.h / 2.0))
            .fold(f64::INFINITY, f64::min);
        let mut bottom: f64 = top;
        for (id, cx, cy) in centres {
            if let Some(p) = placed.get_mut(id) {
                p.x = (MARGIN + cx - p.w / 2.0 - left).round();
                p.y = (top + cy - p.h / 2.0 - upper).round();
                width = width.max(p.x + p.w + MARGIN);
                bottom = bottom.max(p.y + p.h);
            }
        }
        top = bottom + NODE_GAP * 1.5;
    }
    (placed, width, top)
}

fn marker_id(prefix: &str, v: Verdict) -> String {
    format!("{prefix}-arrow-{}", v.as_str())
}

fn edge_svg(out: &mut String, prefix: &str, d: &Diagram, e: &Edge, placed: &[Placed]) {
    let (Some(a), Some(b)) = (d.nodes.iter().position(|n| n.id == e.from), d.nodes.iter().position(|n| n.id == e.to))
    else {
        return;
    };
    let (pa, pb) = (&placed[a], &placed[b]);
    let (x0, y0, x1, y1) = if pb.x >= pa.x + pa.w {
        (pa.x + pa.w, pa.y + pa.h / 2.0, pb.x - 2.0, pb.y + pb.h / 2.0)
    } else {
        // A target not to the right (same layer or behind): leave from the bottom.
        (pa.x + pa.w / 2.0, pa.y + pa.h, pb.x + pb.w / 2.0, pb.y - 2.0)
    };
    let bend = ((x1 - x0).abs() / 2.0).max(30.0);
    let path = if pb.x >= pa.x + pa.w {
        format!("M{x0:.0},{y0:.0} C{:.0},{y0:.0} {:.0},{y1:.0} {x1:.0},{y1:.0}", x0 + bend, x1 - bend)
    } else {
        format!("M{x0:.0},{y0:.0} C{x0:.0},{:.0} {x1:.0},{:.0} {x1:.0},{y1:.0}", y0 + 30.0, y1 - 30.0)
    };
    let name = |i: usize| xml(&d.nodes[i].label);
    let mut title = format!("{} → {} ({} {})", name(a), name(b), e.kind.as_str(), xml(&e.label));
    for r in &e.reasons {
        let _ = write!(title, "\n{}: {}", r.verdict.as_str(), xml(&r.line()));
    }
    let colour = stroke(e.verdict);
    let width = if e.verdict == Verdict::Violation { 2.5 } else { 1.5 };
    let dash = if e.verdict == Verdict::Waived { format!(" stroke-dasharray=\"{DASH}\"") } else { String::new() };
    let _ = write!(
        out,
        "<g class=\"edge {kind} {verdict}\" data-from=\"{from}\" data-to=\"{to}\" data-verdict=\"{verdict}\"><title>{title}</title>\
<path d=\"{path}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"{width}\"{dash} marker-end=\"url(#{marker})\"/>",
        kind = e.kind.as_str(),
        verdict = e.verdict.as_str(),
        from = xml(&e.from),
        to = xml(&e.to),
        marker = marker_id(prefix, e.verdict),
    );
    if !e.label.is_empty() {
        let text = fit(&e.label, DETAIL_PX, LAYER_GAP + 24.0);
        let tw = text.chars().count() as f64 * DETAIL_PX + 8.0;
        let (mx, my) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        let _ = write!(
            out,
            "<rect x=\"{:.0}\" y=\"{:.0}\" width=\"{tw:.0}\" height=\"16\" rx=\"3\" fill=\"#fff\"/>\
<text x=\"{mx:.0}\" y=\"{:.0}\" text-anchor=\"middle\" font-size=\"11\" fill=\"{}\">{}</text>",
            mx - tw / 2.0,
            my - 8.0,
            my + 4.0,
            if e.verdict == Verdict::Fine { "#1f2328" } else { colour },
            xml(&text)
        );
    }
    out.push_str("</g>");
}

fn node_svg(out: &mut String, prefix: &str, i: usize, n: &Node, p: &Placed) {
    let (bg, border) = fill(n.kind);
    let (line, width, dash) = match n.verdict {
        Verdict::Violation => (stroke(Verdict::Violation), 3.0, String::new()),
        Verdict::Waived => (stroke(Verdict::Waived), 2.0, format!(" stroke-dasharray=\"{DASH}\"")),
        Verdict::Fine => (border, 1.2, String::new()),
    };
    let mut title = format!("{} {}", n.kind.as_str(), xml(&n.label));
    for d in &n.details {
        let _ = write!(title, "\n{}", xml(d));
    }
    for r in &n.reasons {
        let _ = write!(title, "\n{}: {}", r.verdict.as_str(), xml(&r.line()));
    }
    let rx = match n.kind {
        NodeKind::Dataset => 2.0,
        NodeKind::Host | NodeKind::Jurisdiction => 14.0,
        _ => 7.0,
    };
    let _ = write!(
        out,
        "<g class=\"node {kind} {verdict}\" id=\"{prefix}-n{i}\" data-id=\"{id}\" data-verdict=\"{verdict}\"><title>{title}</title>\
<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" rx=\"{rx}\" fill=\"{bg}\" stroke=\"{line}\" stroke-width=\"{width}\"{dash}/>\
<text x=\"{tx}\" y=\"{ty}\" font-size=\"13\" font-weight=\"600\" fill=\"#1f2328\">{label}</text>",
        kind = n.kind.as_str(),
        verdict = n.verdict.as_str(),
        id = xml(&n.id),
        x = p.x,
        y = p.y,
        w = p.w,
        h = p.h,
        tx = p.x + PAD_X,
        ty = p.y + 21.0,
        label = xml(&p.label),
    );
    for (k, d) in p.details.iter().enumerate() {
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#424a53\">{}</text>",
            p.x + PAD_X,
            p.y + 37.0 + 15.0 * k as f64,
            xml(d)
        );
    }
    out.push_str("</g>");
}

/// A prefix for the ids inside one drawing, so that several drawings share a page.
fn id_prefix(app: &str) -> String {
    let mut s = String::from("mg-");
    s.extend(app.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }));
    s
}

/// The diagram as one `<svg>` element (no XML declaration, so it also goes inline into HTML).
pub(crate) fn render(d: &Diagram) -> String {
    let prefix = id_prefix(&d.app);
    let (placed, width, height) = layout(d);
    let notes_top = height + 8.0;
    let legend_h = 24.0;
    let total_h = notes_top + legend_h + 18.0 * d.notes.len() as f64 + MARGIN;
    let width = width.max(440.0);
    let mut out = String::with_capacity(4096 + 600 * (d.nodes.len() + d.edges.len()));
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"microgov-diagram\" data-app=\"{app}\" width=\"{width}\" height=\"{total_h}\" \
viewBox=\"0 0 {width} {total_h}\" role=\"img\" aria-labelledby=\"{prefix}-title {prefix}-desc\" \
font-family=\"system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif\">\
<title id=\"{prefix}-title\">Data flow of {app}: {outcome}, tier {tier}</title><desc id=\"{prefix}-desc\">{desc}</desc><defs>",
        app = xml(&d.app),
        outcome = xml(&d.outcome),
        tier = xml(&d.tier),
        desc = xml(&d.summary()),
    );
    for v in [Verdict::Fine, Verdict::Waived, Verdict::Violation] {
        let _ = write!(
            out,
            "<marker id=\"{}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">\
<path d=\"M0,0 L10,5 L0,10 z\" fill=\"{}\"/></marker>",
            marker_id(&prefix, v),
            stroke(v)
        );
    }
    let outcome_colour = match d.outcome.as_str() {
        "deny" => stroke(Verdict::Violation),
        "review" => stroke(Verdict::Waived),
        _ => "#1a7f37",
    };
    let _ = write!(
        out,
        "</defs><rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\
<text x=\"{MARGIN}\" y=\"24\" font-size=\"16\" font-weight=\"700\" fill=\"#1f2328\">{}</text>\
<text x=\"{MARGIN}\" y=\"42\" font-size=\"12\" fill=\"#424a53\">outcome <tspan font-weight=\"700\" fill=\"{outcome_colour}\">{}</tspan> · tier {}</text>",
        xml(&d.app),
        xml(&d.outcome),
        xml(&d.tier)
    );
    out.push_str("<g class=\"edges\">");
    for e in &d.edges {
        edge_svg(&mut out, &prefix, d, e, &placed);
    }
    out.push_str("</g><g class=\"nodes\">");
    for (i, (n, p)) in d.nodes.iter().zip(&placed).enumerate() {
        node_svg(&mut out, &prefix, i, n, p);
    }
    out.push_str("</g>");
    // The legend: the three line styles.
    let _ = write!(out, "<g class=\"legend\" font-size=\"11\" fill=\"#424a53\">");
    let mut x = MARGIN;
    for (v, word) in [(Verdict::Violation, "violation"), (Verdict::Waived, "waived"), (Verdict::Fine, "fine")] {
        let dash = if v == Verdict::Waived { format!(" stroke-dasharray=\"{DASH}\"") } else { String::new() };
        let _ = write!(
            out,
            "<line x1=\"{x}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{y}\" stroke=\"{c}\" stroke-width=\"2.5\"{dash}/><text x=\"{tx}\" y=\"{ty}\">{word}</text>",
            y = notes_top + 8.0,
            x2 = x + 28.0,
            c = stroke(v),
            tx = x + 34.0,
            ty = notes_top + 12.0,
        );
        x += 110.0;
    }
    out.push_str("</g>");
    if !d.notes.is_empty() {
        out.push_str("<g class=\"notes\" font-size=\"11\">");
        for (k, r) in d.notes.iter().enumerate() {
            let chars = ((width - 2.0 * MARGIN) / DETAIL_PX) as usize;
            let mut line = format!("{} {}", if r.verdict == Verdict::Waived { "waived" } else { "app" }, r.line());
            if line.chars().count() > chars {
                line = line.chars().take(chars.saturating_sub(1)).collect::<String>() + "…";
            }
            let _ = write!(
                out,
                "<text class=\"note {}\" x=\"{MARGIN}\" y=\"{}\" fill=\"{}\"><title>{}</title>{}</text>",
                r.verdict.as_str(),
                notes_top + legend_h + 12.0 + 18.0 * k as f64,
                stroke(r.verdict),
                xml(&r.line()),
                xml(&line)
            );
        }
        out.push_str("</g>");
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::fit;

    #[test]
    fn long_text_is_cut_with_an_ellipsis() {
        assert_eq!(fit("short", 7.0, 200.0), "short");
        let cut = fit(&"x".repeat(100), 7.0, 100.0);
        assert!(cut.ends_with('…') && cut.chars().count() < 20, "{cut}");
    }
}
