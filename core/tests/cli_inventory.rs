//! `microgov inventory` on the shared fixtures: the columns (the same as Python's
//! `microgov.inventory`), invalid files as rows that say why, duplicate app names, and
//! the `--within` window.
//!
//! Needs the binary: `cargo test --features cli` (CI: `--all-features`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use serde_json::Value;

/// The columns, in order, from the table `bindings-python/tests/test_inventory.py` reads too.
fn columns() -> Vec<String> {
    serde_json::from_value(fixture("fixtures/inventory/columns.json")["columns"].clone()).unwrap()
}

fn rows(o: &std::process::Output) -> Vec<Value> {
    json_out(o).as_array().unwrap().clone()
}

#[test]
fn inventory_lists_every_app_and_filters_by_expiry_window() {
    let expected = fixture("fixtures/apps/expected.json");
    let o = run(&["inventory", "fixtures/apps", "--now", NOW, "--format", "json"]);
    assert_eq!(code(&o), 0);
    let rows = json_out(&o);
    assert_eq!(rows.as_array().unwrap().len(), expected["apps"].as_object().unwrap().len());
    for r in rows.as_array().unwrap() {
        let file = r["source"].as_str().unwrap().trim_start_matches("fixtures/apps/");
        assert_eq!(r["lifecycle"], expected["apps"][file]["lifecycle"], "{file}");
        assert_eq!(r["expires_at"], expected["apps"][file]["expires_at"], "{file}");
        assert_eq!(r["tier"], expected["apps"][file]["tier"], "{file}");
    }
    let names: Vec<&str> = rows.as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "sorted by name by default");

    let soon =
        run(&["inventory", "fixtures/apps", "--now", NOW, "--within", "14d", "--format", "json", "--sort", "expiry"]);
    let soon_rows = json_out(&soon);
    let got: Vec<&str> = soon_rows.as_array().unwrap().iter().map(|r| r["lifecycle"].as_str().unwrap()).collect();
    let want = expected["apps"]
        .as_object()
        .unwrap()
        .values()
        .filter(|a| matches!(a["lifecycle"].as_str(), Some("expiring" | "expired")))
        .count();
    assert_eq!(got.len(), want, "{soon_rows:#}");
    assert!(got.iter().all(|l| *l == "expiring" || *l == "expired"));
}

#[test]
fn inventory_csv_and_table() {
    let csv = run(&["inventory", "fixtures/apps", "--now", NOW, "--format", "csv", "--sort", "tier"]);
    assert_eq!(code(&csv), 0);
    let out = stdout(&csv);
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some(columns().join(",").as_str()));
    let first: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(first[5], "high", "highest tier first");
    assert_eq!(out.lines().count(), 20);

    let table = run(&["inventory", "fixtures/apps", "--now", NOW, "--sort", "outcome"]);
    let out = stdout(&table);
    assert!(out.starts_with("NAME "), "{out}");
    assert!(out.lines().any(|l| l.contains(" expired ") && l.contains(" -3 ")), "{out}");
    let rows = json_out(&run(&["inventory", "fixtures/apps", "--now", NOW, "--format", "json"]));
    let count = |k: &str, v: &str| rows.as_array().unwrap().iter().filter(|r| r[k] == v).count();
    let summary = format!(
        // hr-onboarding.yaml and .json declare the same app: both are flagged.
        "19 app(s): {} denied, {} awaiting approval, {} expiring within 14d, {} expired, 2 sharing a name",
        count("outcome", "deny"),
        count("outcome", "review"),
        count("lifecycle", "expiring"),
        count("lifecycle", "expired")
    );
    assert!(out.lines().last() == Some(summary.as_str()), "{out}");

    let invalid =
        run(&["inventory", "fixtures/apps/readonly-dashboard.yaml", "fixtures/invalid/empty-owner.yaml", "--now", NOW]);
    assert_eq!(code(&invalid), 2);
    assert!(stderr(&invalid).contains("fixtures/invalid/empty-owner.yaml"), "{}", stderr(&invalid));
    assert!(stdout(&invalid).contains("readonly-dashboard"), "the valid apps are still listed");

    let bad = run(&["inventory", "fixtures/apps", "--within", "soon"]);
    assert_eq!(code(&bad), 2);
    assert!(stderr(&bad).contains("invalid window \"soon\""));
}

#[test]
fn inventory_summary_names_the_window_given() {
    let table = run(&["inventory", "fixtures/apps", "--now", NOW, "--within", "30d"]);
    assert_eq!(code(&table), 0, "{}", stderr(&table));
    let out = stdout(&table);
    let rows = json_out(&run(&["inventory", "fixtures/apps", "--now", NOW, "--within", "30d", "--format", "json"]));
    let rows = rows.as_array().unwrap();
    let expired = rows.iter().filter(|r| r["lifecycle"] == "expired").count();
    let expiring = rows.iter().filter(|r| r["lifecycle"] != "expired" && r["lifecycle"] != "retired").count();
    let summary = format!("{} app(s): ", rows.len());
    let last = out.lines().last().unwrap();
    assert!(last.starts_with(&summary), "{out}");
    assert!(last.ends_with(&format!("{expiring} expiring within 30d, {expired} expired")), "{out}");
    assert!(!out.contains("within 14d"), "{out}");

    let hours = stdout(&run(&["inventory", "fixtures/apps", "--now", NOW, "--within", "36h"]));
    assert!(hours.lines().last().unwrap().contains("expiring within 36h"), "{hours}");
}

#[test]
fn inventory_window_minutes_are_min_not_m() {
    let minutes = run(&["inventory", "fixtures/apps", "--now", NOW, "--within", "90min", "--format", "json"]);
    assert_eq!(code(&minutes), 0, "{}", stderr(&minutes));
    // 90 minutes: only the apps already expired (none of the fixtures expires within the hour and a half).
    let rows = json_out(&minutes);
    assert!(rows.as_array().unwrap().iter().all(|r| r["lifecycle"] == "expired"), "{rows:#}");

    let m = run(&["inventory", "fixtures/apps", "--now", NOW, "--within", "90m"]);
    assert_eq!(code(&m), 2);
    assert!(stderr(&m).contains("invalid window \"90m\""), "{}", stderr(&m));
    assert!(stderr(&m).contains("90min"), "{}", stderr(&m));
    for ok in ["14d", "2w", "36h"] {
        assert_eq!(code(&run(&["inventory", "fixtures/apps", "--now", NOW, "--within", ok])), 0, "{ok}");
    }
}

#[test]
fn every_row_has_the_columns_in_order_and_matches_the_manifest() {
    let expected = fixture("fixtures/apps/expected.json");
    let o = run(&[
        "inventory",
        "fixtures/apps",
        "--now",
        NOW,
        "--format",
        "json",
        "--data",
        "fixtures/approvals/directory.json",
        "--approvals",
        "fixtures/approvals/hr-onboarding.yaml",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let engine = microgov::Engine::new().unwrap();
    // The keys of each object in column order, as written.
    let text = stdout(&o);
    let first = &text[..text.find('}').unwrap()];
    let columns = columns();
    let at: Vec<usize> = columns.iter().map(|c| first.find(&format!("\"{c}\":")).unwrap()).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{first}");
    for r in rows(&o) {
        let mut keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
        let mut want: Vec<&str> = columns.iter().map(String::as_str).collect();
        keys.sort_unstable();
        want.sort_unstable();
        assert_eq!(keys, want, "json keys");
        let file = r["source"].as_str().unwrap();
        let app = engine.parse_manifest(&std::fs::read_to_string(root().join(file)).unwrap()).unwrap();
        assert_eq!(r["name"], app.metadata.name.as_str(), "{file}");
        assert_eq!(r["owner"], app.metadata.owner.as_str(), "{file}");
        assert_eq!(r["department"].as_str(), app.metadata.department.as_deref(), "{file}");
        assert_eq!(r["template"].as_str(), app.spec.template.as_deref(), "{file}");
        assert_eq!(r["environment"], app.spec.environment.as_str(), "{file}");
        let exp = &expected["apps"][file.trim_start_matches("fixtures/apps/")];
        assert_eq!(r["tier"], exp["tier"], "{file}");
        assert!(r["score"].as_u64().unwrap() <= 100, "{file}");
        assert_eq!(r["reason"], "", "{file}: a valid app has no reason");
        let days = r["days_left"].as_i64().unwrap();
        match r["lifecycle"].as_str().unwrap() {
            "expired" => assert!(days <= 0, "{file}"),
            _ => assert!(days >= 0, "{file}"),
        }
    }
    let department = rows(&o).iter().filter(|r| r["department"].is_string()).count();
    assert!(department > 0, "some fixture declares a department");
}

/// `code at path: message` for the first problems, as the shared table of invalid
/// manifests lists them (`code: message` for the whole document).
fn reason_names(reason: &str, want: &[Value]) {
    for p in want.iter().take(3) {
        let (code, path) = (p["code"].as_str().unwrap(), p["path"].as_str().unwrap());
        let needle = if path.is_empty() { format!("{code}: ") } else { format!("{code} at {path}: ") };
        assert!(reason.contains(&needle), "{needle:?} not in {reason:?}");
    }
    if want.len() > 3 {
        assert!(reason.ends_with(&format!("; and {} more", want.len() - 3)), "{reason}");
    }
}

#[test]
fn invalid_files_are_rows_that_say_why() {
    let table = fixture("fixtures/invalid/expected.json");
    let files: Vec<String> = table.as_object().unwrap().keys().map(|f| format!("fixtures/invalid/{f}")).collect();
    let mut args = vec!["inventory", "--now", NOW, "--format", "json"];
    args.extend(files.iter().map(String::as_str));
    let o = run(&args);
    assert_eq!(code(&o), 2, "an invalid file still fails the run");
    let got = rows(&o);
    assert_eq!(got.len(), files.len(), "one row per file, none left out");
    for r in &got {
        let file = r["source"].as_str().unwrap();
        let want = table[file.trim_start_matches("fixtures/invalid/")].as_array().unwrap();
        assert_eq!(r["outcome"], "invalid", "{file}");
        assert!(r["tier"].is_null() && r["score"].is_null() && r["days_left"].is_null(), "{file}");
        reason_names(r["reason"].as_str().unwrap(), want);
        assert!(stderr(&o).contains(file), "{file} also named on stderr");
    }
    // A file whose metadata still reads keeps its name and owner.
    let email = got.iter().find(|r| r["source"] == "fixtures/invalid/invalid-email.yaml").unwrap();
    assert!(email["name"].is_string(), "{email:#}");

    let csv = stdout(&run(&["inventory", "fixtures/invalid/empty-owner.yaml", "--now", NOW, "--format", "csv"]));
    let line = csv.lines().nth(1).unwrap();
    assert!(line.contains(",invalid,") && line.contains("manifest.empty_value at /metadata/owner: "), "{csv}");
    let text = stdout(&run(&["inventory", "fixtures/invalid/empty-owner.yaml", "--now", NOW]));
    assert!(text.contains("manifest.empty_value at /metadata/owner"), "{text}");
    assert!(text.lines().last().unwrap().ends_with(", 1 invalid"), "{text}");
}

#[test]
fn the_same_app_name_in_two_files_is_flagged() {
    let dir = temp_dir("inventory-dup");
    let app = std::fs::read_to_string(root().join("fixtures/apps/readonly-dashboard.yaml")).unwrap();
    std::fs::write(dir.join("a.yaml"), &app).unwrap();
    std::fs::write(dir.join("b.yaml"), &app).unwrap();
    let other = std::fs::read_to_string(root().join("fixtures/apps/expense-approver.yaml")).unwrap();
    std::fs::write(dir.join("c.yaml"), other).unwrap();
    let d = dir.display().to_string();
    let o = run(&["inventory", &d, "--now", NOW, "--format", "json"]);
    assert_eq!(code(&o), 0, "a duplicate name warns, it does not fail");
    let got = rows(&o);
    let dup =
        |f: &str| got.iter().find(|r| r["source"].as_str().unwrap().ends_with(f)).unwrap()["duplicate_of"].clone();
    assert_eq!(dup("a.yaml"), serde_json::json!([format!("{d}/b.yaml")]));
    assert_eq!(dup("b.yaml"), serde_json::json!([format!("{d}/a.yaml")]));
    assert_eq!(dup("c.yaml"), serde_json::json!([]));
    assert!(stderr(&o).contains("warning: app name readonly-dashboard"), "{}", stderr(&o));
    let text = stdout(&run(&["inventory", &d, "--now", NOW]));
    assert!(text.lines().last().unwrap().ends_with(", 2 sharing a name"), "{text}");
    // The shipped fixtures hold one app in two formats: flagged too.
    let fixtures = rows(&run(&["inventory", "fixtures/apps", "--now", NOW, "--format", "json"]));
    let hr: Vec<&Value> = fixtures.iter().filter(|r| r["name"] == "hr-onboarding").collect();
    assert_eq!(hr.len(), 2);
    assert!(hr.iter().all(|r| r["duplicate_of"].as_array().unwrap().len() == 1), "{hr:#?}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn folders_and_files_mix() {
    let o = run(&["inventory", "fixtures/apps", "fixtures/invalid/empty-owner.yaml", "--now", NOW, "--format", "json"]);
    let got = rows(&o);
    let apps = fixture("fixtures/apps/expected.json")["apps"].as_object().unwrap().len();
    assert_eq!(got.len(), apps + 1);
    assert_eq!(got.iter().filter(|r| r["outcome"] == "invalid").count(), 1);
}
