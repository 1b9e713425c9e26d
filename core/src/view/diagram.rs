//! The data-flow graph of one app: what the decision and its input document say about
//! where the app's data goes, before any drawing.
//!
//! Nodes are the app's datasets, its connectors, the hosts it reaches (connector
//! endpoints and `spec.egress` entries) and the jurisdictions of the connectors' regions;
//! edges are the flows (dataset → connector), the endpoints (connector → host) and the
//! regions (connector → jurisdiction). Each node and edge carries the violations and
//! waivers of the decision that are about it, and so a verdict.

use crate::engine::{Decision, Violation};
use serde::Serialize;
use serde_json::Value;

/// How a node or edge stands in the decision: the worst of what is about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Nothing in the decision is about it.
    Fine,
    /// A violation about it, waived by an exception.
    Waived,
    /// An open violation about it.
    Violation,
}

impl Verdict {
    /// `fine`, `waived` or `violation`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Fine => "fine",
            Verdict::Waived => "waived",
            Verdict::Violation => "violation",
        }
    }
}

/// What a node stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    /// A dataset of `spec.datasets`.
    Dataset,
    /// A connector of `spec.connectors`.
    Connector,
    /// The app itself, as the source of `spec.egress` entries no connector's endpoint has.
    App,
    /// A host the app reaches: a connector's endpoint or a `spec.egress` entry.
    Host,
    /// The jurisdiction (or, without one, the country) of a connector's region.
    Jurisdiction,
}

impl NodeKind {
    /// `dataset`, `connector`, `app`, `host` or `jurisdiction`.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Dataset => "dataset",
            NodeKind::Connector => "connector",
            NodeKind::App => "app",
            NodeKind::Host => "host",
            NodeKind::Jurisdiction => "jurisdiction",
        }
    }
}

/// What an edge stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    /// A connector carries a dataset (`findings.flows`); labelled with the access.
    Flow,
    /// A connector (or the app) reaches a host; labelled with the scheme and port.
    Endpoint,
    /// A connector runs in a region of a jurisdiction; labelled with the region.
    Region,
}

impl EdgeKind {
    /// `flow`, `endpoint` or `region`.
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Flow => "flow",
            EdgeKind::Endpoint => "endpoint",
            EdgeKind::Region => "region",
        }
    }
}

/// A violation (open or waived) drawn on a node or edge, or listed under the diagram.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    /// `violation` or `waived`.
    pub verdict: Verdict,
    /// `policy.rule`.
    pub rule: String,
    /// The violation's message.
    pub message: String,
    /// The approval that waived it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval_id: Option<String>,
}

impl Reason {
    /// One line: `policy.rule: message` (and the waiving approval).
    pub fn line(&self) -> String {
        match &self.approval_id {
            Some(id) => format!("{}: {} (waived by {id})", self.rule, self.message),
            None => format!("{}: {}", self.rule, self.message),
        }
    }
}

/// One box of the diagram.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Node {
    /// Stable id: `dataset:<name>`, `connector:<name>`, `app`, `host:<host>`, `jurisdiction:<code>`.
    pub id: String,
    /// What it stands for.
    pub kind: NodeKind,
    /// The name shown first.
    pub label: String,
    /// Lines under the name: classification, categories, access, region ...
    pub details: Vec<String>,
    /// The worst of its reasons.
    pub verdict: Verdict,
    /// What the decision says about it.
    pub reasons: Vec<Reason>,
}

/// One arrow of the diagram.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edge {
    /// The source node's id.
    pub from: String,
    /// The target node's id.
    pub to: String,
    /// What it stands for.
    pub kind: EdgeKind,
    /// The text on the arrow.
    pub label: String,
    /// The worst of its reasons.
    pub verdict: Verdict,
    /// What the decision says about it.
    pub reasons: Vec<Reason>,
}

/// The data-flow graph of one app, ready to draw ([`Diagram::render`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagram {
    /// The app's name.
    pub app: String,
    /// `allow`, `review` or `deny`.
    pub outcome: String,
    /// The risk tier.
    pub tier: String,
    /// Datasets, connectors, the app (when it has direct egress), hosts, jurisdictions, in that order.
    pub nodes: Vec<Node>,
    /// Flows, endpoints and regions.
    pub edges: Vec<Edge>,
    /// Violations about the app as a whole (no dataset, connector or URL of their own).
    pub notes: Vec<Reason>,
}

/// What a violation is about, read from its dataset, connector and JSON pointer.
enum Target {
    Flow(String, String),
    Dataset(String),
    Connector(String),
    Endpoint(String),
    Region(String),
    Egress(usize),
    App,
}

fn str_at<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn list<'a>(v: &'a Value, pointer: &str) -> &'a [Value] {
    v.pointer(pointer).and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[])
}

/// `/spec/<section>/<index>` and what follows it, when `path` starts so.
fn indexed<'a>(path: &'a str, section: &str) -> Option<(usize, &'a str)> {
    let rest = path.strip_prefix("/spec/")?.strip_prefix(section)?.strip_prefix('/')?;
    let (index, tail) = rest.split_once('/').map_or((rest, ""), |(i, t)| (i, t));
    Some((index.parse().ok()?, tail))
}

struct Names<'a> {
    datasets: Vec<&'a str>,
    connectors: Vec<&'a str>,
}

fn target(v: &Violation, names: &Names<'_>) -> Target {
    let path = v.path.as_deref().unwrap_or("");
    let at_region = path.ends_with("/region");
    if let (Some(d), Some(c)) = (&v.dataset, &v.connector) {
        if at_region {
            return Target::Region(c.clone());
        }
        return Target::Flow(d.clone(), c.clone());
    }
    if let Some((i, tail)) = indexed(path, "connectors") {
        if let Some(name) = names.connectors.get(i) {
            let name = (*name).to_string();
            return match tail.split('/').next() {
                Some("endpoint") => Target::Endpoint(name),
                Some("region") => Target::Region(name),
                _ => Target::Connector(name),
            };
        }
    }
    if let Some((i, _)) = indexed(path, "datasets") {
        if let Some(name) = names.datasets.get(i) {
            return Target::Dataset((*name).to_string());
        }
    }
    if let Some((i, _)) = indexed(path, "egress") {
        return Target::Egress(i);
    }
    match (&v.connector, &v.dataset) {
        (Some(c), _) => Target::Connector(c.clone()),
        (None, Some(d)) => Target::Dataset(d.clone()),
        (None, None) => Target::App,
    }
}

fn reason(v: &Violation, approval_id: Option<&str>) -> Reason {
    Reason {
        verdict: if approval_id.is_some() { Verdict::Waived } else { Verdict::Violation },
        rule: format!("{}.{}", v.policy, v.rule),
        message: v.message.clone(),
        approval_id: approval_id.map(str::to_string),
    }
}

fn worst(reasons: &[Reason]) -> Verdict {
    reasons.iter().map(|r| r.verdict).max().unwrap_or(Verdict::Fine)
}

impl Diagram {
    /// The diagram of the app `input` describes (its input document, as
    /// `Engine::input_document` gives it) under `decision`.
    ///
    /// Reads `input.app.spec` (datasets, connectors) and `input.findings` (connectors,
    /// flows, egress); keys that are absent draw nothing.
    pub fn new(decision: &Decision, input: &Value) -> Diagram {
        let spec_datasets = list(input, "/app/spec/datasets");
        let spec_connectors = list(input, "/app/spec/connectors");
        let names = Names {
            datasets: spec_datasets.iter().map(|d| str_at(d, "name").unwrap_or("")).collect(),
            connectors: spec_connectors.iter().map(|c| str_at(c, "name").unwrap_or("")).collect(),
        };
        let findings = input.get("findings").unwrap_or(&Value::Null);
        let found_connectors = findings.get("connectors");

        let mut b = Builder::default();
        for d in spec_datasets {
            let name = str_at(d, "name").unwrap_or("");
            let mut details = Vec::new();
            let mut first = str_at(d, "classification").unwrap_or("").to_string();
            if let Some(r) = str_at(d, "residency") {
                first = join_dot(&first, &format!("residency {r}"));
            }
            if !first.is_empty() {
                details.push(first);
            }
            let categories: Vec<&str> =
                d.get("categories").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
            if !categories.is_empty() {
                details.push(categories.join(", "));
            }
            b.node(format!("dataset:{name}"), NodeKind::Dataset, name, details);
        }
        // The host each connector's endpoint reaches, to draw `spec.egress` entries from it.
        let mut endpoint_host: Vec<(String, String)> = Vec::new();
        for c in spec_connectors {
            let name = str_at(c, "name").unwrap_or("");
            let found = found_connectors.and_then(|f| f.get(name)).unwrap_or(&Value::Null);
            let mut details = vec![join_dot(str_at(c, "type").unwrap_or(""), str_at(c, "access").unwrap_or(""))];
            let external = found.get("external").or_else(|| c.get("external")).and_then(Value::as_bool);
            match str_at(c, "region") {
                Some(r) => {
                    details.push(if external == Some(true) { format!("{r} · external") } else { r.to_string() })
                }
                None if external == Some(true) => details.push("external".to_string()),
                None => {}
            }
            b.node(format!("connector:{name}"), NodeKind::Connector, name, details);
            if let Some(host) = str_at(found, "host") {
                endpoint_host.push((name.to_string(), host.to_string()));
            }
        }
        // Hosts, from every parsed URL; each `spec.egress` entry drawn from the connector
        // whose endpoint has its host, else from the app.
        let mut egress_edge: Vec<(String, usize)> = Vec::new();
        let mut needs_app = false;
        for e in list(findings, "/egress") {
            let Some(host) = str_at(e, "host") else { continue };
            let host_id = format!("host:{host}");
            let mut details = Vec::new();
            if let Some(class) = str_at(e, "ip_class").filter(|c| *c != "public") {
                details.push(format!("{class} address"));
            }
            b.node(host_id.clone(), NodeKind::Host, host, details);
            let path = str_at(e, "path").unwrap_or("");
            let source = if let Some((i, _)) = indexed(path, "connectors") {
                names.connectors.get(i).map(|c| format!("connector:{c}"))
            } else {
                match endpoint_host.iter().find(|(_, h)| h == host) {
                    Some((c, _)) => Some(format!("connector:{c}")),
                    None => {
                        needs_app = true;
                        Some("app".to_string())
                    }
                }
            };
            let Some(source) = source else { continue };
            let scheme = str_at(e, "scheme").unwrap_or("");
            let label = match e.get("port").and_then(Value::as_u64) {
                Some(p) if !(scheme == "https" && p == 443 || scheme == "http" && p == 80) => format!("{scheme}:{p}"),
                _ => scheme.to_string(),
            };
            let edge = b.edge(&source, &host_id, EdgeKind::Endpoint, &label);
            egress_edge.push((path.to_string(), edge));
        }
        if needs_app {
            b.node("app".to_string(), NodeKind::App, &decision.app, vec!["direct egress".to_string()]);
        }
        for f in list(findings, "/flows") {
            let (Some(d), Some(c)) = (str_at(f, "dataset"), str_at(f, "connector")) else { continue };
            b.edge(
                &format!("dataset:{d}"),
                &format!("connector:{c}"),
                EdgeKind::Flow,
                str_at(f, "access").unwrap_or(""),
            );
        }
        for c in &names.connectors {
            let found = found_connectors.and_then(|f| f.get(*c)).unwrap_or(&Value::Null);
            let Some(region) = str_at(found, "region") else { continue };
            let known = found.get("known_region").and_then(Value::as_bool).unwrap_or(false);
            let (code, country) = match (str_at(found, "jurisdiction"), str_at(found, "country")) {
                (Some(j), country) if known => (j.to_string(), country),
                (None, Some(country)) if known => (country.to_string(), None),
                _ => ("unknown".to_string(), None),
            };
            let id = format!("jurisdiction:{code}");
            let label = if code == "unknown" { "unknown jurisdiction" } else { code.as_str() };
            b.node(id.clone(), NodeKind::Jurisdiction, label, Vec::new());
            if let Some(country) = country.filter(|k| *k != code) {
                b.detail(&id, country);
            }
            b.edge(&format!("connector:{c}"), &id, EdgeKind::Region, region);
        }

        let mut notes = Vec::new();
        let all = decision
            .violations
            .iter()
            .map(|v| (v, None))
            .chain(decision.waived.iter().map(|w| (&w.violation, Some(w.approval_id.as_str()))));
        for (v, approval) in all {
            let r = reason(v, approval);
            let placed = match target(v, &names) {
                Target::Flow(d, c) => {
                    b.on_edge(&format!("dataset:{d}"), &format!("connector:{c}"), &r)
                        || b.on_node(&format!("connector:{c}"), &r)
                }
                Target::Region(c) => {
                    let region_edge =
                        b.edges.iter().position(|e| e.kind == EdgeKind::Region && e.from == format!("connector:{c}"));
                    // A flow that breaks residency: the flow and where it lands.
                    if let Some(d) = &v.dataset {
                        b.on_edge(&format!("dataset:{d}"), &format!("connector:{c}"), &r);
                    }
                    match region_edge {
                        Some(i) => b.push_edge_reason(i, &r),
                        None => b.on_node(&format!("connector:{c}"), &r),
                    }
                }
                Target::Endpoint(c) => {
                    let i =
                        b.edges.iter().position(|e| e.kind == EdgeKind::Endpoint && e.from == format!("connector:{c}"));
                    match i {
                        Some(i) => b.push_edge_reason(i, &r),
                        None => b.on_node(&format!("connector:{c}"), &r),
                    }
                }
                Target::Egress(i) => {
                    let path = format!("/spec/egress/{i}");
                    match egress_edge.iter().find(|(p, _)| *p == path) {
                        Some((_, e)) => b.push_edge_reason(*e, &r),
                        None => false,
                    }
                }
                Target::Connector(c) => b.on_node(&format!("connector:{c}"), &r),
                Target::Dataset(d) => b.on_node(&format!("dataset:{d}"), &r),
                Target::App => false,
            };
            if !placed {
                notes.push(r);
            }
        }
        for n in &mut b.nodes {
            n.verdict = worst(&n.reasons);
        }
        for e in &mut b.edges {
            e.verdict = worst(&e.reasons);
        }
        // Datasets, connectors, the app, hosts, jurisdictions: stable, the manifest's order within each.
        b.nodes.sort_by_key(|n| n.kind);
        b.edges.sort_by_key(|e| e.kind);
        Diagram {
            app: decision.app.clone(),
            outcome: decision.outcome.as_str().to_string(),
            tier: decision.tier.as_str().to_string(),
            nodes: b.nodes,
            edges: b.edges,
            notes,
        }
    }

    /// The node with this id.
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.id == id)
    }

    /// A one-paragraph text of the whole diagram: what a screen reader reads.
    pub fn summary(&self) -> String {
        let mut s = format!("Data flow of {}: outcome {}, tier {}.", self.app, self.outcome, self.tier);
        for e in &self.edges {
            let name = |id: &str| self.node(id).map_or(id.to_string(), |n| n.label.clone());
            s.push_str(&format!(" {} to {} ({} {})", name(&e.from), name(&e.to), e.kind.as_str(), e.label));
            match e.verdict {
                Verdict::Fine => s.push('.'),
                v => {
                    let rules: Vec<&str> = e.reasons.iter().map(|r| r.rule.as_str()).collect();
                    s.push_str(&format!(": {} ({}).", v.as_str(), rules.join(", ")));
                }
            }
        }
        for n in self.nodes.iter().filter(|n| n.verdict != Verdict::Fine) {
            let rules: Vec<&str> = n.reasons.iter().map(|r| r.rule.as_str()).collect();
            s.push_str(&format!(" {} {}: {} ({}).", n.kind.as_str(), n.label, n.verdict.as_str(), rules.join(", ")));
        }
        for r in &self.notes {
            s.push_str(&format!(" App: {} {}.", r.verdict.as_str(), r.rule));
        }
        s
    }
}

fn join_dot(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("{a} · {b}"),
    }
}

#[derive(Default)]
struct Builder {
    nodes: Vec<Node>,
    edges: Vec<Edge>,
}

impl Builder {
    fn node(&mut self, id: String, kind: NodeKind, label: &str, details: Vec<String>) {
        if self.nodes.iter().any(|n| n.id == id) {
            return;
        }
        self.nodes.push(Node {
            id,
            kind,
            label: label.to_string(),
            details,
            verdict: Verdict::Fine,
            reasons: Vec::new(),
        });
    }

    fn detail(&mut self, id: &str, line: &str) {
        if let Some(n) = self.nodes.iter_mut().find(|n| n.id == id) {
            if !n.details.iter().any(|d| d.split(", ").any(|x| x == line)) {
                match n.details.first_mut() {
                    Some(d) => {
                        d.push_str(", ");
                        d.push_str(line);
                    }
                    None => n.details.push(line.to_string()),
                }
            }
        }
    }

    /// The edge's index; an edge already there (same ends and kind) is kept, its label extended.
    fn edge(&mut self, from: &str, to: &str, kind: EdgeKind, label: &str) -> usize {
        if let Some(i) = self.edges.iter().position(|e| e.from == from && e.to == to && e.kind == kind) {
            let e = &mut self.edges[i];
            if !label.is_empty() && !e.label.split(", ").any(|l| l == label) {
                e.label = if e.label.is_empty() { label.to_string() } else { format!("{}, {label}", e.label) };
            }
            return i;
        }
        self.edges.push(Edge {
            from: from.to_string(),
            to: to.to_string(),
            kind,
            label: label.to_string(),
            verdict: Verdict::Fine,
            reasons: Vec::new(),
        });
        self.edges.len() - 1
    }

    fn on_node(&mut self, id: &str, r: &Reason) -> bool {
        match self.nodes.iter_mut().find(|n| n.id == id) {
            Some(n) => {
                n.reasons.push(r.clone());
                true
            }
            None => false,
        }
    }

    fn on_edge(&mut self, from: &str, to: &str, r: &Reason) -> bool {
        match self.edges.iter().position(|e| e.from == from && e.to == to) {
            Some(i) => self.push_edge_reason(i, r),
            None => false,
        }
    }

    fn push_edge_reason(&mut self, i: usize, r: &Reason) -> bool {
        match self.edges.get_mut(i) {
            Some(e) => {
                if !e.reasons.contains(r) {
                    e.reasons.push(r.clone());
                }
                true
            }
            None => false,
        }
    }
}
