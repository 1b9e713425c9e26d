# Secrets: no credential may sit in a manifest; references must point at an
# approved secret store; rotation, when given, within the maximum.
package microgov.secrets

import rego.v1

# A finding the platform team allowed explicitly (data: allowed_findings, {path, rule}).
allowed(f) if {
	some a in data.microgov.secrets.allowed_findings
	a.path == f.path
	a.rule == f.rule
}

# METADATA
# title: Inline secret
# description: A credential is written into the manifest instead of a reference to a secret store.
# custom:
#   severity: high
#   remediation: Move the value into the secret store and reference it (vault://..., aws-sm://..., ${VAR}); rotate the exposed credential.
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

approved_ref(ref) if {
	some prefix in data.microgov.secrets.approved_stores
	startswith(ref, prefix)
}

# METADATA
# title: Secret reference to an unapproved store
# custom:
#   severity: high
#   remediation: Keep the secret in an approved store (see data.microgov.secrets.approved_stores) and reference it there.
violation contains v if {
	some i, c in input.app.spec.connectors
	ref := c.secretRef
	not approved_ref(ref)
	v := {
		"rule": "unapproved_secret_store",
		"message": sprintf("connector %s references its secret in an unapproved store: %s", [c.name, ref]),
		"path": sprintf("/spec/connectors/%d/secretRef", [i]),
		"connector": c.name,
	}
}

violation contains v if {
	some i, s in input.app.spec.secrets
	not approved_ref(s.ref)
	v := {
		"rule": "unapproved_secret_store",
		"message": sprintf("secret %s is kept in an unapproved store: %s", [s.name, s.ref]),
		"path": sprintf("/spec/secrets/%d/ref", [i]),
	}
}

# METADATA
# title: Rotation period too long
# custom:
#   severity: medium
#   remediation: Rotate the credential at least as often as data.microgov.secrets.max_rotation_days.
violation contains v if {
	some i, c in input.app.spec.connectors
	c.rotationDays > data.microgov.secrets.max_rotation_days
	v := {
		"rule": "rotation_too_long",
		"message": sprintf("connector %s rotates its credential every %d days, more than %d", [c.name, c.rotationDays, data.microgov.secrets.max_rotation_days]),
		"path": sprintf("/spec/connectors/%d/rotationDays", [i]),
		"connector": c.name,
	}
}

violation contains v if {
	some i, s in input.app.spec.secrets
	s.rotationDays > data.microgov.secrets.max_rotation_days
	v := {
		"rule": "rotation_too_long",
		"message": sprintf("secret %s rotates every %d days, more than %d", [s.name, s.rotationDays, data.microgov.secrets.max_rotation_days]),
		"path": sprintf("/spec/secrets/%d/rotationDays", [i]),
	}
}
