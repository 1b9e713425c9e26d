//! Lifecycle: apps expire, warn before they do, renew within a maximum, and
//! stay retired once retired. Windows and limits come from the governance
//! bundle's `lifecycle` data, as a host would read them.

// Helpers of a test crate sit outside #[test] functions; failing loudly is their job.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Duration, Utc};
use microgov::model::lifecycle::{renew, retire, state, LifecycleError, LifecycleState};
use microgov::Manifest;
use serde_json::Value;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(rel: &str) -> String {
    let p = root().join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

fn app(file: &str) -> Manifest {
    Manifest::from_str_any(&read(&format!("fixtures/apps/{file}"))).unwrap()
}

fn time(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn now() -> DateTime<Utc> {
    time("2026-11-26T10:00:00Z")
}

/// `lifecycle.<key>` of the bundled governance data.
fn lifecycle_setting(key: &str) -> i64 {
    let data: Value = serde_json::from_str(&read("policy-bundles/governance/data.json")).unwrap();
    data["microgov"]["governance"]["lifecycle"][key].as_i64().unwrap()
}

#[test]
fn fixture_apps_are_in_their_expected_state_at_now() {
    let table: Value = serde_json::from_str(&read("fixtures/apps/expected.json")).unwrap();
    assert_eq!(time(table["now"].as_str().unwrap()), now());
    let window = table["expiring_within_days"].as_i64().unwrap();
    assert_eq!(window, lifecycle_setting("expiring_within_days"));
    for (file, exp) in table["apps"].as_object().unwrap() {
        let got = state(&app(file), now(), window);
        assert_eq!(got.as_str(), exp["lifecycle"].as_str().unwrap(), "{file}: {got:?}");
    }
}

#[test]
fn an_app_past_its_expiry_is_expired() {
    let app = app("incident-triage.yaml");
    assert_eq!(state(&app, now(), 14), LifecycleState::Expired { days_ago: 3 });
    // At the instant of expiry it is already expired.
    assert_eq!(state(&app, app.metadata.expires_at, 14), LifecycleState::Expired { days_ago: 0 });
    let before = app.metadata.expires_at - Duration::seconds(1);
    assert_eq!(state(&app, before, 14).as_str(), "expiring");
}

#[test]
fn an_app_expiring_within_the_window_is_expiring() {
    let slack = app("slack-runbook-deploy.yaml");
    // Expires 2026-12-08T11:00Z: 12 days and an hour after now.
    assert_eq!(state(&slack, now(), 14), LifecycleState::Expiring { days_left: 12 });
    assert_eq!(state(&slack, now(), 12), LifecycleState::Active { days_left: 12 }, "outside a 12-day window");
    assert_eq!(state(&slack, now(), 13), LifecycleState::Expiring { days_left: 12 });
    assert_eq!(state(&app("readonly-dashboard.yaml"), now(), 14), LifecycleState::Active { days_left: 85 });
}

#[test]
fn lifecycle_state_serializes_with_its_name() {
    let v = serde_json::to_value(state(&app("slack-runbook-deploy.yaml"), now(), 14)).unwrap();
    assert_eq!(v, serde_json::json!({"state": "expiring", "days_left": 12}));
    let v = serde_json::to_value(state(&retire(&app("readonly-dashboard.yaml"), now()), now(), 14)).unwrap();
    assert_eq!(v, serde_json::json!({"state": "retired"}));
}

#[test]
fn renewal_sets_the_new_expiry_up_to_the_maximum() {
    let max = lifecycle_setting("max_days");
    let app = app("slack-runbook-deploy.yaml");
    let latest = now() + Duration::days(max);
    let renewed = renew(&app, latest, now(), max).unwrap();
    assert_eq!(renewed.metadata.expires_at, latest);
    assert_eq!(state(&renewed, now(), 14).as_str(), "active");
    // Nothing else changes, and the original is untouched.
    let mut back = renewed.clone();
    back.metadata.expires_at = app.metadata.expires_at;
    assert_eq!(back, app);
    assert_eq!(app.metadata.expires_at, time("2026-12-08T11:00:00Z"));
}

#[test]
fn renewal_beyond_the_maximum_is_refused() {
    let max = lifecycle_setting("max_days");
    let app = app("slack-runbook-deploy.yaml");
    let err = renew(&app, now() + Duration::days(max) + Duration::seconds(1), now(), max).unwrap_err();
    assert!(matches!(err, LifecycleError::TooLong { max_days, .. } if max_days == max), "{err:?}");
    assert_eq!(err.code(), "lifecycle.too_long");
    assert!(err.to_string().contains(&max.to_string()), "names the limit: {err}");
    // A smaller maximum is honoured too.
    assert_eq!(renew(&app, now() + Duration::days(31), now(), 30).unwrap_err().code(), "lifecycle.too_long");
}

#[test]
fn renewal_into_the_past_is_refused() {
    let app = app("slack-runbook-deploy.yaml");
    assert_eq!(renew(&app, now(), now(), 365).unwrap_err().code(), "lifecycle.in_past");
    assert_eq!(renew(&app, now() - Duration::days(1), now(), 365).unwrap_err().code(), "lifecycle.in_past");
}

#[test]
fn an_expired_app_can_be_renewed() {
    let app = app("incident-triage.yaml");
    let renewed = renew(&app, now() + Duration::days(30), now(), 365).unwrap();
    assert_eq!(state(&renewed, now(), 14), LifecycleState::Active { days_left: 30 });
}

#[test]
fn a_retired_app_stays_retired_and_cannot_be_renewed() {
    let app = app("readonly-dashboard.yaml");
    let retired = retire(&app, now());
    assert_eq!(retired.metadata.retired_at, Some(now()));
    assert_eq!(state(&retired, now(), 14), LifecycleState::Retired);
    assert_eq!(state(&retired, now() + Duration::days(400), 14), LifecycleState::Retired, "retired outranks expired");

    let err = renew(&retired, now() + Duration::days(30), now(), 365).unwrap_err();
    assert_eq!(err, LifecycleError::Retired("readonly-dashboard".into()));
    assert_eq!(err.code(), "lifecycle.retired");
    // The crate error keeps the code.
    assert_eq!(microgov::Error::from(err).code(), "lifecycle.retired");
}

#[test]
fn retirement_written_in_the_manifest_takes_effect_at_its_time() {
    let text = read("fixtures/apps/readonly-dashboard.yaml")
        .replace("  createdAt:", "  retiredAt: 2026-12-01T00:00:00Z\n  createdAt:");
    let app = Manifest::from_yaml(&text).unwrap();
    assert_eq!(app.metadata.retired_at, Some(time("2026-12-01T00:00:00Z")));
    assert_eq!(state(&app, now(), 14).as_str(), "active", "not retired yet");
    assert!(renew(&app, now() + Duration::days(30), now(), 365).is_ok(), "renewable until retired");
    assert_eq!(state(&app, time("2026-12-01T00:00:00Z"), 14), LifecycleState::Retired);
    assert_eq!(
        renew(&app, time("2026-12-31T00:00:00Z"), time("2026-12-02T00:00:00Z"), 365).unwrap_err().code(),
        "lifecycle.retired"
    );
}
