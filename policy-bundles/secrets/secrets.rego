# Secrets: no credential may sit in a manifest; references must point at an
# approved secret store; rotation, when given, within the maximum.
#
# Inline secrets come from microgov's detector (input.findings.secrets); the
# references and rotation periods are the manifest's own (input.app.spec:
# each connector's secretRef and rotationDays, each spec.secrets entry's ref
# and rotationDays), judged here against data.microgov.secrets.
package microgov.secrets

import rego.v1

# A finding the platform team allowed explicitly (data: allowed_findings, {path, rule}).
allowed(f) if {
	some a in data.microgov.secrets.allowed_findings
	a.path == f.path
	a.rule == f.rule
}

# The prefixes of the approved secret stores (data: approved_stores, such as
# vault://); a reference is approved when it starts with one of them. Without
# approved_stores in the data, the empty prefix, so every reference is approved;
# an empty list approves none.
default store_prefixes := [""]

store_prefixes := data.microgov.secrets.approved_stores

# METADATA
# title: Inline secret
# description: A credential is written into the manifest instead of a reference to a secret store.
# custom:
#   severity: high
#   remediation: >-
#     Move the value into the secret store and reference it (vault://..., aws-sm://..., ${VAR});
#     rotate the exposed credential.
violation contains v if {
	some f in input.findings.secrets
	not allowed(f)
	v := {
		"rule": "inline_secret",
		"severity": "high",
		"message": sprintf("%s at %s (%s)", [f.description, f.path, f.preview]),
		"path": f.path,
	}
}

# METADATA
# title: Secret reference to an unapproved store
# description: A connector's secretRef starts with none of data.microgov.secrets.approved_stores.
# custom:
#   severity: high
#   remediation: >-
#     Keep the secret in an approved store (see data.microgov.secrets.approved_stores)
#     and reference it there.
violation contains v if {
	some i, connector in input.app.spec.connectors
	reference := connector.secretRef
	not strings.any_prefix_match(reference, store_prefixes)
	v := {
		"rule": "unapproved_secret_store",
		"message": sprintf("connector %s references its secret in an unapproved store: %s", [connector.name, reference]),
		"path": sprintf("/spec/connectors/%d/secretRef", [i]),
		"connector": connector.name,
		"datasets": object.get(connector, "datasets", []),
	}
}

# METADATA
# title: Secret reference to an unapproved store
# description: A spec.secrets entry's ref starts with none of data.microgov.secrets.approved_stores.
# custom:
#   severity: high
#   remediation: >-
#     Keep the secret in an approved store (see data.microgov.secrets.approved_stores)
#     and reference it there.
violation contains v if {
	some i, secret in input.app.spec.secrets
	not strings.any_prefix_match(secret.ref, store_prefixes)
	v := {
		"rule": "unapproved_secret_store",
		"message": sprintf("secret %s references its secret in an unapproved store: %s", [secret.name, secret.ref]),
		"path": sprintf("/spec/secrets/%d/ref", [i]),
		"connector": null,
	}
}

# METADATA
# title: Rotation period too long
# description: A connector's rotationDays is more than data.microgov.secrets.max_rotation_days.
# custom:
#   severity: medium
#   remediation: Rotate the credential at least as often as data.microgov.secrets.max_rotation_days.
violation contains v if {
	max_days := data.microgov.secrets.max_rotation_days
	some i, connector in input.app.spec.connectors
	connector.rotationDays > max_days
	v := {
		"rule": "rotation_too_long",
		"message": sprintf(
			"connector %s rotates its credential every %d days, more than %d",
			[connector.name, connector.rotationDays, max_days],
		),
		"path": sprintf("/spec/connectors/%d/rotationDays", [i]),
		"connector": connector.name,
		"datasets": object.get(connector, "datasets", []),
	}
}

# METADATA
# title: Rotation period too long
# description: A spec.secrets entry's rotationDays is more than data.microgov.secrets.max_rotation_days.
# custom:
#   severity: medium
#   remediation: Rotate the credential at least as often as data.microgov.secrets.max_rotation_days.
violation contains v if {
	max_days := data.microgov.secrets.max_rotation_days
	some i, secret in input.app.spec.secrets
	secret.rotationDays > max_days
	v := {
		"rule": "rotation_too_long",
		"message": sprintf(
			"secret %s rotates its credential every %d days, more than %d",
			[secret.name, secret.rotationDays, max_days],
		),
		"path": sprintf("/spec/secrets/%d/rotationDays", [i]),
		"connector": null,
	}
}
