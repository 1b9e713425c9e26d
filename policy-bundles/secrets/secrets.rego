# Secrets: no credential may sit in a manifest; references must point at an
# approved secret store; rotation, when given, within the maximum.
#
# Inline secrets come from microgov's detector (input.findings.secrets);
# store references and rotation periods are tested natively against
# data.microgov.secrets and listed in input.findings.checks
# (core/docs/input.md).
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

# METADATA
# title: Secret reference to an unapproved store
# custom:
#   severity: high
#   remediation: Keep the secret in an approved store (see data.microgov.secrets.approved_stores) and reference it there.
violation contains v if {
	some c in input.findings.checks.unapproved_secret_store
	v := {
		"rule": "unapproved_secret_store",
		"message": sprintf("%s references its secret in an unapproved store: %s", [owner(c), c.reference]),
		"path": c.path,
		"connector": object.get(c, "connector", null),
	}
}

# METADATA
# title: Rotation period too long
# custom:
#   severity: medium
#   remediation: Rotate the credential at least as often as data.microgov.secrets.max_rotation_days.
violation contains v if {
	some c in input.findings.checks.rotation_too_long
	v := {
		"rule": "rotation_too_long",
		"message": sprintf("%s rotates its credential every %d days, more than %d", [owner(c), c.days, data.microgov.secrets.max_rotation_days]),
		"path": c.path,
		"connector": object.get(c, "connector", null),
	}
}

owner(c) := sprintf("connector %s", [c.connector]) if c.connector

owner(c) := sprintf("secret %s", [c.secret]) if c.secret
