//! The `microgov` binary on the shared fixtures: each command's output and
//! exit code, and bad input (missing file, unreadable YAML, unknown flag).
//!
//! Needs the binary: `cargo test --features cli` (CI: `--all-features`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

// ---------------------------------------------------------------- validate

#[test]
fn validate_accepts_every_seed_scenario() {
    let o = run(&["validate", "fixtures/apps"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    let apps = fixture("fixtures/apps/expected.json");
    for file in apps["apps"].as_object().unwrap().keys() {
        assert!(out.contains(&format!("fixtures/apps/{file}: ok")), "{file} missing from:\n{out}");
    }
    assert!(!out.contains("expected.json"), "the expected-results table is not a manifest:\n{out}");
    assert!(out.contains("19 valid, 0 invalid"), "{out}");
}

#[test]
fn validate_reports_exactly_the_expected_problems_of_each_invalid_fixture_with_lines() {
    let expected = fixture("fixtures/invalid/expected.json");
    for (file, problems) in expected.as_object().unwrap() {
        let path = format!("fixtures/invalid/{file}");
        let o = run(&["validate", &path, "--format", "json"]);
        assert_eq!(code(&o), 2, "{file}: {}", stdout(&o));
        let doc = json_out(&o);
        let got = doc["files"][0]["problems"].as_array().unwrap();
        let got_set: BTreeSet<(String, String)> =
            got.iter().map(|p| (p["code"].as_str().unwrap().into(), p["path"].as_str().unwrap().into())).collect();
        let want: BTreeSet<(String, String)> = problems
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["code"].as_str().unwrap().into(), p["path"].as_str().unwrap().into()))
            .collect();
        assert_eq!(got_set, want, "{file}");
        let lines = std::fs::read_to_string(root().join(&path)).unwrap().lines().count();
        for p in got {
            let line = p["line"].as_u64().unwrap() as usize;
            assert!(line >= 1 && line <= lines.max(1), "{file}: line {line} of {lines}: {p}");
        }
        for want in problems.as_array().unwrap() {
            if let Some(part) = want.get("message_contains").and_then(|m| m.as_str()) {
                assert!(
                    got.iter().any(|p| p["path"] == want["path"] && p["message"].as_str().unwrap().contains(part)),
                    "{file}: no message with {part:?}"
                );
            }
        }
    }
}

#[test]
fn validate_points_each_of_ten_mistakes_at_its_own_line() {
    let path = "fixtures/invalid/ten-mistakes.yaml";
    let text = std::fs::read_to_string(root().join(path)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let o = run(&["validate", path]);
    assert_eq!(code(&o), 2);
    let out = stdout(&o);
    let diagnostics: Vec<&str> = out.lines().filter(|l| l.starts_with(path)).collect();
    assert_eq!(diagnostics.len(), 10, "{out}");
    let mut seen = BTreeSet::new();
    for d in diagnostics {
        // fixtures/invalid/ten-mistakes.yaml:27:7: error[manifest.unknown_region] /spec/connectors/0/region: ...
        let rest = &d[path.len() + 1..];
        let mut parts = rest.splitn(3, ':');
        let line: usize = parts.next().unwrap().parse().unwrap();
        let _col: usize = parts.next().unwrap().parse().unwrap();
        assert!(lines[line - 1].contains("mistake"), "{d} points at {:?}", lines[line - 1]);
        assert!(d.contains("error[manifest."), "{d}");
        seen.insert(line);
    }
    assert_eq!(seen.len(), 10, "each mistake on its own line");
}

#[test]
fn validate_of_a_folder_skips_tables_and_reports_broken_manifests() {
    let o = run(&["validate", "fixtures/invalid", "--quiet"]);
    assert_eq!(code(&o), 2);
    let out = stdout(&o);
    assert!(!out.contains("expected.json"), "{out}");
    // A YAML syntax error and a list instead of a mapping still count.
    assert!(out.contains("fixtures/invalid/syntax-error.yaml:16:"), "{out}");
    assert!(out.contains("fixtures/invalid/wrong-type-document.yaml:"), "{out}");
    let expected = fixture("fixtures/invalid/expected.json");
    assert!(out.contains(&format!("0 valid, {} invalid", expected.as_object().unwrap().len())), "{out}");
}

#[test]
fn validate_github_format_gives_annotations() {
    let o = run(&["validate", "fixtures/invalid/unknown-region.yaml", "--format", "github"]);
    assert_eq!(code(&o), 2);
    let out = stdout(&o);
    assert!(
        out.starts_with(
            "::error file=fixtures/invalid/unknown-region.yaml,line=29,col=7,title=manifest.unknown_region::"
        ),
        "{out}"
    );
}

// ---------------------------------------------------------------- tier

#[test]
fn tier_gives_each_seed_scenario_its_expected_tier_and_factors() {
    let expected = fixture("fixtures/apps/expected.json");
    let files: Vec<String> =
        expected["apps"].as_object().unwrap().keys().map(|f| format!("fixtures/apps/{f}")).collect();
    let mut args = vec!["tier", "--format", "json"];
    args.extend(files.iter().map(String::as_str));
    let o = run(&args);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rows = json_out(&o);
    assert_eq!(rows.as_array().unwrap().len(), files.len());
    for row in rows.as_array().unwrap() {
        let file = row["file"].as_str().unwrap().trim_start_matches("fixtures/apps/");
        let want = &expected["apps"][file];
        assert_eq!(row["tier"], want["tier"], "{file}");
        let got: BTreeSet<&str> =
            row["factors"].as_array().unwrap().iter().map(|f| f["factor"].as_str().unwrap()).collect();
        let want: BTreeSet<&str> = want["factors"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
        assert_eq!(got, want, "{file}");
        assert!(row["score"].as_u64().unwrap() <= 100);
    }
}

#[test]
fn tier_text_lists_factors_with_points() {
    let o = run(&["tier", "fixtures/apps/ops-vm-control.yaml"]);
    assert_eq!(code(&o), 0);
    let out = stdout(&o);
    assert!(out.starts_with("ops-vm-control  medium  score "), "{out}");
    assert!(out.contains("+15  write_access"), "{out}");
    // Each factor the owner can change says how.
    assert!(out.contains("to lower: make connector(s) cloud-control read-only (access: read)"), "{out}");
}

#[test]
fn tier_of_an_invalid_manifest_exits_2_naming_the_file() {
    let o = run(&["tier", "fixtures/invalid/empty-owner.yaml", "fixtures/apps/readonly-dashboard.yaml"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("fixtures/invalid/empty-owner.yaml"), "{}", stderr(&o));
    assert!(stdout(&o).contains("readonly-dashboard  low"), "the valid one is still scored");
}

// ---------------------------------------------------------------- check

#[test]
fn check_exit_codes_follow_the_outcome() {
    let allow = run(&["check", "fixtures/apps/readonly-dashboard.yaml", "--now", NOW]);
    assert_eq!(code(&allow), 0, "{}", stdout(&allow));
    let review = run(&["check", "fixtures/apps/ops-vm-control.yaml", "--now", NOW]);
    assert_eq!(code(&review), 3, "{}", stdout(&review));
    let review_fails = run(&["check", "fixtures/apps/ops-vm-control.yaml", "--now", NOW, "--fail-on", "review"]);
    assert_eq!(code(&review_fails), 1);
    let deny = run(&["check", "fixtures/apps/hr-onboarding.yaml", "--now", NOW]);
    assert_eq!(code(&deny), 1);
    // Deny outranks review; invalid input outranks both.
    let mixed = run(&["check", "fixtures/apps/ops-vm-control.yaml", "fixtures/apps/hr-onboarding.yaml", "--now", NOW]);
    assert_eq!(code(&mixed), 1);
    let invalid =
        run(&["check", "fixtures/apps/hr-onboarding.yaml", "fixtures/invalid/unknown-region.yaml", "--now", NOW]);
    assert_eq!(code(&invalid), 2);
}

#[test]
fn check_of_the_fixture_folder_decides_every_app_with_its_tier() {
    let o = run(&["check", "fixtures/apps", "--format", "json", "--now", NOW]);
    assert_eq!(code(&o), 1);
    let doc = json_out(&o);
    let expected = fixture("fixtures/apps/expected.json");
    let results = doc["results"].as_array().unwrap();
    assert_eq!(results.len(), expected["apps"].as_object().unwrap().len());
    for r in results {
        let file = r["file"].as_str().unwrap().trim_start_matches("fixtures/apps/");
        assert_eq!(r["decision"]["tier"], expected["apps"][file]["tier"], "{file}");
        assert_eq!(r["outcome"], r["decision"]["outcome"]);
        assert_eq!(r["decision"]["evaluated_at"], NOW);
    }
    let s = &doc["summary"];
    assert_eq!(s["total"].as_u64(), Some(results.len() as u64));
    assert_eq!(
        s["allow"].as_u64().unwrap() + s["review"].as_u64().unwrap() + s["deny"].as_u64().unwrap(),
        results.len() as u64
    );
    assert_eq!(doc["exit_code"], 1);
}

#[test]
fn check_with_approvals_waives_the_transfer_by_the_exception() {
    let o = run(&[
        "check",
        "fixtures/apps/hr-onboarding.yaml",
        "--data",
        "fixtures/approvals/directory.json",
        "--approvals",
        "fixtures/approvals/hr-onboarding.yaml",
        "--now",
        NOW,
        "-f",
        "json",
    ]);
    let d = &json_out(&o)["results"][0]["decision"];
    let waived = d["waived"].as_array().unwrap();
    assert!(
        waived.iter().any(|w| w["violation"]["rule"] == "cross_border_transfer" && w["approval_id"] == "exc-3"),
        "{d:#}"
    );
    assert!(d["violations"].as_array().unwrap().iter().all(|v| v["rule"] != "cross_border_transfer"));
    assert!(
        d["required_approvals"].as_array().unwrap().is_empty(),
        "apr-17 and apr-18 cover security and data-governance"
    );
}

#[test]
fn check_text_is_plain_on_a_pipe_with_a_summary_and_coloured_on_request() {
    let o = run(&["check", "fixtures/apps", "--now", NOW]);
    let out = stdout(&o);
    assert!(!out.contains('\x1b'), "no colour codes on a pipe");
    assert!(!stderr(&o).contains('\r'), "no progress bar on a pipe");
    let s = &json_out(&run(&["check", "fixtures/apps", "--now", NOW, "-f", "json"]))["summary"];
    let summary = format!(
        "19 app(s) checked: {} allowed, {} need review, {} denied, 0 invalid",
        s["allow"], s["review"], s["deny"]
    );
    assert!(out.lines().last() == Some(summary.as_str()), "{out}");
    assert!(out.contains("DENY    hr-onboarding"), "{out}");
    assert!(out.contains("at fixtures/apps/hr-onboarding.yaml:53:7 /spec/connectors/1/region"), "{out}");
    let coloured = run(&["--color", "always", "check", "fixtures/apps/readonly-dashboard.yaml", "--now", NOW]);
    assert!(stdout(&coloured).contains("\x1b[32m"), "{}", stdout(&coloured));
    let no_color = Command::new(env!("CARGO_BIN_EXE_microgov"))
        .args(["check", "fixtures/apps/readonly-dashboard.yaml", "--now", NOW])
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!stdout(&no_color).contains('\x1b'));
}

#[test]
fn check_writes_the_report_to_a_file() {
    let dir = temp_dir("out");
    let file = dir.join("report.json");
    let o = run(&[
        "check",
        "fixtures/apps/readonly-dashboard.yaml",
        "--now",
        NOW,
        "-f",
        "json",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0);
    assert!(o.stdout.is_empty());
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(doc["summary"]["allow"], 1);
}

#[test]
fn check_takes_the_teams_own_policies_and_data() {
    let dir = temp_dir("policies");
    std::fs::write(
        dir.join("hosts.rego"),
        "package team.hosts\n\nimport rego.v1\n\ndeny contains msg if {\n  some url in input.app.spec.egress\n  some host in data.team.blocked\n  contains(url, host)\n  msg := sprintf(\"egress to blocked host %s\", [host])\n}\n",
    )
    .unwrap();
    std::fs::write(dir.join("data.json"), r#"{"team": {"blocked": ["hooks.slack.com"]}}"#).unwrap();
    let app = "fixtures/apps/expense-approver.yaml";
    let policy_dir = dir.to_str().unwrap();
    let count = |o: &Output| {
        json_out(o)["results"][0]["decision"]["violations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["policy"] == "team.hosts")
            .count()
    };
    let before = run(&["check", app, "--now", NOW, "--policy-dir", policy_dir, "-f", "json"]);
    assert_eq!(count(&before), 0, "{}", stdout(&before));
    // --data replaces the folder's blocklist: now the app's egress to Stripe is blocked.
    let data = dir.join("override.yaml");
    std::fs::write(&data, "team:\n  blocked: [api.stripe.com]\n").unwrap();
    let after =
        run(&["check", app, "--now", NOW, "--policy-dir", policy_dir, "--data", data.to_str().unwrap(), "-f", "json"]);
    assert_eq!(count(&after), 1, "{}", stdout(&after));
    let v = json_out(&after)["results"][0]["decision"]["violations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["policy"] == "team.hosts")
        .cloned()
        .unwrap();
    assert_eq!(v["message"], "egress to blocked host api.stripe.com");

    let bad_data = dir.join("bad.json");
    std::fs::write(&bad_data, "[1, 2]").unwrap();
    let o = run(&["check", app, "--data", bad_data.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("bad.json: a data document must be an object"), "{}", stderr(&o));
}

#[test]
fn check_skips_non_manifests_in_folders_and_refuses_an_empty_one() {
    let dir = temp_dir("empty");
    std::fs::write(dir.join("workflow.yaml"), "name: build\non: push\n").unwrap();
    std::fs::write(dir.join("notes.json"), "{\"about\": \"not a manifest\"}").unwrap();
    let o = run(&["check", dir.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("no MicroApp manifests found"), "{}", stderr(&o));
}

#[test]
fn check_bad_input_exits_2_with_a_clear_message() {
    let missing = run(&["check", "fixtures/apps/no-such-app.yaml", "--now", NOW]);
    assert_eq!(code(&missing), 2);
    assert!(
        stdout(&missing).contains("cannot read fixtures/apps/no-such-app.yaml: No such file or directory"),
        "{}",
        stdout(&missing)
    );

    let unreadable = run(&["check", "fixtures/invalid/syntax-error.yaml", "--now", NOW]);
    assert_eq!(code(&unreadable), 2);
    let out = stdout(&unreadable);
    assert!(out.contains("fixtures/invalid/syntax-error.yaml:16:3:") && out.contains("[manifest.syntax]"), "{out}");

    let flag = run(&["check", "fixtures/apps", "--frobnicate"]);
    assert_eq!(code(&flag), 2);
    assert!(stderr(&flag).contains("unexpected argument '--frobnicate'"), "{}", stderr(&flag));

    let no_args = run(&["check"]);
    assert_eq!(code(&no_args), 2);

    let bad_format = run(&["check", "fixtures/apps", "--format", "xml"]);
    assert_eq!(code(&bad_format), 2);
    assert!(stderr(&bad_format).contains("invalid value 'xml'"), "{}", stderr(&bad_format));

    let bad_now = run(&["check", "fixtures/apps", "--now", "yesterday"]);
    assert_eq!(code(&bad_now), 2);
    assert!(stderr(&bad_now).contains("invalid value \"yesterday\" for --now"), "{}", stderr(&bad_now));

    let bad_approvals =
        run(&["check", "fixtures/apps/hr-onboarding.yaml", "--approvals", "fixtures/approvals/malformed.yaml"]);
    assert_eq!(code(&bad_approvals), 2);
    let err = stderr(&bad_approvals);
    assert!(err.contains("fixtures/approvals/malformed.yaml: invalid approvals: 7 problem(s)"), "{err}");
    assert!(err.contains("fixtures/approvals/malformed.yaml:") && err.contains("/2/scope/datset"), "{err}");

    let no_approvals = run(&["check", "fixtures/apps/hr-onboarding.yaml", "--approvals", "nope.yaml"]);
    assert_eq!(code(&no_approvals), 2);
    assert!(stderr(&no_approvals).contains("cannot read approvals file nope.yaml"), "{}", stderr(&no_approvals));

    let no_policies = run(&["check", "fixtures/apps", "--policy-dir", "no-such-policies"]);
    assert_eq!(code(&no_policies), 2);
    assert!(
        stderr(&no_policies).contains("no-such-policies") && stderr(&no_policies).contains("[policy.io]"),
        "{}",
        stderr(&no_policies)
    );

    let dir = temp_dir("badrego");
    std::fs::write(
        dir.join("broken.rego"),
        "package team.broken\n\nimport rego.v1\n\ndeny contains msg if {\n  msg := \n}\n",
    )
    .unwrap();
    let broken = run(&["check", "fixtures/apps", "--policy-dir", dir.to_str().unwrap()]);
    assert_eq!(code(&broken), 2);
    assert!(stderr(&broken).contains("broken.rego"), "{}", stderr(&broken));
}

// ---------------------------------------------------------------- explain

#[test]
fn explain_names_rules_lines_waivers_and_approval_statuses() {
    let o = run(&[
        "explain",
        "fixtures/apps/hr-onboarding.yaml",
        "--data",
        "fixtures/approvals/directory.json",
        "--approvals",
        "fixtures/approvals/hr-onboarding-invalid.yaml",
        "--now",
        NOW,
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    for want in [
        "Risk factors",
        "cross_border",
        "residency.cross_border_transfer [high]",
        "manifest  fixtures/apps/hr-onboarding.yaml:53:7 /spec/connectors/1/region",
        "rule      policy-bundles/residency/residency.rego:",
        "waivable  by an exception residency.transfer scoped to dataset employees, connector payroll",
        "apr-expired",
        "expired",
        "self_approval",
        "role_not_held",
        "byok_required",
        "1 approval(s) for other apps ignored",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
}

#[test]
fn explain_json_carries_sources_and_locations() {
    let o = run(&["explain", "fixtures/apps/hr-onboarding.yaml", "--now", NOW, "--format", "json", "--with-input"]);
    assert_eq!(code(&o), 0);
    let doc = json_out(&o);
    let v = doc["violations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["violation"]["rule"] == "cross_border_transfer")
        .unwrap();
    assert!(v["source"]["file"].as_str().unwrap().ends_with("residency.rego"));
    assert!(v["source"]["line"].as_u64().unwrap() > 0);
    assert_eq!(v["waivable_by"], "residency.transfer");
    assert_eq!(v["location"]["line"], 53);
    assert_eq!(v["exception_rule"]["requires_byok"], true);
    assert_eq!(doc["input"]["app"]["metadata"]["name"], "hr-onboarding");
}

#[test]
fn explain_rejects_invalid_input_and_folders() {
    let invalid = run(&["explain", "fixtures/invalid/ten-mistakes.yaml"]);
    assert_eq!(code(&invalid), 2);
    assert!(stderr(&invalid).contains("fixtures/invalid/ten-mistakes.yaml:27:7:"), "{}", stderr(&invalid));
    let folder = run(&["explain", "fixtures/apps"]);
    assert_eq!(code(&folder), 2);
    assert!(stderr(&folder).contains("explain takes one manifest file"));
}

// ---------------------------------------------------------------- help

#[test]
fn every_command_has_help_with_an_example() {
    for cmd in [&["validate"][..], &["tier"], &["check"], &["explain"], &["inventory"], &["test"], &["bundle", "build"]]
    {
        let mut args: Vec<&str> = cmd.to_vec();
        args.push("--help");
        let o = run(&args);
        assert_eq!(code(&o), 0, "{cmd:?}");
        let out = stdout(&o);
        assert!(out.contains("Examples:") && out.contains(&format!("microgov {}", cmd.join(" "))), "{cmd:?}:\n{out}");
        assert!(out.contains("Exit status"), "{cmd:?}:\n{out}");
    }
    let top = run(&["--help"]);
    assert_eq!(code(&top), 0);
    assert!(stdout(&top).contains("Exit status:"));
    let version = run(&["--version"]);
    assert_eq!(code(&version), 0);
    assert!(stdout(&version).starts_with("microgov "));
}

// ---------------------------------------------------------------- terminal

#[test]
fn a_progress_bar_and_summary_appear_on_a_terminal_only() {
    let script = Path::new("/usr/bin/script");
    let dir = temp_dir("many");
    let text = std::fs::read_to_string(root().join("fixtures/apps/readonly-dashboard.yaml")).unwrap();
    for i in 0..350 {
        std::fs::write(
            dir.join(format!("app-{i}.yaml")),
            text.replace("  name: readonly-dashboard\n", &format!("  name: dashboard-{i}\n")),
        )
        .unwrap();
    }
    let args = ["check", dir.to_str().unwrap(), "--format", "json", "--now", NOW];
    // On a pipe: neither bar nor summary on stderr.
    let piped = run(&args);
    assert_eq!(code(&piped), 0);
    assert!(piped.stderr.is_empty(), "{}", stderr(&piped));
    if !script.is_file() {
        return; // util-linux `script` gives the binary a terminal; without it, only the pipe case runs.
    }
    let cmd = format!("{} {} > /dev/null", env!("CARGO_BIN_EXE_microgov"), args.join(" "));
    let tty = Command::new(script).args(["-qec", &cmd, "/dev/null"]).current_dir(root()).output().unwrap();
    let screen = String::from_utf8_lossy(&tty.stdout);
    assert!(screen.contains("checking  [") && screen.contains("350/350 100%"), "{screen:?}");
    assert!(screen.contains("350 app(s) checked: 350 allowed"), "{screen:?}");
    // A few items never get a bar.
    let few = format!(
        "{} check fixtures/apps/readonly-dashboard.yaml --format json --now {NOW} > /dev/null",
        env!("CARGO_BIN_EXE_microgov")
    );
    let tty = Command::new(script).args(["-qec", &few, "/dev/null"]).current_dir(root()).output().unwrap();
    let screen = String::from_utf8_lossy(&tty.stdout);
    assert!(!screen.contains("checking") && screen.contains("1 app(s) checked"), "{screen:?}");
}
