# Governance: the approvals each risk tier requires, and the app's lifecycle.
package microgov.governance

import rego.v1

# The lifecycle facts (input.findings.lifecycle): expires_in_ns, nanoseconds from now
# to expiresAt (zero or less once expired); retired, retiredAt set and not after now.
facts := input.findings.lifecycle

# How many days before expiry an app counts as expiring (data; 14 without it, as the
# engine's lifecycle state).
default expiring_within_days := 14

expiring_within_days := data.microgov.governance.lifecycle.expiring_within_days

# Each tier requires approvals by roles (bundle data: required_approvals).
required_approval contains {"role": role, "reason": sprintf("tier %s", [tier])} if {
	tier := input.findings.risk.tier
	some role in data.microgov.governance.required_approvals[tier]
}

# METADATA
# title: App expired
# description: Micro apps are short-lived; an expired app must be renewed or retired.
# custom:
#   severity: high
#   remediation: Renew the app with a new expiresAt within the maximum lifetime, or retire it.
violation contains v if {
	not facts.retired
	facts.expires_in_ns <= 0
	v := {
		"rule": "app_expired",
		"message": sprintf("app %s expired on %s", [input.app.metadata.name, input.app.metadata.expiresAt]),
		"path": "/metadata/expiresAt",
	}
}

# METADATA
# title: App retired
# description: The app's retiredAt is at or before now.
# custom:
#   severity: high
#   remediation: A retired app may not run; register a new app if it is needed again.
violation contains v if {
	facts.retired
	v := {
		"rule": "app_retired",
		"message": sprintf("app %s was retired on %s", [input.app.metadata.name, input.app.metadata.retiredAt]),
		"path": "/metadata/retiredAt",
	}
}

# METADATA
# title: Lifetime longer than allowed
# description: >-
#   The app's lifetime, createdAt to expiresAt in whole days, is more than
#   data.microgov.governance.lifecycle.max_days.
# custom:
#   severity: medium
#   remediation: Set expiresAt at most the maximum lifetime after createdAt; renew when it nears.
violation contains v if {
	input.findings.lifecycle.lifetime_days > data.microgov.governance.lifecycle.max_days
	v := {
		"rule": "lifetime_too_long",
		"message": sprintf(
			"app lives %d days, more than the maximum of %d",
			[input.findings.lifecycle.lifetime_days, data.microgov.governance.lifecycle.max_days],
		),
		"path": "/metadata/expiresAt",
	}
}

# METADATA
# title: App expiring soon
# description: >-
#   The app expires within data.microgov.governance.lifecycle.expiring_within_days
#   days from now (and is not retired).
# custom:
#   severity: low
#   remediation: Renew the app before it expires.
warn contains v if {
	not facts.retired
	facts.expires_in_ns > 0
	facts.expires_in_ns <= ((expiring_within_days * 24) * 3600) * 1000000000
	v := {
		"rule": "app_expiring",
		"message": sprintf(
			"app expires in %d days, on %s",
			[input.findings.lifecycle.days_left, input.app.metadata.expiresAt],
		),
		"path": "/metadata/expiresAt",
	}
}
