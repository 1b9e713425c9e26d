//! `microgov input`: the input document the policies read for one manifest, and the
//! generated entry module, so that stock OPA reproduces the decision
//! (`core/docs/input.md`, "The decision under OPA").

use crate::args::{ContextArgs, EngineArgs};
use crate::common::{
    build_context, build_engine, core_error, exit, invalid_document, load, CliError, CliResult, Failure,
};
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
    if args.manifest.is_dir() {
        return Err(CliError::input(format!("{} is a folder: input takes one manifest file", args.manifest.display())));
    }
    let engine = build_engine(&args.engine)?;
    let ctx = build_context(&args.context)?;
    let mut items = load(&engine, std::slice::from_ref(&args.manifest), false)?;
    let Some(item) = items.pop() else {
        return Err(CliError::input("no manifest"));
    };
    let manifest = match &item.result {
        Ok(m) => m,
        Err(Failure::Invalid(e)) => return Err(CliError::input(invalid_document(&item.shown, &item.text, e))),
        Err(f) => return Err(CliError::input(f.describe(&item.shown))),
    };
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
