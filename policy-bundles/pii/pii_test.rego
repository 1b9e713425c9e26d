package microgov.pii_test

import rego.v1

import data.microgov.pii

app := {
	"spec": {
		"auth": {"sso": "oidc", "mfa": true, "localAccounts": false},
		"datasets": [{"name": "people", "retentionDays": 365}],
		"connectors": [{"name": "crm", "datasets": ["people"], "exportsPii": false, "needsRawValues": false}],
	},
}

findings := {"datasets": {"people": {"regulated": true, "regulated_fields": ["email", "phone"]}}, "pii": []}

rules(inp) := r if {
	r := {v.rule | some v in pii.violation} with input as inp
}

test_well_governed_pii_app_has_no_violation if {
	count(rules({"app": app, "findings": findings})) == 0
}

test_export_needs_approval if {
	a := object.union(app, {"spec": {"connectors": [{"name": "crm", "datasets": ["people"], "exportsPii": true, "needsRawValues": false}]}})
	rules({"app": a, "findings": findings}) == {"pii_export_unapproved"}
}

test_missing_mfa_and_sso if {
	a := object.union(app, {"spec": {"auth": {"sso": "none", "mfa": false}}})
	rules({"app": a, "findings": findings}) == {"sso_required", "mfa_required"}
}

test_retention_too_long if {
	a := object.union(app, {"spec": {"datasets": [{"name": "people", "retentionDays": 4000}]}})
	rules({"app": a, "findings": findings}) == {"retention_too_long"}
}

test_untagged_field_from_detector if {
	f := object.union(findings, {"pii": [{"path": "/spec/datasets/0/fields/1", "dataset": "people", "field": "phone", "kind": "phone", "source": "name", "categories": ["pii"], "tagged": false}]})
	rules({"app": app, "findings": f}) == {"untagged_pii_field"}
}

test_mask_obligation_lists_fields if {
	obs := pii.obligation with input as {"app": app, "findings": findings}
	obs == {{"type": "mask", "connector": "crm", "fields": ["email", "phone"]}}
}
