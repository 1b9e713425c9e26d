//! The fuzz targets' bodies: each takes untrusted bytes and must return, whatever they
//! are, without a panic (and with its invariants held). Shared by `fuzz_targets/*.rs`
//! (`cargo +nightly fuzz run <target>`) and, on stable, by `core/tests/detect_fuzz.rs`,
//! which runs every body over the seed corpora (`fuzz/seeds.sh` lists them) in
//! `cargo test`, so CI notices a new panic without a nightly toolchain.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(missing_docs, dead_code)]

use std::sync::LazyLock;

use microgov::detect::{self, egress, pii};
use microgov::{Context, Engine};

static ENGINE: LazyLock<Engine> = LazyLock::new(|| Engine::new().expect("the bundled engine compiles"));

/// One app with declared egress, for the egress and approvals targets.
const APP: &str = "apiVersion: microgov.dev/v1\nkind: MicroApp\nmetadata:\n  name: fuzz\n  owner: a@acme.example\n  createdAt: 2026-11-01T09:00:00Z\nspec:\n  egress:\n    - https://api.example.com/v1\n    - https://*.zendesk.com/api\n";

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(1_795_000_000, 0).unwrap_or_default()
}

/// Manifest text: read as a document (every detector runs on any document), then
/// parsed, validated, scanned (the typed and the JSON scans agree) and decided.
pub fn manifest(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(doc) = serde_yaml_ng::from_str::<serde_json::Value>(text) {
        let _ = detect::scan(&doc);
    }
    let Ok(app) = ENGINE.parse_manifest(text) else { return };
    assert_eq!(detect::scan_manifest(&app), detect::scan(&app.to_value()), "typed and JSON scans differ");
    let _ = ENGINE.evaluate(&app, &Context::at(now()));
}

/// An approvals document, then a decision on a fixed app with those approvals.
pub fn approvals(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(list) = microgov::model::approval::approvals_from_str(text) else { return };
    for a in &list {
        let _ = a.grants_role("owner", Some("x"), None);
        let _ = a.waives("egress", &[], Some("y"));
    }
    let app = ENGINE.parse_manifest(APP).expect("the fuzz app is valid");
    let _ = ENGINE.evaluate(&app, &Context::at(now()).with_approvals(list));
}

/// Audit log lines through the verifier; after a NUL byte, a checkpoint note for it.
pub fn audit_lines(data: &[u8]) {
    let (log, checkpoint) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], std::str::from_utf8(&data[i + 1..]).ok()),
        None => (data, None),
    };
    let reader: Box<dyn std::io::Read> = Box::new(std::io::Cursor::new(log.to_vec()));
    let _ = microgov::audit::verify(microgov::audit::LogSource::Reader(reader), checkpoint, None);
}

/// A URL (first line), a redirect target (second line) and resolved addresses (the rest,
/// 4 or 16 bytes each): normalized, scanned, checked, redirected, checked at connect time.
pub fn egress_url(data: &[u8]) {
    let mut parts = data.splitn(3, |&b| b == b'\n');
    let url = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let to = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let rest = parts.next().unwrap_or_default();
    // Normalizing twice is not always idempotent (`https:.......//host` found by the
    // fuzzer gains a dot on the second pass, as the url crate parses it): not asserted
    // until that is settled; the verdicts below must still hold.
    let _ = egress::NormalizedUrl::parse(&url).map(|n| egress::NormalizedUrl::parse(&n.to_string()));
    let _ = egress::EgressFinding::from_input("/spec/egress/0".into(), &url);
    let app = ENGINE.parse_manifest(APP).expect("the fuzz app is valid");
    let guard = ENGINE.egress_guard(&app);
    let v = guard.check(&url);
    let _ = guard.check_redirect(&url, &to);
    let addrs: Vec<std::net::IpAddr> = rest
        .chunks(17)
        .filter_map(|c| match c.split_first() {
            Some((k, a)) if k % 2 == 0 && a.len() >= 4 => Some(std::net::IpAddr::from([a[0], a[1], a[2], a[3]])),
            Some((_, a)) if a.len() == 16 => Some(std::net::IpAddr::from(<[u8; 16]>::try_from(a).ok()?)),
            _ => None,
        })
        .collect();
    let r = guard.check_resolved(&url, &addrs);
    // Connect-time checks only ever narrow the URL check.
    assert!(!r.allowed || v.allowed, "{url:?} {addrs:?}");
    if !v.allowed {
        assert_eq!(r.code, v.code);
    }
}

/// Canonical JSON through its one public round trip: a JSON event appended to an audit
/// log (written canonically) must read back as a log that verifies (the strict reader
/// accepts only canonical lines), and appending the same event twice writes the same
/// body both times.
pub fn canonical_json(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let Ok(event) = microgov::audit::Event::from_json(&value) else { return };
    // One folder per call: the tests run the bodies on several threads of one process.
    static CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("microgov-fuzz-{}-{call}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("audit.jsonl");
    let options = microgov::AuditOptions::new().sync(microgov::audit::SyncPolicy::OnFlush);
    let log = microgov::AuditLog::open(&path, options).unwrap();
    // `Event::from_json` accepts some numbers (`-0`) that appending refuses as floats:
    // a typed error, found by the fuzzer, not a panic.
    if log.append(&event).is_err() {
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    log.append(&event).unwrap();
    log.close().unwrap();
    let report = microgov::audit::verify(path.as_path(), None, None).unwrap();
    assert!(report.is_ok(), "a log of {value} does not verify: {:?}", report.tamper().map(|t| &t.reason));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Free text through the recognizers: spans in order, apart, on character boundaries,
/// scored in [0, 1], within the bounds.
pub fn pii_text(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (field, text) = text.split_once('\n').unwrap_or(("", &text));
    let found = pii::find_entities_in_field(field, text);
    assert!(found.len() <= pii::MAX_ENTITIES);
    let mut last = 0;
    for e in &found {
        assert!(e.start >= last && e.start < e.end && e.end <= text.len().min(pii::MAX_TEXT), "{e:?}");
        assert!(text.is_char_boundary(e.start) && text.is_char_boundary(e.end), "{e:?}");
        assert!((pii::MIN_SCORE..=1.0).contains(&e.score), "{e:?}");
        last = e.end;
    }
    let _ = pii::classify_field_name(field);
}
