# Personal data: exports need an approval, retention is bounded, untagged
# personal fields are declared, raw values are masked for connectors that do
# not need them, and apps holding personal data sign users in properly.
#
# microgov tests each connector, dataset and detector finding natively
# (limits from data.microgov.pii) and lists what breaks a rule in
# input.findings.checks (core/docs/input.md); this policy decides what
# each means.
package microgov.pii

import rego.v1

# METADATA
# title: Personal data exported without approval
# description: A connector exports personal data; this needs a pii.export approval for that connector.
# custom:
#   severity: high
#   exception: pii.export
#   remediation: Obtain a pii.export exception scoped to this connector, or stop exporting raw personal data.
violation contains v if {
	some c in input.findings.checks.pii_export_unapproved
	v := {
		"rule": "pii_export_unapproved",
		"message": sprintf("connector %s exports personal data without a pii.export approval", [c.connector]),
		"path": c.path,
		"connector": c.connector,
		"exception": data.microgov.pii.export_exception,
	}
}

# METADATA
# title: Retention not set for personal data
# custom:
#   severity: medium
#   remediation: Set retentionDays on the dataset, within the maximum.
violation contains v if {
	some c in input.findings.checks.retention_missing
	v := {
		"rule": "retention_missing",
		"message": sprintf("dataset %s holds personal data but sets no retentionDays", [c.dataset]),
		"path": c.path,
		"dataset": c.dataset,
	}
}

# METADATA
# title: Retention longer than allowed
# custom:
#   severity: medium
#   remediation: Lower retentionDays to the maximum or below.
violation contains v if {
	some c in input.findings.checks.retention_too_long
	v := {
		"rule": "retention_too_long",
		"message": sprintf("dataset %s keeps personal data %d days, more than %d", [c.dataset, c.days, data.microgov.pii.max_retention_days]),
		"path": c.path,
		"dataset": c.dataset,
	}
}

# METADATA
# title: Personal data not declared
# description: A field looks like personal data (by name or sample values) but does not declare the category.
# custom:
#   severity: high
#   remediation: Tag the field with its categories (for example categories [pii]) so the PII controls apply.
violation contains v if {
	some c in input.findings.checks.untagged_pii_field
	f := c.finding
	v := {
		"rule": "untagged_pii_field",
		"message": sprintf("field %s of dataset %s looks like %s (%s) but is not tagged %s", [f.field, f.dataset, f.kind, f.source, concat(", ", f.categories)]),
		"path": c.path,
		"dataset": c.dataset,
	}
}

# METADATA
# title: Personal data without single sign-on
# custom:
#   severity: high
#   remediation: Sign users in through the identity provider (sso oidc or saml).
violation contains v if {
	input.findings.regulated
	data.microgov.pii.require_sso
	input.app.spec.auth.sso == "none"
	v := {"rule": "sso_required", "message": "app holds personal data but has no single sign-on", "path": "/spec/auth/sso"}
}

# METADATA
# title: Personal data without MFA
# custom:
#   severity: high
#   remediation: Enforce multi-factor authentication (auth.mfa true).
violation contains v if {
	input.findings.regulated
	data.microgov.pii.require_mfa
	not input.app.spec.auth.mfa
	v := {"rule": "mfa_required", "message": "app holds personal data but does not enforce multi-factor authentication", "path": "/spec/auth/mfa"}
}

# METADATA
# title: Local accounts on an app with personal data
# custom:
#   severity: medium
#   remediation: Remove local accounts; every user signs in through SSO.
violation contains v if {
	input.findings.regulated
	data.microgov.pii.forbid_local_accounts
	input.app.spec.auth.localAccounts
	v := {"rule": "local_accounts_forbidden", "message": "app holds personal data and allows local accounts", "path": "/spec/auth/localAccounts"}
}

# Connectors that receive regulated fields but do not need raw values get them
# masked. Each checks.mask item is that obligation ({"type": "mask",
# "connector", "fields", "path"}), so the list is passed through whole: the
# per-item form (obligation contains {...} if some c in ...) costs about a
# microsecond per connector in the VM, a tenth of a decision.
obligation := input.findings.checks.mask
