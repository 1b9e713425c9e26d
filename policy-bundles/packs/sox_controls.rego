# Policy pack sox-controls: IT general controls the Sarbanes-Oxley Act asks of an app that
# keeps financial records (a dataset of category financial). The engine runs a pack's rules
# only for apps that name it (spec.policies: [sox-controls]), or hold a category
# data.microgov.packs_required maps to the pack (empty as shipped).
#
# What it requires, and the section each rule stands for:
# - financial records kept at least min_retention_days, seven years as shipped (SOX §802,
#   17 CFR 210.2-06);
# - an app that writes financial records signs users in through SSO with MFA and has no
#   local accounts (SOX §404: internal control over financial reporting, logical access);
# - an app that writes financial records separates duties: at least two roles (SOX §404).
package microgov.packs.sox_controls

import rego.v1

financial contains i if {
	some i, d in input.app.spec.datasets
	"financial" in d.categories
}

financial_names contains input.app.spec.datasets[i].name if some i in financial

kept_long_enough(d) if d.retentionDays >= data.microgov.packs.sox_controls.min_retention_days

writes_financial if {
	some c in input.app.spec.connectors
	c.access == "write"
	some name in c.datasets
	name in financial_names
}

# METADATA
# title: Financial records kept too briefly
# description: A dataset with financial records keeps them less than min_retention_days, or sets no retention (SOX §802).
# custom:
#   severity: high
#   remediation: Set retentionDays to at least the pack's minimum (seven years).
violation contains v if {
	some i in financial
	d := input.app.spec.datasets[i]
	not kept_long_enough(d)
	v := {
		"rule": "financial_retention",
		"message": sprintf(
			"dataset %s keeps financial records less than %d days (SOX 802)",
			[d.name, data.microgov.packs.sox_controls.min_retention_days],
		),
		"path": sprintf("/spec/datasets/%d", [i]),
	}
}

# METADATA
# title: Weak sign-in to financial records
# description: An app that writes financial records lacks SSO or MFA, or allows local accounts (SOX §404).
# custom:
#   severity: high
#   remediation: Use SSO with MFA and no local accounts.
violation contains v if {
	writes_financial
	not strong_sign_in
	v := {
		"rule": "financial_access_control",
		"message": "app writes financial records without SSO and MFA, or with local accounts (SOX 404)",
		"path": "/spec/auth",
	}
}

strong_sign_in if {
	input.app.spec.auth.sso != "none"
	input.app.spec.auth.mfa
	not input.app.spec.auth.localAccounts
}

# METADATA
# title: Duties not separated
# description: An app that writes financial records has fewer than two roles, so no one reviews who posts (SOX §404).
# custom:
#   severity: medium
#   remediation: Give preparing and reviewing to separate roles (auth.roles).
violation contains v if {
	writes_financial
	count({r | some r in input.app.spec.auth.roles}) < 2
	v := {
		"rule": "duties_not_separated",
		"message": "app writes financial records with fewer than two roles (SOX 404)",
		"path": "/spec/auth/roles",
	}
}
