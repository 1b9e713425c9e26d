//! The audit test vectors in `fixtures/audit/`: how they are made, and that every one verifies
//! to its expected verdict.
//!
//! The vectors are generated deterministically by `build_vectors` (fixed times, a fixed
//! test-only key, deterministic Ed25519). `vectors_are_up_to_date` checks the committed files
//! against a fresh generation; to regenerate after a deliberate format change run
//! `MICROGOV_REGENERATE_AUDIT_VECTORS=1 cargo test -p microgov --test audit_vectors`.

// Test helpers outside #[test] functions may panic too: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{Duration, TimeZone, Utc};
use microgov::audit::merkle::MerkleTree;
use microgov::audit::{leaf_hash, verify, Chain, Checkpoint, Event, Hash, Record, SigningKey, VerifyStatus};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const LOG_ID: &str = "microgov.example/audit-vectors";
/// C2SP `tlog-checkpoint`: the key name SHOULD be the log's origin.
const KEY_NAME: &str = LOG_ID;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/audit")
}

fn test_key() -> SigningKey {
    let seed: [u8; 32] = Sha256::digest(b"microgov audit test key: never trust it").into();
    SigningKey::from_seed(KEY_NAME, seed).unwrap()
}

fn other_key() -> SigningKey {
    let seed: [u8; 32] = Sha256::digest(b"microgov audit other key: never trust it").into();
    SigningKey::from_seed(KEY_NAME, seed).unwrap()
}

/// The ten events of the good log: every action family, non-ASCII text, escapes, member names
/// whose UTF-16 order differs from their code point order.
fn events() -> Vec<Event> {
    let t0 = Utc.with_ymd_and_hms(2026, 11, 26, 10, 0, 0).unwrap();
    let at = |i: i64| t0 + Duration::seconds(i) + Duration::microseconds(123_456 * (i + 1) % 1_000_000);
    let decision = json!({
        "decision_id": "0193e7a2-8b1c-7d4e-9f00-000000000001", "app": "expense-approver",
        "outcome": "review", "tier": "high",
        "risk": {"score": 70, "factors": [{"factor": "pii_data", "points": 40, "detail": "email"}]},
        "violations": [], "waived": [],
        "required_approvals": [{"role": "security", "reason": "tier high"}],
        "obligations": [], "policy_revisions": {"baseline": "1.0.0", "residency": "1.2.0"},
        "input_digest": "sha256:9f2c", "evaluated_at": "2026-11-26T10:00:01Z"
    });
    let deny = json!({
        "decision_id": "0193e7a2-8b1c-7d4e-9f00-000000000002", "app": "hr-onboarding",
        "outcome": "deny", "tier": "critical", "risk": {"score": 95},
        "violations": [{"policy": "residency", "rule": "cross_border_transfer", "severity": "high",
                        "message": "employees (EU) flows to us-east-1", "path": "/spec/connectors/0"}],
        "waived": [], "required_approvals": [], "obligations": [],
        "policy_revisions": {"residency": "1.2.0"},
        "input_digest": "sha256:77aa", "evaluated_at": "2026-11-26T10:00:09Z"
    });
    vec![
        Event::new("app.register")
            .tenant("acme")
            .app("expense-approver")
            .principal("jane.doe@acme.example", "user")
            .resource("app", "expense-approver")
            .outcome("success")
            .attr("template", "expense-approval@2.1.0")
            .at(at(0)),
        Event::from_decision_json(&decision)
            .unwrap()
            .tenant("acme")
            .principal("ci-pipeline", "service")
            .request("req-7f3a")
            .at(at(1)),
        Event::new("approval.grant")
            .tenant("acme")
            .app("expense-approver")
            .principal("sec.lead@acme.example", "user")
            .resource("approval", "apr-17")
            .ip("192.0.2.10")
            .outcome("success")
            .attr("roles", json!(["security"]))
            .attr("justification", "reviewed in SEC-1234\n\"ok\" \\ done\t\u{1}")
            .at(at(2)),
        Event::new("exception.grant")
            .tenant("acme")
            .app("hr-onboarding")
            .principal("dpo@acme.example", "user")
            .resource("exception", "exc-3")
            .ip("2001:db8::7")
            .outcome("success")
            .tag("employees")
            .tag("confidential")
            .tag("EU")
            .attr("justification", "SCCs signed \u{2014} BYOK in place")
            .attr("\u{fb33}", "hebrew dalet")
            .attr("\u{1f600}", "grinning face")
            .attr("\u{20ac}", 3)
            .attr("\r", true)
            .at(at(3)),
        Event::new("policy.override")
            .tenant("acme")
            .app("expense-approver")
            .principal("cfo@acme.example", "user")
            .outcome("success")
            .policy("residency", "1.2.0")
            .decision("0193e7a2-8b1c-7d4e-9f00-000000000001")
            .attr("expires_at", "2026-12-26T00:00:00Z")
            .attr("limits", json!({"max_amount": 5000, "min_amount": -1, "currency": null}))
            .at(at(4)),
        Event::new("data.export")
            .tenant("acme")
            .app("expense-approver")
            .principal("agent-42", "agent")
            .resource("dataset", "expenses")
            .outcome("success")
            .tag("pii")
            .attr("rows", 1250)
            .attr("destination", "s3://acme-finance/exports/2026-11/")
            .at(at(5)),
        Event::new("connector.create")
            .tenant("acme")
            .app("hr-onboarding")
            .principal("maria.garcia@acme.example", "user")
            .resource("connector", "payroll")
            .outcome("success")
            .attr("region", "aws:eu-west-1")
            .attr("exports_pii", true)
            .at(at(6)),
        Event::new("approval.revoke")
            .tenant("acme")
            .app("expense-approver")
            .principal("sec.lead@acme.example", "user")
            .resource("approval", "apr-17")
            .outcome("success")
            .attr("reason", "owner left the company")
            .at(at(7)),
        Event::new("app.retire")
            .tenant("acme")
            .app("expense-approver")
            .principal("lifecycle-bot", "service")
            .resource("app", "expense-approver")
            .outcome("success")
            .attr("reason", "expired (90 days)")
            .at(at(8)),
        Event::from_decision_json(&deny).unwrap().tenant("acme").principal("ci-pipeline", "service").at(at(9)),
    ]
}

/// Replaces the first `from` by `to`, insisting that `from` occurs (so that no vector is
/// silently left untampered).
fn edit(s: &str, from: &str, to: &str) -> String {
    assert!(s.contains(from), "{from:?} not in {s}");
    s.replacen(from, to, 1)
}

fn jsonl(lines: &[String]) -> Vec<u8> {
    lines.iter().flat_map(|l| format!("{l}\n").into_bytes()).collect()
}

fn prev_pos(line: &str) -> usize {
    line.find("\"prev\":\"").unwrap() + 8
}

/// Re-chains records (from `from` on) with a function applied to each: hashes are recomputed
/// so the chain itself stays valid.
fn rechain(lines: &[String], from: usize, f: impl Fn(usize, &mut Record)) -> Vec<String> {
    let mut out: Vec<String> = lines[..from].to_vec();
    let mut prev = if from == 0 { Hash::ZERO } else { leaf_hash(lines[from - 1].as_bytes()) };
    for (i, l) in lines.iter().enumerate().skip(from) {
        let mut r = Record::from_line(l).unwrap();
        f(i, &mut r);
        r.prev = prev;
        let line = r.to_line().unwrap();
        prev = leaf_hash(line.as_bytes());
        out.push(line);
    }
    out
}

struct Vectors {
    files: BTreeMap<String, Vec<u8>>,
    cases: Vec<Value>,
}

impl Vectors {
    fn file(&mut self, name: &str, bytes: Vec<u8>) {
        self.files.insert(name.to_string(), bytes);
    }

    fn case(&mut self, name: &str, files: &[&str], checkpoint: Option<&str>, key: Option<&str>, expected: Value) {
        self.cases.push(json!({
            "name": name, "files": files, "checkpoint": checkpoint, "public_key": key, "expected": expected
        }));
    }

    /// A one-file case whose log is `lines` written to `<name>.jsonl`.
    fn log_case(&mut self, name: &str, lines: &[String], kind: &str, seq: Option<u64>, records: u64) {
        let file = format!("{name}.jsonl");
        self.file(&file, jsonl(lines));
        self.case(name, &[&file], None, None, tampered(kind, seq, records));
    }
}

fn tampered(kind: &str, seq: Option<u64>, records: u64) -> Value {
    json!({"status": "tampered", "kind": kind, "seq": seq, "records": records})
}

fn build_vectors() -> Vectors {
    let key = test_key();
    let mut chain = Chain::new(LOG_ID).unwrap();
    let mut good = Vec::new();
    for e in events() {
        let (_, line) = chain.append(&e).unwrap();
        good.push(line.to_string());
    }
    let tree = chain.tree().clone();
    let root_hex = tree.root().to_hex();
    let cp = |size: u64, tree: &MerkleTree| Checkpoint {
        origin: LOG_ID.into(),
        size,
        root: tree.root_at(size).unwrap(),
        extensions: vec![],
    };
    let mut v = Vectors { files: BTreeMap::new(), cases: Vec::new() };
    v.file("good.jsonl", jsonl(&good));
    v.file("test-key.vkey", format!("{}\n", key.verifier().to_vkey()).into_bytes());
    v.file("test-key.skey", format!("{}\n", key.to_skey()).into_bytes());
    v.file("other-key.vkey", format!("{}\n", other_key().verifier().to_vkey()).into_bytes());
    let good_cp = cp(10, &tree).sign(&key);
    v.file("good.checkpoint", good_cp.clone().into_bytes());
    v.file("good-8.checkpoint", cp(8, &tree).sign(&key).into_bytes());
    let file_of_notes = format!("{}\n{}\n{}\n", cp(4, &tree).sign(&key), cp(8, &tree).sign(&key), good_cp);
    v.file("good.checkpoints", file_of_notes.into_bytes());
    let forged = good_cp.replacen("\n10\n", "\n9\n", 1);
    v.file("forged.checkpoint", forged.into_bytes());

    let intact = |records: u64| json!({"status": "intact", "records": records, "root": root_hex});
    v.case("intact", &["good.jsonl"], None, None, intact(10));
    v.case("intact_with_checkpoint", &["good.jsonl"], Some("good.checkpoint"), Some("test-key.vkey"), intact(10));
    v.case(
        "intact_with_checkpoints_file",
        &["good.jsonl"],
        Some("good.checkpoints"),
        Some("test-key.vkey"),
        intact(10),
    );
    v.case("intact_checkpoint_without_key", &["good.jsonl"], Some("good.checkpoint"), None, intact(10));
    v.case(
        "unattested",
        &["good.jsonl"],
        Some("good-8.checkpoint"),
        Some("test-key.vkey"),
        json!({"status": "unattested", "checkpoint_size": 8, "unattested": 2, "records": 10, "root": root_hex}),
    );
    v.file("rotated.jsonl.1", jsonl(&good[..6]));
    v.file("rotated.jsonl", jsonl(&good[6..]));
    v.case(
        "rotated_files",
        &["rotated.jsonl.1", "rotated.jsonl"],
        Some("good.checkpoint"),
        Some("test-key.vkey"),
        intact(10),
    );
    v.file("empty.jsonl", Vec::new());
    v.case(
        "empty",
        &["empty.jsonl"],
        None,
        None,
        json!({"status": "intact", "records": 0,
        "root": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}),
    );

    // Edits.
    let mut l = good.clone();
    l[4] = edit(&l[4], "\"outcome\":\"success\"", "\"outcome\":\"failure\"");
    v.log_case("edited_record", &l, "edited_record", Some(4), 5);
    let mut l = good.clone();
    l[0] = edit(&l[0], "jane.doe@", "john.doe@");
    v.log_case("edited_first_record", &l, "edited_record", Some(0), 1);
    let mut l = good.clone();
    l[9] = edit(&l[9], "\"outcome\":\"deny\"", "\"outcome\":\"allow\"");
    v.file("edited_last_record.jsonl", jsonl(&l));
    // The chain alone cannot see an edit of the last record; the checkpoint can.
    v.case(
        "edited_last_record_no_checkpoint",
        &["edited_last_record.jsonl"],
        None,
        None,
        json!({"status": "intact", "records": 10, "root": tree_root_of(&l)}),
    );
    v.case(
        "edited_last_record",
        &["edited_last_record.jsonl"],
        Some("good.checkpoint"),
        Some("test-key.vkey"),
        tampered("root_mismatch", None, 10),
    );
    let mut l = good.clone();
    let p = prev_pos(&l[6]);
    l[6] = format!("{}{}{}", &good[6][..p], "ab".repeat(32), &good[6][p + 64..]);
    v.log_case("bad_prev", &l, "bad_prev", Some(6), 6);
    let mut l = good.clone();
    let p = prev_pos(&l[0]);
    l[0] = format!("{}{}{}", &good[0][..p], "1".repeat(64), &good[0][p + 64..]);
    v.log_case("bad_prev_first", &l, "bad_prev", Some(0), 0);

    // Deletions, gaps, order.
    let mut l = good.clone();
    l.remove(5);
    v.log_case("deleted_record", &l, "deleted_record", Some(5), 5);
    v.log_case("deleted_first_record", &good[1..], "deleted_record", Some(0), 0);
    let mut l = good.clone();
    l.drain(3..6);
    v.log_case("deleted_records", &l, "deleted_record", Some(3), 3);
    let gap = rechain(&good, 5, |_, r| r.seq += 1);
    v.log_case("seq_gap", &gap, "seq_gap", Some(5), 5);
    let mut l = good.clone();
    l.swap(3, 4);
    v.log_case("reordered", &l, "reordered", Some(3), 3);
    let mut l = good.clone();
    l.insert(6, good[2].clone());
    v.log_case("replayed_record", &l, "reordered", Some(6), 6);
    let mut l = good.clone();
    let moved = l.remove(2);
    l.push(moved);
    v.log_case("moved_record", &l, "reordered", Some(2), 2);

    // Line-level faults.
    let mut l = good.clone();
    l[2] = edit(&l[2], "\",\"", "\", \"");
    v.log_case("non_canonical_whitespace", &l, "non_canonical", Some(2), 2);
    let mut l = good.clone();
    l[3] = edit(&l[3], "SCCs signed \u{2014} BYOK", "SCCs signed \\u2014 BYOK");
    v.log_case("non_canonical_escape", &l, "non_canonical", Some(3), 3);
    let mut l = good.clone();
    l[5] = edit(
        &l[5],
        "{\"action\":\"data.export\",\"app_id\":\"expense-approver\",",
        "{\"app_id\":\"expense-approver\",\"action\":\"data.export\",",
    );
    v.log_case("non_canonical_order", &l, "non_canonical", Some(5), 5);
    let mut l = good.clone();
    l[3] = edit(&l[3], "\"\\r\":true", "\"\\u000D\":true");
    v.log_case("non_canonical_uppercase_escape", &l, "non_canonical", Some(3), 3);
    let mut l = good.clone();
    l[3] = edit(
        &l[3],
        "{\"action\":\"exception.grant\",",
        "{\"action\":\"exception.grant\",\"action\":\"exception.grant\",",
    );
    v.log_case("duplicate_key", &l, "duplicate_key", Some(3), 3);
    let mut l = good.clone();
    l[4] = edit(&l[4], "\"max_amount\":5000", "\"max_amount\":5000,\"max_amount\":5000");
    v.log_case("duplicate_key_nested", &l, "duplicate_key", Some(4), 4);
    let mut l = good.clone();
    l[5] = edit(&l[5], "\"rows\":1250", "\"rows\":1250.5");
    v.log_case("bad_value_float", &l, "bad_value", Some(5), 5);
    let mut l = good.clone();
    l[5] = edit(&l[5], "\"rows\":1250", "\"rows\":9007199254740992");
    v.log_case("bad_value_big_integer", &l, "bad_value", Some(5), 5);
    let mut l = good.clone();
    l[7] = edit(&l[7], "owner left", "owner \\ud800 left");
    v.log_case("bad_value_lone_surrogate", &l, "bad_value", Some(7), 7);
    let mut l = good.clone();
    l[5] = l[5][..l[5].len() / 2].to_string();
    v.log_case("bad_json", &l, "bad_json", Some(5), 5);
    let mut l = good.clone();
    l[1] = String::new();
    v.log_case("bad_json_empty_line", &l, "bad_json", Some(1), 1);
    let mut bytes = jsonl(&good);
    let at = bytes.iter().position(|&b| b == b'j').unwrap(); // inside record 0
    bytes[at] = 0xFF;
    v.file("bad_json_utf8.jsonl", bytes);
    v.case("bad_json_utf8", &["bad_json_utf8.jsonl"], None, None, tampered("bad_json", Some(0), 0));
    let mut l = good.clone();
    l[4] = edit(&l[4], ",\"v\":1}", ",\"v\":2}");
    v.log_case("bad_record_version", &l, "bad_record", Some(4), 4);
    let mut l = good.clone();
    l[4] = edit(&l[4], "\"tenant_id\"", "\"tenant\":\"x\",\"tenant_id\"");
    v.log_case("bad_record_unknown_member", &l, "bad_record", Some(4), 4);
    let mut l = good.clone();
    l[8] = edit(&l[8], "\"ts\":\"2026-11-26T10:00:08", "\"ts\":\"2026-11-26 10:00:08");
    v.log_case("bad_record_ts", &l, "bad_record", Some(8), 8);
    let mut l = good.clone();
    l[7] = edit(&l[7], LOG_ID, "microgov.example/other-log");
    v.log_case("log_id_mismatch", &l, "log_id_mismatch", Some(7), 7);
    let mut torn = jsonl(&good);
    torn.truncate(torn.len() - 40);
    v.file("torn_line.jsonl", torn);
    v.case("torn_line", &["torn_line.jsonl"], None, None, tampered("torn_line", Some(9), 9));
    let mut no_lf = jsonl(&good);
    no_lf.pop();
    v.file("torn_line_complete_record.jsonl", no_lf);
    v.case(
        "torn_line_complete_record",
        &["torn_line_complete_record.jsonl"],
        None,
        None,
        tampered("torn_line", Some(9), 9),
    );

    // With the checkpoint.
    v.file("truncated.jsonl", jsonl(&good[..8]));
    v.case(
        "truncated",
        &["truncated.jsonl"],
        Some("good.checkpoint"),
        Some("test-key.vkey"),
        tampered("truncated", Some(8), 8),
    );
    v.case(
        "truncated_no_checkpoint",
        &["truncated.jsonl"],
        None,
        None,
        json!({"status": "intact", "records": 8, "root": tree.root_at(8).unwrap().to_hex()}),
    );
    let rewritten = rechain(&good, 2, |i, r| {
        if i == 2 {
            r.outcome = Some("failure".into());
        }
    });
    v.file("rewritten_history.jsonl", jsonl(&rewritten));
    v.case(
        "rewritten_history",
        &["rewritten_history.jsonl"],
        Some("good.checkpoint"),
        Some("test-key.vkey"),
        tampered("root_mismatch", None, 10),
    );
    v.case(
        "rewritten_history_no_checkpoint",
        &["rewritten_history.jsonl"],
        None,
        None,
        json!({"status": "intact", "records": 10, "root": tree_root_of(&rewritten)}),
    );
    v.case(
        "bad_signature_forged_checkpoint",
        &["good.jsonl"],
        Some("forged.checkpoint"),
        Some("test-key.vkey"),
        tampered("bad_signature", None, 0),
    );
    v.case(
        "bad_signature_wrong_key",
        &["good.jsonl"],
        Some("good.checkpoint"),
        Some("other-key.vkey"),
        tampered("bad_signature", None, 0),
    );
    let other_log = rechain(&good, 0, |_, r| r.log_id = "microgov.example/other-log".into());
    v.file("other_log.jsonl", jsonl(&other_log));
    v.case(
        "log_id_mismatch_checkpoint",
        &["other_log.jsonl"],
        Some("good.checkpoint"),
        Some("test-key.vkey"),
        tampered("log_id_mismatch", Some(0), 0),
    );

    // Proofs over the good log, for implementers of RFC 9162 verification.
    let mut inclusion = Vec::new();
    for size in [1u64, 5, 10] {
        for seq in 0..size {
            let p = tree.inclusion_proof(seq, size).unwrap();
            inclusion.push(json!({"leaf_index": seq, "tree_size": size, "leaf": tree.leaf(seq).unwrap(),
                "root": tree.root_at(size).unwrap(), "hashes": p.hashes}));
        }
    }
    let mut consistency = Vec::new();
    for new in 1..=10u64 {
        for old in 0..=new {
            let p = tree.consistency_proof(old, new).unwrap();
            consistency.push(json!({"old_size": old, "new_size": new, "old_root": tree.root_at(old).unwrap(),
                "new_root": tree.root_at(new).unwrap(), "hashes": p.hashes}));
        }
    }
    let proofs = json!({"log": "good.jsonl", "inclusion": inclusion, "consistency": consistency});
    v.file("proofs.json", pretty(&proofs));
    let table = vectors_table(&v.cases);
    v.file("vectors.json", table);
    v
}

fn tree_root_of(lines: &[String]) -> String {
    let mut t = MerkleTree::new();
    for l in lines {
        t.push(leaf_hash(l.as_bytes()));
    }
    t.root().to_hex()
}

/// One case per line, members in a reading order (name first), so the table reads like one.
fn vectors_table(cases: &[Value]) -> Vec<u8> {
    let member = |v: &Value, keys: &[&str]| -> String {
        let parts: Vec<String> =
            keys.iter().filter(|k| v.get(**k).is_some()).map(|k| format!("{}: {}", json!(k), v[*k])).collect();
        format!("{{{}}}", parts.join(", "))
    };
    let rows: Vec<String> = cases
        .iter()
        .map(|c| {
            let expected =
                member(&c["expected"], &["status", "kind", "seq", "records", "checkpoint_size", "unattested", "root"]);
            let mut row = member(c, &["name", "files", "checkpoint", "public_key"]);
            row.pop();
            format!("  {row}, \"expected\": {expected}}}")
        })
        .collect();
    format!("[\n{}\n]\n", rows.join(",\n")).into_bytes()
}

fn pretty(v: &Value) -> Vec<u8> {
    let mut s = serde_json::to_string_pretty(v).unwrap();
    s.push('\n');
    s.into_bytes()
}

#[test]
fn vectors_are_up_to_date() {
    let v = build_vectors();
    let dir = fixtures();
    if std::env::var_os("MICROGOV_REGENERATE_AUDIT_VECTORS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for (name, bytes) in &v.files {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
    }
    for (name, bytes) in &v.files {
        let on_disk = std::fs::read(dir.join(name)).unwrap_or_default();
        assert!(
            on_disk == *bytes,
            "fixtures/audit/{name} is stale: run MICROGOV_REGENERATE_AUDIT_VECTORS=1 cargo test -p microgov --test audit_vectors"
        );
    }
}

fn read(name: &str) -> String {
    std::fs::read_to_string(fixtures().join(name)).unwrap()
}

#[test]
fn every_vector_verifies_as_expected() {
    let cases: Vec<Value> = serde_json::from_str(&read("vectors.json")).unwrap();
    assert!(cases.len() >= 30);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let files: Vec<PathBuf> =
            case["files"].as_array().unwrap().iter().map(|f| fixtures().join(f.as_str().unwrap())).collect();
        let checkpoint = case["checkpoint"].as_str().map(read);
        let key = case["public_key"].as_str().map(read);
        let report = verify(files, checkpoint.as_deref(), key.as_deref().map(str::trim)).unwrap();
        let e = &case["expected"];
        let got = serde_json::to_value(&report).unwrap();
        assert_eq!(got["status"], e["status"], "{name}: {report:?}");
        assert_eq!(got["records"], e["records"], "{name}: {report:?}");
        match &report.status {
            VerifyStatus::Tampered(t) => {
                assert_eq!(t.kind.code(), e["kind"], "{name}: {t:?}");
                assert_eq!(json!(t.seq), e["seq"], "{name}: {t:?}");
                assert!(!t.reason.is_empty());
            }
            VerifyStatus::Unattested { checkpoint_size, unattested } => {
                assert_eq!(json!(checkpoint_size), e["checkpoint_size"], "{name}");
                assert_eq!(json!(unattested), e["unattested"], "{name}");
                assert_eq!(report.root.to_hex(), e["root"], "{name}");
            }
            VerifyStatus::Intact => assert_eq!(report.root.to_hex(), e["root"], "{name}"),
        }
    }
}

#[test]
fn proofs_verify() {
    use microgov::audit::merkle::{verify_consistency, verify_inclusion};
    use microgov::audit::{ConsistencyProof, InclusionProof};
    let proofs: Value = serde_json::from_str(&read("proofs.json")).unwrap();
    let h = |v: &Value| Hash::from_hex(v.as_str().unwrap()).unwrap();
    for p in proofs["inclusion"].as_array().unwrap() {
        let proof: InclusionProof = serde_json::from_value(p.clone()).unwrap();
        verify_inclusion(&h(&p["leaf"]), &proof, &h(&p["root"])).unwrap();
    }
    for p in proofs["consistency"].as_array().unwrap() {
        let proof: ConsistencyProof = serde_json::from_value(p.clone()).unwrap();
        verify_consistency(&h(&p["old_root"]), &h(&p["new_root"]), &proof).unwrap();
    }
}

#[test]
fn test_key_is_marked_test_only() {
    assert!(read("test-key.skey").starts_with(&format!("PRIVATE+KEY+{LOG_ID}+")));
    assert!(read("test-key.vkey").starts_with(&format!("{LOG_ID}+")), "the key name is the log's origin");
    assert!(read("README.md").to_lowercase().contains("test only"));
}

/// The independent Python verifier (written from the spec alone) agrees on every vector.
#[test]
fn python_verifier_agrees() {
    let python = std::process::Command::new("python3").arg("--version").output();
    if !python.is_ok_and(|o| o.status.success()) {
        eprintln!("python3 not found: skipping the independent verifier");
        return;
    }
    let out = std::process::Command::new("python3")
        .arg(fixtures().join("verify.py"))
        .arg("--vectors")
        .arg(fixtures().join("vectors.json"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "verify.py failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("all vectors pass"), "{stdout}");
}

/// §7.2: a note holds no character below U+0020 but LF; U+007F..U+009F are allowed (a witness
/// may be named with them). The Rust reader and the independent Python verifier agree.
#[test]
fn note_character_rule_is_the_same_in_python() {
    let python = std::process::Command::new("python3").arg("--version").output();
    if !python.is_ok_and(|o| o.status.success()) {
        eprintln!("python3 not found: skipping the independent verifier");
        return;
    }
    let dir = std::env::temp_dir().join(format!("microgov-notechars-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = read("good.checkpoint");
    let witness = |name: &str| {
        let key = SigningKey::from_seed(name, [5; 32]).unwrap();
        let text = &good[..good.find("\n\n").unwrap() + 1];
        let sig = Checkpoint::parse_body(text).unwrap().sign(&key);
        format!("{good}{}", &sig[sig.find("\n\n").unwrap() + 2..])
    };
    let control_in_body = good.replacen("\n\n", "\next\u{1}\n\n", 1);
    let control_in_name = good.replacen("\u{2014} ", "\u{2014} \u{1b}", 1);
    for (name, note, ok) in [
        ("witness_del", witness("w\u{7f}"), true),
        ("witness_c1", witness("w\u{80}"), true),
        ("control_in_body", control_in_body, false),
        ("control_in_name", control_in_name, false),
    ] {
        let path = dir.join(format!("{name}.checkpoint"));
        std::fs::write(&path, &note).unwrap();
        let key = read("test-key.vkey");
        let rust = verify(fixtures().join("good.jsonl"), Some(&note), Some(key.trim()));
        assert_eq!(rust.is_ok(), ok, "{name}: rust {rust:?}");
        if ok {
            assert!(rust.unwrap().is_ok(), "{name}");
        }
        for with_key in [false, true] {
            let mut cmd = std::process::Command::new("python3");
            cmd.arg(fixtures().join("verify.py")).arg(fixtures().join("good.jsonl")).arg("--checkpoint").arg(&path);
            if with_key {
                cmd.arg("--public-key").arg(fixtures().join("test-key.vkey"));
            }
            let out = cmd.output().unwrap();
            let code = out.status.code();
            assert_eq!(
                code,
                Some(if ok { 0 } else { 2 }),
                "{name} (key: {with_key}): {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
