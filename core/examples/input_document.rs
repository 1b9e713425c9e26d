//! Prints the policy input document of a manifest (default: the bench manifest) as JSON,
//! at 2026-11-26T10:00:00Z; `--entry FILE` also writes the engine's entry module
//! (`Engine::entry_module`), which OPA needs beside the bundles for `data.microgov.decision`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut manifest = "fixtures/bench/typical.yaml".to_string();
    let mut entry = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--entry" => entry = Some(args.next().ok_or("--entry needs a file")?),
            _ => manifest = a,
        }
    }
    let text = std::fs::read_to_string(manifest)?;
    let engine = microgov::Engine::new()?;
    let app = engine.parse_manifest(&text)?;
    let ctx = microgov::Context::at("2026-11-26T10:00:00Z".parse()?).with_decision_id("x");
    let v = engine.input_document(&app, &ctx)?;
    println!("{}", serde_json::to_string(&v)?);
    if let Some(path) = entry {
        std::fs::write(path, engine.entry_module())?;
    }
    Ok(())
}
