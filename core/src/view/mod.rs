//! Pictures of decisions: the data-flow diagram of one app (SVG, Mermaid, Graphviz DOT)
//! and the HTML governance report of many.
//!
//! Everything here is drawn from what a [`Decision`] and its input document
//! ([`Engine::input_document`]) already hold; nothing is decided here.
//!
//! ```
//! use microgov::{Context, Engine, Manifest};
//! use microgov::view::{Diagram, DiagramFormat};
//!
//! let engine = Engine::new()?;
//! let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/apps/hr-onboarding.yaml"))?;
//! let app = engine.parse_manifest(&text)?;
//! let decision = engine.evaluate(&app, &Context::default())?;
//! let diagram = Diagram::of(&engine, &app, &decision)?;
//! let svg = diagram.render(DiagramFormat::Svg);
//! assert!(svg.starts_with("<svg"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Here: `diagram` (the graph: [`Diagram`], its nodes, edges and verdicts), `svg` (layout
//! and drawing), `text` (Mermaid and DOT), `escape` (markup escaping), `report` (the HTML
//! page of many apps).

mod diagram;
pub mod escape;
pub mod report;
mod svg;
mod text;

pub use diagram::{Diagram, Edge, EdgeKind, Node, NodeKind, Reason, Verdict};

use crate::engine::{Context, Decision, Engine};
use crate::model::Manifest;
use crate::Result;

/// How to write a diagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DiagramFormat {
    /// A self-contained `<svg>` element: no script, no external reference, accessible text.
    Svg,
    /// Mermaid `flowchart LR` text.
    Mermaid,
    /// Graphviz DOT text.
    Dot,
}

impl DiagramFormat {
    /// `svg`, `mermaid` or `dot`.
    pub fn as_str(self) -> &'static str {
        match self {
            DiagramFormat::Svg => "svg",
            DiagramFormat::Mermaid => "mermaid",
            DiagramFormat::Dot => "dot",
        }
    }

    /// The format named `svg`, `mermaid` (or `mmd`) or `dot` (or `gv`), in any case.
    pub fn parse(name: &str) -> Option<DiagramFormat> {
        match name.to_ascii_lowercase().as_str() {
            "svg" => Some(DiagramFormat::Svg),
            "mermaid" | "mmd" => Some(DiagramFormat::Mermaid),
            "dot" | "gv" | "graphviz" => Some(DiagramFormat::Dot),
            _ => None,
        }
    }
}

impl Diagram {
    /// The diagram of `app` under `decision`: its input document is built as at the
    /// decision's evaluation time (the findings drawn do not depend on approvals).
    pub fn of(engine: &Engine, app: &Manifest, decision: &Decision) -> Result<Diagram> {
        let now = chrono::DateTime::parse_from_rfc3339(&decision.evaluated_at).ok().map(|t| t.to_utc());
        let ctx = Context { now, ..Context::default() };
        let input = engine.input_document(app, &ctx)?;
        Ok(Diagram::new(decision, &input))
    }

    /// The diagram written in `format`. The same diagram always gives the same text.
    pub fn render(&self, format: DiagramFormat) -> String {
        match format {
            DiagramFormat::Svg => svg::render(self),
            DiagramFormat::Mermaid => text::mermaid(self),
            DiagramFormat::Dot => text::dot(self),
        }
    }

    /// The self-contained `<svg>` element.
    pub fn to_svg(&self) -> String {
        svg::render(self)
    }

    /// Mermaid `flowchart LR` text.
    pub fn to_mermaid(&self) -> String {
        text::mermaid(self)
    }

    /// Graphviz DOT text.
    pub fn to_dot(&self) -> String {
        text::dot(self)
    }
}
