//! `microgov audit` and `microgov keygen` on the audit test vectors and on a
//! log they create: verdicts and exit codes, proofs, tampering found.
//!
//! Needs the binary: `cargo test --features cli` (CI: `--all-features`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/audit").canonicalize().unwrap()
}

fn run_in(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_microgov"))
        .args(args)
        .current_dir(dir)
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    }
    child.wait_with_output().unwrap()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "microgov-cli-audit-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn verify_gives_every_vector_its_expected_verdict_and_exit_code() {
    let dir = vectors();
    let cases: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(dir.join("vectors.json")).unwrap()).unwrap();
    assert!(cases.len() > 30);
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let mut args = vec!["audit".to_string(), "verify".to_string(), "--format".to_string(), "json".to_string()];
        args.extend(case["files"].as_array().unwrap().iter().map(|f| f.as_str().unwrap().to_string()));
        if let Some(cp) = case["checkpoint"].as_str() {
            args.extend(["--checkpoint".to_string(), cp.to_string()]);
        }
        if let Some(k) = case["public_key"].as_str() {
            args.extend(["--public-key".to_string(), k.to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = run_in(&dir, &args, None);
        let expected = &case["expected"];
        let report: Value =
            serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{name}: {e}: {}{}", out(&o), err(&o)));
        assert_eq!(report["status"], expected["status"], "{name}: {report:#}");
        let want_code = if expected["status"] == "tampered" { 1 } else { 0 };
        assert_eq!(code(&o), want_code, "{name}");
        for key in ["kind", "seq", "records", "root"] {
            if let Some(v) = expected.get(key) {
                assert_eq!(&report[key], v, "{name}: {key}");
            }
        }
    }
}

#[test]
fn verify_text_names_the_first_bad_record() {
    let o = run_in(&vectors(), &["audit", "verify", "edited_record.jsonl"], None);
    assert_eq!(code(&o), 1);
    let text = out(&o);
    assert!(text.starts_with("TAMPERED: edited_record at seq 4 (edited_record.jsonl:5):"), "{text}");
    let ok = run_in(
        &vectors(),
        &["audit", "verify", "good.jsonl", "--checkpoint", "good.checkpoint", "--public-key", "test-key.vkey"],
        None,
    );
    assert_eq!(code(&ok), 0);
    assert!(out(&ok).contains("intact: 10 record(s)") && out(&ok).contains("signature verified"), "{}", out(&ok));
}

#[test]
fn verify_bad_input_exits_2() {
    let dir = vectors();
    let missing = run_in(&dir, &["audit", "verify", "no-such.jsonl"], None);
    assert_eq!(code(&missing), 2);
    assert!(err(&missing).contains("no-such.jsonl"), "{}", err(&missing));
    let no_cp = run_in(&dir, &["audit", "verify", "good.jsonl", "--public-key", "test-key.vkey"], None);
    assert_eq!(code(&no_cp), 2);
    assert!(err(&no_cp).contains("--checkpoint"), "{}", err(&no_cp));
    let bad_key = run_in(
        &dir,
        &["audit", "verify", "good.jsonl", "--checkpoint", "good.checkpoint", "--public-key", "good.jsonl"],
        None,
    );
    assert_eq!(code(&bad_key), 2);
    assert!(err(&bad_key).contains("[audit.bad_key]"), "{}", err(&bad_key));
    let flag = run_in(&dir, &["audit", "verify", "good.jsonl", "--bogus"], None);
    assert_eq!(code(&flag), 2);
}

#[test]
fn prove_matches_the_proof_vectors() {
    let dir = vectors();
    let proofs: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("proofs.json")).unwrap()).unwrap();
    let log = proofs["log"].as_str().unwrap();
    for p in proofs["inclusion"].as_array().unwrap() {
        let seq = p["leaf_index"].to_string();
        let size = p["tree_size"].to_string();
        let o = run_in(&dir, &["audit", "prove", log, &seq, "--tree-size", &size], None);
        assert_eq!(code(&o), 0, "{}", err(&o));
        let got: Value = serde_json::from_slice(&o.stdout).unwrap();
        for key in ["leaf_index", "tree_size", "hashes", "root", "leaf"] {
            assert_eq!(got[key], p[key], "seq {seq} size {size}: {key}");
        }
        assert_eq!(got["record"]["seq"], p["leaf_index"]);
    }
    let out_of_range = run_in(&dir, &["audit", "prove", log, "10"], None);
    assert_eq!(code(&out_of_range), 2);
    let tampered = run_in(&dir, &["audit", "prove", "edited_record.jsonl", "1"], None);
    assert_eq!(code(&tampered), 1);
}

#[test]
fn keygen_append_checkpoint_verify_and_tampering_found() {
    let dir = temp_dir("flow");
    let o = run_in(&dir, &["keygen", "acme.example/audit", "-o", "audit.key"], None);
    assert_eq!(code(&o), 0, "{}", err(&o));
    let skey = std::fs::read_to_string(dir.join("audit.key")).unwrap();
    let vkey = std::fs::read_to_string(dir.join("audit.key.pub")).unwrap();
    assert!(skey.starts_with("PRIVATE+KEY+acme.example/audit+"));
    assert!(vkey.starts_with("acme.example/audit+"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(dir.join("audit.key")).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let again = run_in(&dir, &["keygen", "acme.example/audit", "-o", "audit.key"], None);
    assert_eq!(code(&again), 2, "keys are not overwritten by accident");
    assert!(err(&again).contains("--force"));

    let event = r#"{"action":"app.register","tenant_id":"acme","app_id":"expense-approver","outcome":"success"}"#;
    let o = run_in(
        &dir,
        &["audit", "append", "audit.jsonl", "--log-id", "acme.example/audit", "--key", "audit.key", "--format", "json"],
        Some(event),
    );
    assert_eq!(code(&o), 0, "{}", err(&o));
    let receipt: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(receipt["receipts"][0]["seq"], 0);
    assert_eq!(receipt["log_id"], "acme.example/audit");

    // Decisions straight from `microgov check --format json`.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let check = Command::new(env!("CARGO_BIN_EXE_microgov"))
        .args(["check", "fixtures/apps", "--format", "json", "--now", "2026-11-26T10:00:00Z"])
        .current_dir(&root)
        .output()
        .unwrap();
    let o = run_in(
        &dir,
        &[
            "audit",
            "append",
            "audit.jsonl",
            "--decisions",
            "--tenant",
            "acme",
            "--principal",
            "ci@acme.example",
            "--principal-type",
            "service",
        ],
        Some(&String::from_utf8(check.stdout).unwrap()),
    );
    assert_eq!(code(&o), 0, "{}", err(&o));
    assert!(out(&o).contains("appended 19 record(s)"), "{}", out(&o));
    let lines: Vec<String> =
        std::fs::read_to_string(dir.join("audit.jsonl")).unwrap().lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 20);
    let rec: Value = serde_json::from_str(&lines[1]).unwrap();
    assert_eq!(rec["action"], "policy.evaluate");
    assert_eq!(rec["tenant_id"], "acme");
    assert_eq!(rec["principal_type"], "service");

    let o = run_in(&dir, &["audit", "checkpoint", "audit.jsonl", "--key", "audit.key"], None);
    assert_eq!(code(&o), 0, "{}", err(&o));
    let note = out(&o);
    assert!(note.starts_with("acme.example/audit\n20\n"), "{note}");
    std::fs::write(dir.join("latest.checkpoint"), &note).unwrap();

    let o = run_in(
        &dir,
        &["audit", "verify", "audit.jsonl", "--checkpoint", "latest.checkpoint", "--public-key", "audit.key.pub"],
        None,
    );
    assert_eq!(code(&o), 0, "{}{}", out(&o), err(&o));
    let o = run_in(&dir, &["audit", "verify", "audit.jsonl", "--public-key", "audit.key.pub"], None);
    assert_eq!(code(&o), 0, "the log's own checkpoints file: {}{}", out(&o), err(&o));

    let o = run_in(&dir, &["audit", "prove", "audit.jsonl", "5"], None);
    assert_eq!(code(&o), 0);
    let proof: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(proof["tree_size"], 20);
    assert_eq!(proof["record"]["seq"], 5);

    // Change one outcome in the middle of the log: verify names that record.
    let mut edited = lines.clone();
    edited[6] = edited[6]
        .replace("\"outcome\":\"deny\"", "\"outcome\":\"allow\"")
        .replace("\"outcome\":\"review\"", "\"outcome\":\"allow\"");
    assert_ne!(edited[6], lines[6], "record 6 has an outcome to change");
    std::fs::write(dir.join("audit.jsonl"), edited.join("\n") + "\n").unwrap();
    let o = run_in(&dir, &["audit", "verify", "audit.jsonl", "--format", "json"], None);
    assert_eq!(code(&o), 1, "{}", out(&o));
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["kind"], "edited_record");
    assert_eq!(report["seq"], 6);
    // A writer refuses to append to a broken chain.
    let o = run_in(&dir, &["audit", "append", "audit.jsonl"], Some(event));
    assert_eq!(code(&o), 2);
    assert!(err(&o).contains("[audit.tampered]"), "{}", err(&o));
}

#[test]
fn append_rejects_bad_events() {
    let dir = temp_dir("bad");
    let empty = run_in(&dir, &["audit", "append", "a.jsonl"], Some(""));
    assert_eq!(code(&empty), 2);
    assert!(err(&empty).contains("no events"));
    let bad = run_in(&dir, &["audit", "append", "a.jsonl"], Some(r#"{"action":"Not A Verb"}"#));
    assert_eq!(code(&bad), 2);
    assert!(err(&bad).contains("[audit.bad_event]"), "{}", err(&bad));
    let assigned = run_in(&dir, &["audit", "append", "a.jsonl"], Some(r#"{"action":"app.register","seq":3}"#));
    assert_eq!(code(&assigned), 2);
    let lines = run_in(
        &dir,
        &["audit", "append", "a.jsonl"],
        Some("{\"action\":\"app.register\"}\n{\"action\":\"app.retire\"}\n"),
    );
    assert_eq!(code(&lines), 0, "{}", err(&lines));
    assert!(out(&lines).contains("appended 2 record(s)"));
    let bad_key = run_in(&dir, &["audit", "checkpoint", "a.jsonl", "--key", "a.jsonl"], None);
    assert_eq!(code(&bad_key), 2);
    assert!(err(&bad_key).contains("[audit.bad_key]"), "{}", err(&bad_key));
    let missing = run_in(&dir, &["audit", "checkpoint", "none.jsonl", "--key", "a.jsonl"], None);
    assert_eq!(code(&missing), 2);
    assert!(!dir.join("none.jsonl").exists(), "checkpoint does not create a log");
}

#[test]
fn audit_commands_have_help_with_examples() {
    for cmd in
        [&["audit", "verify"][..], &["audit", "append"], &["audit", "checkpoint"], &["audit", "prove"], &["keygen"]]
    {
        let mut args = cmd.to_vec();
        args.push("--help");
        let o = run_in(&vectors(), &args, None);
        assert_eq!(code(&o), 0);
        assert!(
            out(&o).contains("Examples:") && out(&o).contains(&format!("microgov {}", cmd.join(" "))),
            "{cmd:?}: {}",
            out(&o)
        );
    }
}

/// A key name with a control character would sign checkpoints that `note.Open` (and our own
/// verify) refuse, leaving a log no later append can open: keygen and log open refuse it.
#[test]
fn keygen_and_append_refuse_key_names_with_control_characters() {
    let dir = temp_dir("ctl");
    for name in ["acme\u{1}audit", "\u{1b}[31macme"] {
        let o = run_in(&dir, &["keygen", name, "-o", "k.key"], None);
        assert_eq!(code(&o), 2, "{}", out(&o));
        assert!(err(&o).contains("[audit.bad_key]") && err(&o).contains("control character U+00"), "{}", err(&o));
        assert!(!err(&o).contains('\u{1b}'), "the message does not echo raw control characters");
        assert!(!dir.join("k.key").exists() && !dir.join("k.key.pub").exists());
    }
    // A signing key file whose name holds one (written by an older keygen) is refused at open,
    // before anything is written.
    let o = run_in(&dir, &["keygen", "acme", "-o", "ok.key"], None);
    assert_eq!(code(&o), 0, "{}", err(&o));
    let skey = std::fs::read_to_string(dir.join("ok.key")).unwrap().replacen("+acme+", "+ac\u{1}me+", 1);
    std::fs::write(dir.join("bad.key"), skey).unwrap();
    let event = r#"{"action":"app.register"}"#;
    let o = run_in(&dir, &["audit", "append", "a.jsonl", "--key", "bad.key"], Some(event));
    assert_eq!(code(&o), 2);
    assert!(err(&o).contains("[audit.bad_key]") && err(&o).contains("U+0001 at character 3"), "{}", err(&o));
    assert!(!dir.join("a.jsonl.checkpoints").exists());
}

#[test]
fn checkpoint_of_an_empty_log_leaves_no_checkpoints_file() {
    let dir = temp_dir("emptycp");
    let o = run_in(&dir, &["keygen", "acme", "-o", "k.key"], None);
    assert_eq!(code(&o), 0, "{}", err(&o));
    std::fs::write(dir.join("e.jsonl"), "").unwrap();
    let o = run_in(&dir, &["audit", "checkpoint", "e.jsonl", "--key", "k.key"], None);
    assert_eq!(code(&o), 2, "{}", out(&o));
    assert!(err(&o).contains("no checkpoint was written"), "{}", err(&o));
    assert!(!dir.join("e.jsonl.checkpoints").exists(), "no empty checkpoints file is left behind");
}
