//! `microgov input`: the input document the policies read for one manifest, and the
//! generated entry module, so that stock OPA reproduces the decision
//! (`core/docs/input.md`, "The decision under OPA").

use crate::args::{ContextArgs, EngineArgs};
use crate::common::{build_context, build_engine, core_error, exit, load_single, CliError, CliResult};
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The manifest file.
    #[arg(value_name = "MANIFEST")]
    pub manifest: PathBuf,
    /// Also write the generated entry module (package microgov_entry) for the loaded policies
    /// to this file, for `opa eval -d FILE`.
    #[arg(long, value_name = "FILE")]
    pub entry: Option<PathBuf>,
    #[command(flatten)]
    pub engine: EngineArgs,
    #[command(flatten)]
    pub context: ContextArgs,
}

pub fn run(args: Args) -> CliResult<u8> {
    let engine = build_engine(&args.engine)?;
    let ctx = build_context(&args.context)?;
    let item = load_single(&engine, &args.manifest, "input takes one manifest file")?;
    let manifest = &item.manifest;
    let input = engine.input_document(manifest, &ctx).map_err(|e| core_error(&item.shown, e))?;
    if let Some(path) = &args.entry {
        std::fs::write(path, engine.entry_module()).map_err(|e| {
            CliError::input(format!("cannot write {}: {}", path.display(), crate::common::io_message(&e)))
        })?;
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    serde_json::to_writer_pretty(&mut out, &input).map_err(std::io::Error::from)?;
    writeln!(out)?;
    out.flush()?;
    Ok(exit::OK)
}
