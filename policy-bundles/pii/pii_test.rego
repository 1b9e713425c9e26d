package microgov.pii_test

import rego.v1

import data.microgov.pii

auth := {"sso": "oidc", "mfa": true, "localAccounts": false}

# people holds regulated personal data (email, phone), tickets does not.
people := {"name": "people", "retentionDays": 30, "categories": ["pii"]}

tickets := {"name": "tickets", "categories": []}

facts := {
	"people": {"index": 0, "regulated": true, "regulated_fields": ["phone", "email"]},
	"tickets": {"index": 1, "regulated": false, "regulated_fields": []},
}

connector(change) := object.union(
	{"name": "crm", "datasets": ["people"], "exportsPii": false, "needsRawValues": true},
	change,
)

# An app with the given datasets and connectors; everything else is well governed.
app(datasets, connectors) := {
	"app": {"spec": {"auth": auth, "datasets": datasets, "connectors": connectors}},
	"findings": {"regulated": true, "datasets": facts, "pii": []},
}

rules(violations) := {v.rule | some v in violations}

test_well_governed_pii_app_has_no_violation_and_no_obligation if {
	inp := app([people, tickets], [connector({})])
	count(pii.violation) == 0 with input as inp
	pii.obligation == [] with input as inp
}

test_export_needs_approval_scoped_to_the_connector if {
	vs := pii.violation with input as app([people], [connector({"name": "db"}), connector({"exportsPii": true})])
	vs == {{
		"rule": "pii_export_unapproved",
		"message": "connector crm exports personal data without a pii.export approval",
		"path": "/spec/connectors/1/exportsPii",
		"connector": "crm",
		"datasets": ["people"],
		"exception": "pii.export",
	}}
}

test_retention_missing_for_regulated_data if {
	vs := pii.violation with input as app([tickets, object.remove(people, ["retentionDays"])], [])
	vs == {{
		"rule": "retention_missing",
		"message": "dataset people holds personal data but sets no retentionDays",
		"path": "/spec/datasets/1",
		"dataset": "people",
	}}
}

test_retention_is_not_required_without_regulated_data if {
	count(pii.violation) == 0 with input as app([tickets], [])
}

test_retention_too_long_names_the_limit if {
	vs := pii.violation with input as app([object.union(people, {"retentionDays": 731})], [])
	vs == {{
		"rule": "retention_too_long",
		"message": "dataset people keeps personal data 731 days, more than 730",
		"path": "/spec/datasets/0/retentionDays",
		"dataset": "people",
	}}
}

test_retention_equal_to_the_maximum_is_fine if {
	count(pii.violation) == 0 with input as app([object.union(people, {"retentionDays": 730})], [])
}

test_retention_limit_is_read_from_data if {
	vs := pii.violation with input as app([people], []) with pii.max_retention_days as 29
	rules(vs) == {"retention_too_long"}
}

test_long_retention_of_other_data_is_fine if {
	count(pii.violation) == 0 with input as app([object.union(tickets, {"retentionDays": 5000})], [])
}

finding(tagged) := {
	"path": "/spec/datasets/0/fields/1", "dataset": "people", "field": "phone",
	"kind": "phone", "source": "name", "categories": ["pii", "contact"], "tagged": tagged,
}

test_untagged_field_from_detector if {
	inp := object.union(app([people], []), {"findings": {"pii": [finding(false)]}})
	vs := pii.violation with input as inp
	vs == {{
		"rule": "untagged_pii_field",
		"message": "field phone of dataset people looks like phone (name) but is not tagged pii, contact",
		"path": "/spec/datasets/0/fields/1",
		"dataset": "people",
	}}
}

test_tagged_field_is_fine if {
	count(pii.violation) == 0 with input as object.union(app([people], []), {"findings": {"pii": [finding(true)]}})
}

test_missing_mfa_and_sso if {
	inp := object.union(app([people], []), {"app": {"spec": {"auth": {"sso": "none", "mfa": false}}}})
	vs := pii.violation with input as inp
	rules(vs) == {"sso_required", "mfa_required"}
}

test_local_accounts_forbidden if {
	inp := object.union(app([people], []), {"app": {"spec": {"auth": {"localAccounts": true}}}})
	vs := pii.violation with input as inp
	vs == {{
		"rule": "local_accounts_forbidden",
		"message": "app holds personal data and allows local accounts",
		"path": "/spec/auth/localAccounts",
	}}
}

test_auth_rules_need_regulated_data if {
	inp := {
		"app": {"spec": {"auth": {"sso": "none", "mfa": false, "localAccounts": true}, "datasets": [], "connectors": []}},
		"findings": {"regulated": false, "datasets": {}, "pii": []},
	}
	count(pii.violation) == 0 with input as inp
}

test_mask_lists_the_regulated_fields_sorted if {
	inp := app([people, tickets], [connector({"datasets": ["tickets", "people"], "needsRawValues": false})])
	obligations := pii.obligation with input as inp
	obligations == [{"type": "mask", "connector": "crm", "fields": ["email", "phone"], "path": "/spec/connectors/0"}]
}

test_mask_keeps_a_dataset_listed_twice if {
	inp := app([people], [connector({"datasets": ["people", "people"], "needsRawValues": false})])
	obligations := pii.obligation with input as inp
	[o.fields | some o in obligations] == [["email", "email", "phone", "phone"]]
}

test_connector_that_needs_raw_values_is_not_masked if {
	pii.obligation == [] with input as app([people], [connector({})])
}

test_connector_without_regulated_fields_is_not_masked if {
	inp := app([people, tickets], [connector({"datasets": ["tickets"], "needsRawValues": false})])
	pii.obligation == [] with input as inp
}

test_mask_obligations_follow_the_connectors if {
	inp := app([people], [
		connector({"name": "zendesk", "needsRawValues": false}),
		connector({"name": "billing"}),
		connector({"name": "analytics", "needsRawValues": false}),
	])
	obligations := pii.obligation with input as inp
	[[o.connector, o.path] | some o in obligations] == [
		["zendesk", "/spec/connectors/0"],
		["analytics", "/spec/connectors/2"],
	]
}
