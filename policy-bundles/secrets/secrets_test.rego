package microgov.secrets_test

import rego.v1

import data.microgov.secrets

# An app with the given connectors and spec.secrets entries, no inline secret.
app(connectors, refs) := {"app": {"spec": {"connectors": connectors, "secrets": refs}}, "findings": {"secrets": []}}

rules(violations) := {v.rule | some v in violations}

clean := app(
	[{"name": "db", "secretRef": "vault://kv/db", "rotationDays": 90}],
	[{"name": "api", "ref": "aws-sm://api"}],
)

inline := object.union(clean, {"findings": {"secrets": [{
	"rule": "github_pat", "path": "/spec/env/GH",
	"preview": "ghp_", "description": "GitHub token",
}]}})

test_nothing_found_is_fine if {
	count(secrets.violation) == 0 with input as clean
}

test_inline_secret_is_a_violation if {
	vs := secrets.violation with input as inline
	vs == {{
		"rule": "inline_secret",
		"severity": "high",
		"message": "GitHub token at /spec/env/GH (ghp_)",
		"path": "/spec/env/GH",
	}}
}

test_allowed_finding_is_not_a_violation if {
	allowed := [{"path": "/spec/env/GH", "rule": "github_pat"}]
	count(secrets.violation) == 0 with input as inline with secrets.allowed_findings as allowed
}

test_unapproved_store_names_the_connector if {
	inp := app([{"name": "cache"}, {"name": "db", "secretRef": "https://paste.example/x"}], [])
	vs := secrets.violation with input as inp
	vs == {{
		"rule": "unapproved_secret_store",
		"message": "connector db references its secret in an unapproved store: https://paste.example/x",
		"path": "/spec/connectors/1/secretRef",
		"connector": "db",
		"datasets": [],
	}}
}

test_unapproved_store_of_a_secret_has_no_connector if {
	vs := secrets.violation with input as app([], [{"name": "api", "ref": "plain://api"}])
	vs == {{
		"rule": "unapproved_secret_store",
		"message": "secret api references its secret in an unapproved store: plain://api",
		"path": "/spec/secrets/0/ref",
		"connector": null,
	}}
}

test_approved_store_is_a_prefix if {
	arn := "arn:aws:secretsmanager:eu-west-1:1:secret:db"
	count(secrets.violation) == 0 with input as app([{"name": "db", "secretRef": arn}], [])
	vs := secrets.violation with input as app([{"name": "db", "secretRef": "xvault://kv/db"}], [])
	rules(vs) == {"unapproved_secret_store"}
}

test_approved_stores_are_read_from_data if {
	vault_only := secrets.violation with input as clean with secrets.approved_stores as ["vault://"]
	{[v.rule, v.path] | some v in vault_only} == {["unapproved_secret_store", "/spec/secrets/0/ref"]}
	none := secrets.violation with input as clean with secrets.approved_stores as []
	{v.path | some v in none} == {"/spec/connectors/0/secretRef", "/spec/secrets/0/ref"}
}

# Without approved_stores in the data the prefixes default to the empty one
# (`with` cannot take a key out of the data, so the test sets that default).
test_the_empty_prefix_approves_every_store if {
	inp := app([{"name": "db", "secretRef": "https://paste.example/x"}], [{"name": "api", "ref": "plain://api"}])
	count(secrets.violation) == 0 with input as inp with secrets.approved_stores as [""]
}

test_rotation_over_maximum_for_a_secret if {
	vs := secrets.violation with input as app([], [{"name": "api", "ref": "vault://api", "rotationDays": 365}])
	vs == {{
		"rule": "rotation_too_long",
		"message": "secret api rotates its credential every 365 days, more than 90",
		"path": "/spec/secrets/0/rotationDays",
		"connector": null,
	}}
}

test_rotation_over_maximum_for_a_connector if {
	vs := secrets.violation with input as app([{"name": "db", "secretRef": "vault://kv/db", "rotationDays": 91}], [])
	vs == {{
		"rule": "rotation_too_long",
		"message": "connector db rotates its credential every 91 days, more than 90",
		"path": "/spec/connectors/0/rotationDays",
		"connector": "db",
		"datasets": [],
	}}
}

test_rotation_equal_to_the_maximum_is_fine if {
	inp := app([{"name": "db", "rotationDays": 90}], [{"name": "api", "ref": "vault://a", "rotationDays": 90}])
	count(secrets.violation) == 0 with input as inp
}

test_rotation_limit_is_read_from_data if {
	vs := secrets.violation with input as clean with secrets.max_rotation_days as 30
	{[v.rule, v.path] | some v in vs} == {["rotation_too_long", "/spec/connectors/0/rotationDays"]}
}
