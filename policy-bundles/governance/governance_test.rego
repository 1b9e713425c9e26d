package microgov.governance_test

import rego.v1

import data.microgov.governance

base := {
	"app": {"metadata": {"name": "a", "expiresAt": "2027-01-01T00:00:00Z", "retiredAt": "2026-01-01T00:00:00Z"}},
	"findings": {"risk": {"tier": "low"}, "lifecycle": {
		"expires_in_ns": 40 * 86400000000000,
		"retired": false,
		"days_left": 40,
		"lifetime_days": 90,
	}},
}

test_low_tier_requires_nothing if {
	count(governance.required_approval) == 0 with input as base
}

test_high_tier_requires_security_and_data_governance if {
	inp := object.union(base, {"findings": {"risk": {"tier": "high"}}})
	roles := {r.role | some r in governance.required_approval} with input as inp
	roles == {"security", "data-governance"}
}

test_expired_app_is_a_violation if {
	inp := object.union(base, {"findings": {"lifecycle": {"expires_in_ns": 0}}})
	rules := {v.rule | some v in governance.violation} with input as inp
	rules == {"app_expired"}
}

test_retired_app_is_retired_not_expired if {
	inp := object.union(base, {"findings": {"lifecycle": {"expires_in_ns": -5, "retired": true}}})
	rules := {v.rule | some v in governance.violation} with input as inp
	rules == {"app_retired"}
}

test_active_app_has_no_violation if {
	count(governance.violation) == 0 with input as base
}

test_lifetime_over_maximum if {
	inp := object.union(base, {"findings": {"lifecycle": {"lifetime_days": 400}}})
	rules := {v.rule | some v in governance.violation} with input as inp
	"lifetime_too_long" in rules
}

test_expiring_app_warns if {
	inp := object.union(base, {"findings": {"lifecycle": {"expires_in_ns": 14 * 86400000000000}}})
	count(governance.warn) == 1 with input as inp
}

test_an_app_just_outside_the_window_does_not_warn if {
	inp := object.union(base, {"findings": {"lifecycle": {"expires_in_ns": (14 * 86400000000000) + 1}}})
	count(governance.warn) == 0 with input as inp
}
