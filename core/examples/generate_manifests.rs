//! Writes generated manifests, and the approvals made for each, to a folder: the cases of
//! the differential test (`core/tests/differential.rs`), for a look, `microgov check` or
//! `opa eval`.
//!
//! ```sh
//! cargo run --all-features --example generate_manifests -- --seed 16 --count 100 --out /tmp/gen
//! ```
//!
//! Each case is `<name>.yaml` and `<name>.approvals.yaml`; with `--input`, also
//! `<name>.input.json`, the input document OPA evaluates (at the generator's `now`, with
//! those approvals). Every manifest is read back from the written YAML and must be the
//! manifest the JSON form gives: the example fails on any the engine refuses.

#[path = "../tests/common/generate.rs"]
mod generate;

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut seed = 16u64;
    let mut count = 100u64;
    let mut out = PathBuf::from("generated-manifests");
    let mut with_input = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--seed" => seed = value()?.parse()?,
            "--count" => count = value()?.parse()?,
            "--out" => out = PathBuf::from(value()?),
            "--input" => with_input = true,
            _ => return Err(format!("unknown argument {a}; use --seed S --count N --out DIR [--input]").into()),
        }
    }
    std::fs::create_dir_all(&out)?;
    let engine = microgov::Engine::new()?;
    let generator = generate::Generator::from_data(engine.data());
    let mut refused = 0;
    for i in 0..count {
        let case = generator.case(seed, i);
        let name = case.manifest["metadata"]["name"].as_str().unwrap_or("case").to_string();
        let text = serde_yaml_ng::to_string(&case.manifest)?;
        let from_text = engine.parse_manifest(&text);
        let from_value = engine.manifest_from_value(&case.manifest);
        let approvals = microgov::model::approval::approvals_from_value(&case.approvals);
        match (from_text, from_value, approvals) {
            (Ok(a), Ok(b), Ok(approvals)) if a == b => {
                std::fs::write(out.join(format!("{name}.yaml")), &text)?;
                std::fs::write(out.join(format!("{name}.approvals.yaml")), serde_yaml_ng::to_string(&case.approvals)?)?;
                if with_input {
                    let ctx = microgov::Context::at(generate::now()).with_decision_id(&name).with_approvals(approvals);
                    let input = engine.input_document(&a, &ctx)?;
                    std::fs::write(out.join(format!("{name}.input.json")), serde_json::to_string_pretty(&input)?)?;
                }
            }
            (a, b, approvals) => {
                refused += 1;
                eprintln!(
                    "case {i} ({name}): yaml {:?}\njson {:?}\napprovals {:?}\n{text}",
                    a.err(),
                    b.err(),
                    approvals.err()
                );
            }
        }
    }
    println!("wrote {} cases of seed {seed} to {}", count - refused, out.display());
    if refused > 0 {
        return Err(format!("{refused} of {count} generated cases were refused").into());
    }
    Ok(())
}
