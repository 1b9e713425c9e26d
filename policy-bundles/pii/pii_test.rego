package microgov.pii_test

import rego.v1

import data.microgov.pii

# The native checks are tested in core/tests/engine_checks.rs; these tests
# pin what the policy makes of each (`check` names the list it is in).
auth := {"sso": "oidc", "mfa": true, "localAccounts": false}

inp(checks, a) := {"app": {"spec": {"auth": a}}, "findings": {"regulated": true, "checks": {c.check: [c] | some c in checks}}}

rules(i) := r if {
	r := {v.rule | some v in pii.violation} with input as i
}

test_well_governed_pii_app_has_no_violation if {
	count(rules(inp([], auth))) == 0
}

test_export_needs_approval_scoped_to_the_connector if {
	vs := pii.violation with input as inp([{"check": "pii_export_unapproved", "path": "/spec/connectors/0/exportsPii", "connector": "crm"}], auth)
	some v in vs
	v.rule == "pii_export_unapproved"
	v.exception == "pii.export"
	v.connector == "crm"
	v.path == "/spec/connectors/0/exportsPii"
}

test_missing_mfa_and_sso if {
	rules(inp([], {"sso": "none", "mfa": false, "localAccounts": false})) == {"sso_required", "mfa_required"}
}

test_auth_rules_need_regulated_data if {
	i := {"app": {"spec": {"auth": {"sso": "none", "mfa": false, "localAccounts": true}}}, "findings": {"regulated": false, "checks": {}}}
	count(rules(i)) == 0
}

test_retention_too_long_names_the_limit if {
	vs := pii.violation with input as inp([{"check": "retention_too_long", "path": "/spec/datasets/0/retentionDays", "dataset": "people", "days": 4000}], auth)
	some v in vs
	v.rule == "retention_too_long"
	v.message == "dataset people keeps personal data 4000 days, more than 730"
}

test_retention_missing if {
	rules(inp([{"check": "retention_missing", "path": "/spec/datasets/0", "dataset": "people"}], auth)) == {"retention_missing"}
}

test_untagged_field_from_detector if {
	f := {"path": "/spec/datasets/0/fields/1", "dataset": "people", "field": "phone", "kind": "phone", "source": "name", "categories": ["pii"], "tagged": false}
	vs := pii.violation with input as inp([{"check": "untagged_pii_field", "path": f.path, "dataset": "people", "finding": f}], auth)
	some v in vs
	v.rule == "untagged_pii_field"
	v.message == "field phone of dataset people looks like phone (name) but is not tagged pii"
}

test_mask_obligations_are_the_mask_checks if {
	m := {"type": "mask", "path": "/spec/connectors/0", "connector": "crm", "fields": ["email", "phone"]}
	obs := pii.obligation with input as {"app": {"spec": {"auth": auth}}, "findings": {"regulated": true, "checks": {"mask": [m]}}}
	obs == [m]
}

test_no_mask_checks_no_obligation if {
	not pii.obligation with input as inp([], auth)
}
