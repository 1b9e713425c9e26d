package microgov.secrets_test

import rego.v1

import data.microgov.secrets

rules(inp) := r if {
	r := {v.rule | some v in secrets.violation} with input as inp
}

clean := {"findings": {"secrets": [], "checks": {}}}

inline := {"findings": {"secrets": [{"rule": "github_pat", "path": "/spec/env/GH", "preview": "ghp_…", "description": "GitHub token"}], "checks": {}}}

test_nothing_found_is_fine if {
	count(rules(clean)) == 0
}

test_inline_secret_is_a_violation if {
	rules(inline) == {"inline_secret"}
}

test_allowed_finding_is_not_a_violation if {
	r := {v.rule | some v in secrets.violation} with input as inline with data.microgov.secrets.allowed_findings as [{"path": "/spec/env/GH", "rule": "github_pat"}]
	count(r) == 0
}

test_unapproved_store_names_the_connector if {
	inp := {"findings": {"secrets": [], "checks": {"unapproved_secret_store": [{"path": "/spec/connectors/0/secretRef", "connector": "db", "reference": "https://paste.example/x"}]}}}
	vs := secrets.violation with input as inp
	some v in vs
	v.rule == "unapproved_secret_store"
	v.connector == "db"
	v.message == "connector db references its secret in an unapproved store: https://paste.example/x"
}

test_rotation_over_maximum_for_a_secret if {
	inp := {"findings": {"secrets": [], "checks": {"rotation_too_long": [{"path": "/spec/secrets/0/rotationDays", "secret": "api", "days": 365}]}}}
	vs := secrets.violation with input as inp
	some v in vs
	v.rule == "rotation_too_long"
	v.message == "secret api rotates its credential every 365 days, more than 90"
}
