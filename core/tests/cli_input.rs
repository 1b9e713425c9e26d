//! `microgov input`: the input document and the entry module, with which stock OPA takes the
//! engine's decision (the commands `core/docs/input.md` gives).
//!
//! Needs the binary: `cargo test --features cli` (CI: `--all-features`). The OPA part needs `opa`
//! on the PATH or in `~/go/bin` (`scripts/test-all.sh` installs it there).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn opa() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).map(|d| d.join("opa")).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(Path::new(&home).join("go/bin/opa"));
    }
    candidates.into_iter().find(|p| p.is_file())
}

/// `-b policy-bundles/<name>` for every bundled bundle, as `core/docs/input.md` lists them.
fn bundle_args() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("policy-bundles"))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.contains(&"decision".to_string()), "{names:?}");
    names.into_iter().flat_map(|n| ["-b".to_string(), format!("policy-bundles/{n}")]).collect()
}

/// The app's `microgov check --format json` decision.
fn checked(app: &str, approvals: Option<&str>) -> Value {
    let mut args = vec!["check", app, "--now", NOW, "-f", "json"];
    if let Some(a) = approvals {
        args.extend(["--data", "fixtures/approvals/directory.json"]);
        args.extend(["--approvals", a]);
    }
    let o = run(&args);
    json_out(&o)["results"][0]["decision"].clone()
}

#[test]
fn input_prints_the_document_and_writes_the_entry_module() {
    let dir = temp_dir("input");
    let entry = dir.join("entry.rego");
    let o = run(&[
        "input",
        "fixtures/apps/hr-onboarding.yaml",
        "--data",
        "fixtures/approvals/directory.json",
        "--approvals",
        "fixtures/approvals/hr-onboarding.yaml",
        "--now",
        NOW,
        "--entry",
        entry.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let input = json_out(&o);
    assert_eq!(input["app"]["metadata"]["name"], "hr-onboarding");
    assert_eq!(input["context"]["now"], NOW);
    assert!(input["context"]["approvals"].as_array().unwrap().iter().any(|a| a["valid"] == true), "{input:#}");
    assert!(input["findings"]["flows"].is_array(), "the whole document, also what no policy reads");
    let module = std::fs::read_to_string(&entry).unwrap();
    assert!(module.contains("package microgov_entry") && module.contains("policies := {"), "{module}");

    let folder = run(&["input", "fixtures/apps"]);
    assert_eq!(code(&folder), 2);
    assert!(stderr(&folder).contains("one manifest file"), "{}", stderr(&folder));
}

#[test]
fn opa_on_the_input_and_the_entry_module_takes_the_engines_decision() {
    let Some(opa) = opa() else {
        eprintln!("opa not found: skipping the OPA comparison");
        return;
    };
    let dir = temp_dir("opa-decision");
    let cases = [
        ("crm-data-extractor.yaml", None, "deny"),
        ("hr-onboarding.yaml", Some("hr-onboarding.yaml"), "deny"),
        ("ops-vm-control.yaml", None, "review"),
        ("it-access-request.yaml", Some("it-access-request.yaml"), "allow"),
        ("readonly-dashboard.yaml", None, "allow"),
    ];
    let mut waived = 0;
    for (app, approvals, outcome) in cases {
        let app = format!("fixtures/apps/{app}");
        let approvals = approvals.map(|a| format!("fixtures/approvals/{a}"));
        let input = dir.join("input.json");
        let entry = dir.join("entry.rego");
        let mut args = vec!["input", app.as_str(), "--now", NOW, "--entry", entry.to_str().unwrap()];
        if let Some(a) = &approvals {
            args.extend(["--data", "fixtures/approvals/directory.json"]);
            args.extend(["--approvals", a.as_str()]);
        }
        let o = run(&args);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        std::fs::write(&input, &o.stdout).unwrap();

        let eval = Command::new(&opa)
            .current_dir(root())
            .args(["eval", "--format", "raw", "-i", input.to_str().unwrap(), "-d", entry.to_str().unwrap()])
            .args(bundle_args())
            .arg("data.microgov.decision.result")
            .output()
            .unwrap();
        assert!(eval.status.success(), "opa eval: {}", String::from_utf8_lossy(&eval.stderr));
        let from_opa: Value = serde_json::from_slice(&eval.stdout).unwrap();

        let engine = checked(&app, approvals.as_deref());
        assert_eq!(engine["outcome"], outcome, "{app}");
        for key in ["outcome", "violations", "waived", "warnings", "required_approvals", "obligations", "approvals"] {
            assert_eq!(from_opa[key], engine[key], "{app}: {key}");
        }
        assert_eq!(from_opa.as_object().unwrap().len(), 7, "{app}: {from_opa:#}");
        waived += engine["waived"].as_array().unwrap().len();
    }
    assert!(waived >= 2, "waivers are compared too");
}
