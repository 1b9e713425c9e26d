//! `microgov diagram`: the data-flow diagram of one app (datasets → connectors → hosts and
//! jurisdictions, coloured by the decision) as SVG, Mermaid or Graphviz DOT.

use crate::args::{ContextArgs, EngineArgs};
use crate::common::{build_context, build_engine, core_error, exit, load_single, CliError, CliResult};
use clap::ValueEnum;
use microgov::view::{Diagram, DiagramFormat};
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A self-contained SVG image (no script), with accessible text.
    Svg,
    /// Mermaid flowchart text, for Markdown docs and wikis.
    Mermaid,
    /// Graphviz DOT text (`dot -Tpng`).
    Dot,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The manifest file.
    #[arg(value_name = "MANIFEST")]
    pub manifest: PathBuf,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Svg)]
    pub format: Format,
    /// Write to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub engine: EngineArgs,
    #[command(flatten)]
    pub context: ContextArgs,
}

pub fn run(args: Args) -> CliResult<u8> {
    let engine = build_engine(&args.engine)?;
    let ctx = build_context(&args.context)?;
    let item =
        load_single(&engine, &args.manifest, "diagram takes one manifest file (`microgov report` draws a folder)")?;
    let manifest = &item.manifest;
    let decision = engine.evaluate(manifest, &ctx).map_err(|e| core_error(&item.shown, e))?;
    let diagram = Diagram::of(&engine, manifest, &decision).map_err(|e| core_error(&item.shown, e))?;
    let format = match args.format {
        Format::Svg => DiagramFormat::Svg,
        Format::Mermaid => DiagramFormat::Mermaid,
        Format::Dot => DiagramFormat::Dot,
    };
    let mut text = diagram.render(format);
    if format == DiagramFormat::Svg {
        // A file of its own: the XML declaration makes it a standalone SVG document.
        text = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{text}\n");
    }
    match &args.output {
        Some(path) => std::fs::write(path, text.as_bytes()).map_err(|e| {
            CliError::input(format!("cannot write {}: {}", path.display(), crate::common::io_message(&e)))
        })?,
        None => {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
        }
    }
    Ok(exit::OK)
}
