package microgov.secrets_test

import rego.v1

import data.microgov.secrets

rules(inp) := r if {
	r := {v.rule | some v in secrets.violation} with input as inp
}

clean := {"app": {"spec": {"connectors": [{"name": "db", "secretRef": "vault://secret/db"}], "secrets": []}}, "findings": {"secrets": []}}

test_vault_reference_is_fine if {
	count(rules(clean)) == 0
}

test_inline_secret_is_a_violation if {
	inp := object.union(clean, {"findings": {"secrets": [{"rule": "github_pat", "path": "/spec/env/GH", "preview": "ghp_…", "description": "GitHub token"}]}})
	rules(inp) == {"inline_secret"}
}

test_allowed_finding_is_not_a_violation if {
	inp := object.union(clean, {"findings": {"secrets": [{"rule": "github_pat", "path": "/spec/env/GH", "preview": "ghp_…", "description": "GitHub token"}]}})
	r := {v.rule | some v in secrets.violation} with input as inp with data.microgov.secrets.allowed_findings as [{"path": "/spec/env/GH", "rule": "github_pat"}]
	count(r) == 0
}

test_plain_http_store_is_unapproved if {
	inp := {"app": {"spec": {"connectors": [{"name": "db", "secretRef": "https://paste.example/x"}]}}, "findings": {"secrets": []}}
	rules(inp) == {"unapproved_secret_store"}
}

test_rotation_over_maximum if {
	inp := {"app": {"spec": {"connectors": [{"name": "db", "secretRef": "vault://x", "rotationDays": 365}]}}, "findings": {"secrets": []}}
	rules(inp) == {"rotation_too_long"}
}
