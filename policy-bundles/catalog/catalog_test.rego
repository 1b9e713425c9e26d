package microgov.catalog_test

import rego.v1

import data.microgov.catalog

conn(change) := object.union(
	{
		"name": "crm", "index": 0, "type": "salesforce", "access": "read", "external": true,
		"scopes": [], "rate_limit": null, "suggestion": null,
	},
	change,
)

app(connectors, template) := {
	"app": {"spec": {"environment": "production"}},
	"findings": {"catalog": {"connectors": connectors, "template": template}, "risk": {"tier": "medium"}},
}

rules(vs) := {v.rule | some v in vs}

approved := {"name": "expense-approval", "version": "2.1.0"}

test_catalog_connectors_of_one_group_pass if {
	inp := app([conn({}), conn({"name": "db", "index": 1, "type": "postgres", "external": false})], approved)
	count(catalog.violation) == 0 with input as inp
	count(catalog.warn) == 0 with input as inp
}

test_the_twelve_generic_words_stay_valid if {
	words := ["database", "api", "saas", "storage", "queue", "webhook", "email", "chat", "spreadsheet", "llm", "cloud", "other"]
	cs := [conn({"name": w, "index": i, "type": w}) | some i, w in words]
	count(catalog.violation) == 0 with input as app(cs, approved)
}

test_unknown_type_is_a_violation_with_a_hint if {
	vs := catalog.violation with input as app([conn({"type": "salesforse", "suggestion": "salesforce"})], approved)
	vs == {{
		"rule": "unknown_connector_type",
		"message": "connector crm has type \"salesforse\", which the connector catalog does not list (did you mean \"salesforce\"?)",
		"path": "/spec/connectors/0/type",
		"connector": "crm",
	}}
}

test_blocked_connector_is_denied if {
	rules(catalog.violation) == {"blocked_connector"} with input as app([conn({"type": "ftp", "external": false})], approved)
}

test_business_and_non_business_may_not_mix if {
	vs := catalog.violation with input as app([conn({}), conn({"name": "box", "index": 1, "type": "dropbox"})], approved)
	[v.path | some v in vs] == ["/spec/connectors/1/type"]
	rules(vs) == {"connector_groups_mixed"}
}

test_non_business_alone_is_not_mixed if {
	count(catalog.violation) == 0 with input as app([conn({"type": "dropbox"})], approved)
}

test_blocked_does_not_count_as_a_group if {
	rules(catalog.violation) == {"blocked_connector"} with input as app([conn({"type": "dropbox"}), conn({"name": "f", "index": 1, "type": "ftp"})], approved)
}

test_scopes_beyond_the_catalog_are_violations if {
	vs := catalog.violation with input as app([conn({"scopes": ["api", "full"]})], approved)
	[v.path | some v in vs] == ["/spec/connectors/0/scopes/1"]
}

test_scopes_within_the_catalog_pass if {
	count(catalog.violation) == 0 with input as app([conn({"scopes": ["api", "refresh_token"]})], approved)
}

test_an_entry_without_scopes_leaves_them_open if {
	count(catalog.violation) == 0 with input as app([conn({"type": "rest", "scopes": ["anything"]})], approved)
}

test_internal_write_without_any_rate_limit if {
	inp := app([conn({"type": "other", "access": "write", "external": false})], approved)
	count(catalog.violation) == 0 with input as inp
	unlimited := {"other": {"class": "business", "external": null, "rate_limit_per_minute": null}}
	rules(catalog.violation) == {"rate_limit_missing"} with input as inp with data.microgov.catalog.connectors as unlimited
	count(catalog.violation) == 0 with input as app([conn({"type": "other", "access": "write", "external": false, "rate_limit": 10})], approved)
		with data.microgov.catalog.connectors as unlimited
}

test_rate_limit_inherited_from_the_catalog if {
	count(catalog.violation) == 0 with input as app([conn({"type": "postgres", "access": "write", "external": false})], approved)
}

test_rate_limit_above_the_catalog if {
	vs := catalog.violation with input as app([conn({"type": "postgres", "rate_limit": 601})], approved)
	[v.path | some v in vs] == ["/spec/connectors/0/rateLimit"]
	count(catalog.violation) == 0 with input as app([conn({"type": "postgres", "rate_limit": 600})], approved)
}

test_template_unknown_is_not_certified if {
	vs := catalog.violation with input as app([], {"name": "my-own", "version": "1.0.0"})
	rules(vs) == {"template_not_certified"}
	vs2 := catalog.violation with input as app([], {"name": "expense-approval", "version": "9.9.9"})
	[v.message | some v in vs2] == ["template expense-approval@9.9.9 is not in the template catalog (known versions: 1.0.0, 2.0.0, 2.1.0)"]
}

test_template_revoked_and_deprecated if {
	rules(catalog.violation) == {"template_revoked"} with input as app([], {"name": "expense-approval", "version": "1.0.0"})
	inp := app([], {"name": "expense-approval", "version": "2.0.0"})
	count(catalog.violation) == 0 with input as inp
	rules(catalog.warn) == {"template_deprecated"} with input as inp
}

test_template_required_only_when_the_catalog_says_so if {
	count(catalog.violation) == 0 with input as app([], null)
	rules(catalog.violation) == {"template_required"} with input as app([], null)
		with data.microgov.catalog.require_template as true
}

test_template_environment_and_tier if {
	inp := app([], {"name": "team-dashboard", "version": "1.0.0"})
	count(catalog.violation) == 0 with input as inp
	rules(catalog.violation) == {"template_tier"} with input as object.union(inp, {"findings": {"risk": {"tier": "high"}}})
	rules(catalog.violation) == {"template_environment"} with input as inp
		with data.microgov.catalog.templates["team-dashboard"].versions["1.0.0"].environments as ["sandbox"]
}
