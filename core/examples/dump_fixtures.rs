//! Prints the decision for each fixture app (used to review fixture expectations).
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let engine = microgov::Engine::new()?;
    let expected: serde_json::Value = serde_json::from_str(&std::fs::read_to_string("fixtures/apps/expected.json")?)?;
    let now = expected["now"].as_str().unwrap_or("2026-11-26T10:00:00Z").parse()?;
    let mut names: Vec<_> = std::fs::read_dir("fixtures/apps")?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    names.sort();
    for p in names {
        let app = engine.parse_manifest(&std::fs::read_to_string(&p)?)?;
        let file = p.file_name().and_then(|f| f.to_str()).unwrap_or_default().to_string();
        let approvals = match expected["apps"][&file]["approvals_file"].as_str() {
            Some(f) => microgov::model::approval::approvals_from_str(&std::fs::read_to_string(format!(
                "fixtures/approvals/{f}"
            ))?)
            .map_err(|e| format!("{e:?}"))?,
            None => vec![],
        };
        let d = engine.evaluate(&app, &microgov::Context::at(now).with_decision_id("x").with_approvals(approvals))?;
        let v: Vec<String> = d
            .violations
            .iter()
            .map(|v| format!("{}.{}@{}", v.policy, v.rule, v.path.clone().unwrap_or_default()))
            .collect();
        let w: Vec<String> = d.waived.iter().map(|w| format!("{}.{}", w.violation.policy, w.violation.rule)).collect();
        let r: Vec<String> = d.required_approvals.iter().map(|r| r.role.clone()).collect();
        if std::env::args().any(|a| a == "--json") {
            let exp = serde_json::json!({
                "file": file,
                "outcome": d.outcome,
                "violations": d.violations.iter().map(|v| serde_json::json!({"policy": v.policy, "rule": v.rule, "path": v.path})).collect::<Vec<_>>(),
                "waived": d.waived.iter().map(|w| serde_json::json!({"policy": w.violation.policy, "rule": w.violation.rule, "approval_id": w.approval_id})).collect::<Vec<_>>(),
                "required_approvals": d.required_approvals.iter().map(|r| r.role.clone()).collect::<Vec<_>>(),
            });
            println!("{exp}");
            continue;
        }
        println!(
            "{file}: {} {} score={} viol={v:?} waived={w:?} req={r:?} warn={}",
            d.outcome,
            d.tier,
            d.risk.score,
            d.warnings.len()
        );
    }
    Ok(())
}
