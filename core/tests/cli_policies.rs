//! The `microgov` binary's policy commands: `test` (Rego unit tests, as `opa test`),
//! `bundle build`, and policies that do not load, reported as the library reports them.
//!
//! Needs the binary: `cargo test --features cli` (CI: `--all-features`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

// ---------------------------------------------------------------- test

#[test]
fn test_runs_the_bundled_policy_tests_like_opa_test() {
    let o = run(&["test"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let out = stdout(&o);
    assert!(out.contains("policy-bundles/residency/residency_test.rego:"), "{out}");
    assert!(out.lines().any(|l| l.starts_with("data.microgov.") && l.contains(": PASS (")), "{out}");
    let last = out.lines().last().unwrap();
    assert!(last.ends_with(" passed, 0 failed"), "{last}");
    let passed: usize = last.split(' ').next().unwrap().parse().unwrap();
    assert!(passed >= 10, "{last}");
}

#[test]
fn test_reports_failures_with_exit_1_and_load_errors_with_exit_2() {
    let dir = temp_dir("regotests");
    std::fs::write(dir.join("p.rego"), "package team.p\n\nimport rego.v1\n\nallow if input.x == 1\n").unwrap();
    std::fs::write(
        dir.join("p_test.rego"),
        "package team.p_test\n\nimport rego.v1\n\ntest_allows if data.team.p.allow with input as {\"x\": 1}\n\ntest_wrong if data.team.p.allow with input as {\"x\": 2}\n",
    )
    .unwrap();
    let o = run(&["test", dir.to_str().unwrap()]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("data.team.p_test.test_allows: PASS"), "{out}");
    assert!(out.contains("data.team.p_test.test_wrong: FAIL"), "{out}");
    assert!(out.contains("FAIL: 1/2"), "{out}");
    assert_eq!(out.lines().last(), Some("1 passed, 1 failed"));
    assert!(!out.contains("data.microgov."), "only the folder's tests run");

    let only = run(&["test", dir.to_str().unwrap(), "--run", "allows", "--format", "json"]);
    assert_eq!(code(&only), 0);
    assert_eq!(json_out(&only)["summary"]["passed"], 1);

    std::fs::write(dir.join("q.rego"), "package team.q\n\nimport rego.v1\n\nallow if {\n").unwrap();
    let broken = run(&["test", dir.to_str().unwrap()]);
    assert_eq!(code(&broken), 2);
    assert!(stderr(&broken).contains("q.rego"), "{}", stderr(&broken));

    let missing = run(&["test", "no-such-dir"]);
    assert_eq!(code(&missing), 2);
    assert!(stderr(&missing).contains("no-such-dir"));
}

// ---------------------------------------------------------------- bundle build

fn opa() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).map(|d| d.join("opa")).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(Path::new(&home).join("go/bin/opa"));
    }
    candidates.into_iter().find(|p| p.is_file())
}

#[test]
fn bundle_build_writes_a_bundle_that_microgov_and_opa_load() {
    let dir = temp_dir("bundle");
    std::fs::create_dir_all(dir.join("team")).unwrap();
    std::fs::write(
        dir.join("team/pii.rego"),
        "package team.pii\n\nimport rego.v1\n\ndeny contains msg if {\n  some c in input.app.spec.connectors\n  c.exportsPii\n  not c.name in data.team.allowed\n  msg := sprintf(\"connector %s exports PII\", [c.name])\n}\n",
    )
    .unwrap();
    std::fs::write(dir.join("team/pii_test.rego"), "package team.pii_test\n\nimport rego.v1\n\ntest_flags if count(data.team.pii.deny) == 1 with input as {\"app\": {\"spec\": {\"connectors\": [{\"name\": \"x\", \"exportsPii\": true}]}}}\n").unwrap();
    std::fs::write(dir.join("data.json"), r#"{"team": {"allowed": []}}"#).unwrap();
    let out = dir.join("team.tar.gz");
    let o = run(&["bundle", "build", dir.to_str().unwrap(), "-o", out.to_str().unwrap(), "--revision", "r42"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains("revision r42"), "{}", stdout(&o));

    // `microgov test` runs the tarball's tests as it runs the folder's.
    let tested = run(&["test", out.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code(&tested), 0, "{}{}", stdout(&tested), stderr(&tested));
    let results = json_out(&tested);
    assert_eq!(results["summary"]["passed"], 1, "{results:#}");
    assert_eq!(results["results"][0]["name"], "data.team.pii_test.test_flags");
    assert!(results["results"][0]["file"].as_str().unwrap().starts_with(out.to_str().unwrap()), "{results:#}");

    let b = microgov::bundle::Bundle::from_tarball(&out).unwrap();
    assert_eq!(b.revision, "r42");
    assert_eq!(b.roots, ["team/allowed", "team/pii", "team/pii_test"], "roots cover each package and data path");
    assert_eq!(b.files.len(), 2);

    let with = run(&[
        "check",
        "fixtures/apps/expense-approver.yaml",
        "--now",
        NOW,
        "--bundle",
        out.to_str().unwrap(),
        "-f",
        "json",
    ]);
    let d = &json_out(&with)["results"][0]["decision"];
    assert!(d["violations"].as_array().unwrap().iter().any(|v| v["policy"] == "team.pii"), "{d:#}");
    assert_eq!(d["policy_revisions"]["team"], "r42");

    if let Some(opa) = opa() {
        let eval = Command::new(opa)
            .args(["eval", "--bundle", out.to_str().unwrap(), "--format", "raw", "data.team.allowed"])
            .output()
            .unwrap();
        assert!(eval.status.success(), "opa eval: {}", String::from_utf8_lossy(&eval.stderr));
        assert_eq!(String::from_utf8_lossy(&eval.stdout).trim(), "[]");
    }
}

#[test]
fn bundle_build_keeps_a_folders_manifest_and_fails_on_broken_rego() {
    let out = temp_dir("bundle2").join("residency.tar.gz");
    let o = run(&["bundle", "build", "policy-bundles/residency", "-o", out.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let b = microgov::bundle::Bundle::from_tarball(&out).unwrap();
    assert_eq!(b.revision, "1.0.0");
    assert!(b.roots.contains(&"microgov/residency".to_string()));

    let dir = temp_dir("bundle3");
    std::fs::write(dir.join("bad.rego"), "package team.bad\n\nimport rego.v1\n\ndeny contains msg if {\n  msg :=\n}\n")
        .unwrap();
    let bad = run(&["bundle", "build", dir.to_str().unwrap(), "-o", dir.join("x.tar.gz").to_str().unwrap()]);
    assert_eq!(code(&bad), 2);
    assert!(stderr(&bad).contains("bad.rego"), "{}", stderr(&bad));
    let no_out = run(&["bundle", "build", dir.to_str().unwrap()]);
    assert_eq!(code(&no_out), 2, "-o is required");
}

// ---------------------------------------------------------------- load errors

#[test]
fn a_policy_that_does_not_load_is_reported_in_the_librarys_words() {
    let dir = temp_dir("broken");
    std::fs::write(dir.join("bad.rego"), "package team.bad\n\nimport rego.v1\n\ndeny contains msg if {\n  msg :=\n}\n")
        .unwrap();
    let opts = microgov::EngineOptions { policy_dirs: vec![dir.clone()], ..microgov::EngineOptions::default() };
    let want = microgov::ffi::ErrorDetails::of(&microgov::Engine::with_options(opts).unwrap_err());
    for args in
        [&["check", "fixtures/apps/expense-approver.yaml"][..], &["explain", "fixtures/apps/expense-approver.yaml"]]
    {
        let o = run(&[args, &["--policy-dir", dir.to_str().unwrap()]].concat());
        assert_eq!(code(&o), 2, "{args:?}");
        // The library's message (`file:line:col: message`, the source line, a caret), the code
        // after its first line.
        let (first, excerpt) = want.message.split_once('\n').unwrap();
        let text = format!("error: cannot load the policies: {first} [{}]\n{excerpt}", want.code);
        assert_eq!(stderr(&o).trim_end(), text, "{args:?}");
        let bad = dir.join("bad.rego");
        assert!(first.starts_with(&format!("{}:6:", bad.display())), "{first}");
        assert_eq!(excerpt.lines().next(), Some("  6 |   msg :="), "{excerpt}");
        assert!(excerpt.lines().nth(1).unwrap().ends_with('^'), "{excerpt}");
        assert!(!text.contains("-->"), "no regorus banner: {text}");
    }
}

#[test]
fn a_team_folder_inside_a_bundled_package_is_refused_by_every_command_naming_both_files() {
    let dir = "fixtures/policies/claims-pii";
    for args in [
        &["check", "fixtures/apps/expense-approver.yaml", "--policy-dir", dir][..],
        &["explain", "fixtures/apps/expense-approver.yaml", "--policy-dir", dir],
        &["test", dir, "--bundled"],
    ] {
        let o = run(args);
        assert_eq!(code(&o), 2, "{args:?}");
        let err = stderr(&o);
        assert!(err.contains("[policy.bundled_package]"), "{args:?}: {err}");
        assert!(err.contains("fixtures/policies/claims-pii/pii_extra.rego:4: package microgov.pii"), "{err}");
        assert!(err.contains("policy-bundles/pii/pii.rego"), "{err}");
    }
}

/// `data.<pkg>.<test>: PASS` lines of `microgov test` or `opa test -v` output, sorted.
fn verdicts(text: &str) -> Vec<String> {
    let re = regex::Regex::new(r"^(data\.\S+): (PASS|FAIL|ERROR)").unwrap();
    let mut v: Vec<String> =
        text.lines().filter_map(|l| re.captures(l).map(|c| format!("{} {}", &c[1], &c[2]))).collect();
    v.sort();
    v
}

#[test]
fn json_patch_runs_as_in_opa() {
    let dir = "fixtures/policies/jsonpatch";
    let o = run(&["test", dir]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let ours = verdicts(&stdout(&o));
    assert!(ours.len() >= 12, "{ours:?}");
    assert!(ours.iter().all(|v| v.ends_with(" PASS")), "{ours:?}");
    if let Some(opa) = opa() {
        let theirs = Command::new(opa).args(["test", "-v", dir]).current_dir(root()).output().unwrap();
        assert!(theirs.status.success(), "opa test: {}", String::from_utf8_lossy(&theirs.stdout));
        assert_eq!(verdicts(&String::from_utf8_lossy(&theirs.stdout)), ours);
    }
}
