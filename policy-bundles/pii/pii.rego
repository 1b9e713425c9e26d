# Personal data: exports need an approval, retention is bounded, untagged
# personal fields are declared, raw values are masked for connectors that do
# not need them, and apps holding personal data sign users in properly.
#
# The rules read the manifest (input.app, defaults filled in), the datasets'
# facts (input.findings.datasets: which hold regulated personal data, that is
# a category of data.microgov.governance.regulated_categories, and which of
# their fields do) and the personal-data detector's findings
# (input.findings.pii); limits come from data.microgov.pii
# (core/docs/input.md).
package microgov.pii

import rego.v1

# METADATA
# title: Personal data exported without approval
# description: >-
#   A connector exports personal data (exportsPii true); this needs a pii.export
#   approval for that connector. The violation names the datasets the connector
#   carries, so an exception scoped to one of them and the connector waives it.
# custom:
#   severity: high
#   exception: pii.export
#   remediation: Obtain a pii.export exception scoped to this connector, or stop exporting raw personal data.
violation contains v if {
	some i, connector in input.app.spec.connectors
	connector.exportsPii
	v := {
		"rule": "pii_export_unapproved",
		"message": sprintf("connector %s exports personal data without a pii.export approval", [connector.name]),
		"path": sprintf("/spec/connectors/%d/exportsPii", [i]),
		"connector": connector.name,
		"datasets": object.get(connector, "datasets", []),
		"exception": data.microgov.pii.export_exception,
	}
}

# METADATA
# title: Retention not set for personal data
# description: A dataset that holds regulated personal data sets no retentionDays.
# custom:
#   severity: medium
#   remediation: Set retentionDays on the dataset, within the maximum.
violation contains v if {
	some i, dataset in input.app.spec.datasets
	not dataset.retentionDays
	input.findings.datasets[dataset.name].regulated
	v := {
		"rule": "retention_missing",
		"message": sprintf("dataset %s holds personal data but sets no retentionDays", [dataset.name]),
		"path": sprintf("/spec/datasets/%d", [i]),
		"dataset": dataset.name,
	}
}

# METADATA
# title: Retention longer than allowed
# description: >-
#   A dataset that holds regulated personal data keeps it more days than
#   data.microgov.pii.max_retention_days (the maximum itself is allowed).
# custom:
#   severity: medium
#   remediation: Lower retentionDays to the maximum or below.
violation contains v if {
	max_days := data.microgov.pii.max_retention_days
	some i, dataset in input.app.spec.datasets
	dataset.retentionDays > max_days
	input.findings.datasets[dataset.name].regulated
	v := {
		"rule": "retention_too_long",
		"message": sprintf(
			"dataset %s keeps personal data %d days, more than %d",
			[dataset.name, dataset.retentionDays, max_days],
		),
		"path": sprintf("/spec/datasets/%d/retentionDays", [i]),
		"dataset": dataset.name,
	}
}

# METADATA
# title: Personal data not declared
# description: >-
#   A field looks like personal data (by name or sample values) but does not declare
#   the category: one violation per detector finding with tagged false.
# custom:
#   severity: high
#   remediation: Tag the field with its categories (for example categories [pii]) so the PII controls apply.
violation contains v if {
	some finding in input.findings.pii
	finding.tagged == false
	v := {
		"rule": "untagged_pii_field",
		"message": sprintf("field %s of dataset %s looks like %s (%s) but is not tagged %s", [
			finding.field, finding.dataset, finding.kind,
			finding.source, concat(", ", finding.categories),
		]),
		"path": finding.path,
		"dataset": finding.dataset,
	}
}

# METADATA
# title: Personal data without single sign-on
# description: An app that holds regulated personal data signs users in without SSO (data require_sso).
# custom:
#   severity: high
#   remediation: Sign users in through the identity provider (sso oidc or saml).
violation contains v if {
	input.findings.regulated
	data.microgov.pii.require_sso
	input.app.spec.auth.sso == "none"
	v := {
		"rule": "sso_required",
		"message": "app holds personal data but has no single sign-on",
		"path": "/spec/auth/sso",
	}
}

# METADATA
# title: Personal data without MFA
# description: An app that holds regulated personal data does not enforce MFA (data require_mfa).
# custom:
#   severity: high
#   remediation: Enforce multi-factor authentication (auth.mfa true).
violation contains v if {
	input.findings.regulated
	data.microgov.pii.require_mfa
	not input.app.spec.auth.mfa
	v := {
		"rule": "mfa_required",
		"message": "app holds personal data but does not enforce multi-factor authentication",
		"path": "/spec/auth/mfa",
	}
}

# METADATA
# title: Local accounts on an app with personal data
# description: An app that holds regulated personal data allows local accounts (data forbid_local_accounts).
# custom:
#   severity: medium
#   remediation: Remove local accounts; every user signs in through SSO.
violation contains v if {
	input.findings.regulated
	data.microgov.pii.forbid_local_accounts
	input.app.spec.auth.localAccounts
	v := {
		"rule": "local_accounts_forbidden",
		"message": "app holds personal data and allows local accounts",
		"path": "/spec/auth/localAccounts",
	}
}

# Each connector that does not need raw values (needsRawValues false) and
# receives regulated fields gets them masked: one obligation per such connector,
# in manifest order, {"type": "mask", "connector", "fields" (sorted), "path"}.
# A connector that receives no regulated field gets none.
obligation := [mask |
	some i, connector in input.app.spec.connectors
	not connector.needsRawValues

	# The regulated fields of each dataset it lists, in turn (a dataset listed
	# twice gives its fields twice), sorted.
	fields := sort([field |
		some name in connector.datasets
		some field in input.findings.datasets[name].regulated_fields
	])
	count(fields) > 0
	mask := {
		"type": "mask",
		"connector": connector.name,
		"fields": fields,
		"path": sprintf("/spec/connectors/%d", [i]),
	}
]
