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

# A reference is in an approved store when it starts with one of
# data.microgov.secrets.approved_stores (prefixes such as vault://). Without
# that list in the data, every reference is approved; an empty list approves none.
approved_store(_) if not data.microgov.secrets.approved_stores

approved_store(reference) if {
	some prefix in data.microgov.secrets.approved_stores
	startswith(reference, prefix)
}

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
	not approved_store(reference)
	v := {
		"rule": "unapproved_secret_store",
		"message": sprintf("connector %s references its secret in an unapproved store: %s", [connector.name, reference]),
		"path": sprintf("/spec/connectors/%d/secretRef", [i]),
		"connector": connector.name,
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
	not approved_store(secret.ref)
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
	some i, connector in input.app.spec.connectors
	connector.rotationDays > data.microgov.secrets.max_rotation_days
	v := {
		"rule": "rotation_too_long",
		"message": sprintf(
			"connector %s rotates its credential every %d days, more than %d",
			[connector.name, connector.rotationDays, data.microgov.secrets.max_rotation_days],
		),
		"path": sprintf("/spec/connectors/%d/rotationDays", [i]),
		"connector": connector.name,
	}
}

# METADATA
# title: Rotation period too long
# description: A spec.secrets entry's rotationDays is more than data.microgov.secrets.max_rotation_days.
# custom:
#   severity: medium
#   remediation: Rotate the credential at least as often as data.microgov.secrets.max_rotation_days.
violation contains v if {
	some i, secret in input.app.spec.secrets
	secret.rotationDays > data.microgov.secrets.max_rotation_days
	v := {
		"rule": "rotation_too_long",
		"message": sprintf(
			"secret %s rotates its credential every %d days, more than %d",
			[secret.name, secret.rotationDays, data.microgov.secrets.max_rotation_days],
		),
		"path": sprintf("/spec/secrets/%d/rotationDays", [i]),
		"connector": null,
	}
}
