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

violations(inp) := vs if {
	vs := pii.violation with input as inp
}

rules(inp) := {v.rule | some v in violations(inp)}

obligations(inp) := obs if {
	obs := pii.obligation with input as inp
}

test_well_governed_pii_app_has_no_violation_and_no_obligation if {
	inp := app([people, tickets], [connector({})])
	count(violations(inp)) == 0
	obligations(inp) == []
}

test_export_needs_approval_scoped_to_the_connector if {
	violations(app([people], [connector({"name": "db"}), connector({"exportsPii": true})])) == {{
		"rule": "pii_export_unapproved",
		"message": "connector crm exports personal data without a pii.export approval",
		"path": "/spec/connectors/1/exportsPii",
		"connector": "crm",
		"exception": "pii.export",
	}}
}

test_retention_missing_for_regulated_data if {
	violations(app([tickets, object.remove(people, ["retentionDays"])], [])) == {{
		"rule": "retention_missing",
		"message": "dataset people holds personal data but sets no retentionDays",
		"path": "/spec/datasets/1",
		"dataset": "people",
	}}
}

test_retention_is_not_required_without_regulated_data if {
	count(violations(app([tickets], []))) == 0
}

test_retention_too_long_names_the_limit if {
	violations(app([object.union(people, {"retentionDays": 731})], [])) == {{
		"rule": "retention_too_long",
		"message": "dataset people keeps personal data 731 days, more than 730",
		"path": "/spec/datasets/0/retentionDays",
		"dataset": "people",
	}}
}

test_retention_equal_to_the_maximum_is_fine if {
	count(violations(app([object.union(people, {"retentionDays": 730})], []))) == 0
}

test_retention_limit_is_read_from_data if {
	rules(app([people], [])) == {"retention_too_long"} with data.microgov.pii.max_retention_days as 29
}

test_long_retention_of_other_data_is_fine if {
	count(violations(app([object.union(tickets, {"retentionDays": 5000})], []))) == 0
}

finding(tagged) := {
	"path": "/spec/datasets/0/fields/1", "dataset": "people", "field": "phone",
	"kind": "phone", "source": "name", "categories": ["pii", "contact"], "tagged": tagged,
}

test_untagged_field_from_detector if {
	inp := object.union(app([people], []), {"findings": {"pii": [finding(false)]}})
	violations(inp) == {{
		"rule": "untagged_pii_field",
		"message": "field phone of dataset people looks like phone (name) but is not tagged pii, contact",
		"path": "/spec/datasets/0/fields/1",
		"dataset": "people",
	}}
}

test_tagged_field_is_fine if {
	count(violations(object.union(app([people], []), {"findings": {"pii": [finding(true)]}}))) == 0
}

test_missing_mfa_and_sso if {
	inp := object.union(app([people], []), {"app": {"spec": {"auth": {"sso": "none", "mfa": false}}}})
	rules(inp) == {"sso_required", "mfa_required"}
}

test_local_accounts_forbidden if {
	inp := object.union(app([people], []), {"app": {"spec": {"auth": {"localAccounts": true}}}})
	violations(inp) == {{
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
	count(violations(inp)) == 0
}

test_mask_lists_the_regulated_fields_sorted if {
	inp := app([people, tickets], [connector({"datasets": ["tickets", "people"], "needsRawValues": false})])
	obligations(inp) == [{"type": "mask", "connector": "crm", "fields": ["email", "phone"], "path": "/spec/connectors/0"}]
}

test_mask_keeps_a_dataset_listed_twice if {
	inp := app([people], [connector({"datasets": ["people", "people"], "needsRawValues": false})])
	[o.fields | some o in obligations(inp)] == [["email", "email", "phone", "phone"]]
}

test_connector_that_needs_raw_values_is_not_masked if {
	obligations(app([people], [connector({})])) == []
}

test_connector_without_regulated_fields_is_not_masked if {
	inp := app([people, tickets], [connector({"datasets": ["tickets"], "needsRawValues": false})])
	obligations(inp) == []
}

test_mask_obligations_follow_the_connectors if {
	inp := app([people], [
		connector({"name": "zendesk", "needsRawValues": false}),
		connector({"name": "billing"}),
		connector({"name": "analytics", "needsRawValues": false}),
	])
	[[o.connector, o.path] | some o in obligations(inp)] == [
		["zendesk", "/spec/connectors/0"],
		["analytics", "/spec/connectors/2"],
	]
}
