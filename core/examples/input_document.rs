//! Prints the policy input document of a manifest (default: the bench manifest) as JSON.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(std::env::args().nth(1).unwrap_or("fixtures/bench/typical.yaml".into()))?;
    let engine = microgov::Engine::new()?;
    let app = engine.parse_manifest(&text)?;
    let ctx = microgov::Context::at("2026-11-26T10:00:00Z".parse()?).with_decision_id("x");
    let v = engine.input_document(&app, &ctx)?;
    println!("{}", serde_json::to_string(&v)?);
    Ok(())
}
