# Residency: a dataset's data may flow only to regions inside its residency
# (a jurisdiction such as EU, or one country, or where an adequacy entry in
# data.microgov.residency.adequacy allows), unless a valid
# residency.transfer exception covers that dataset and connector.
#
# microgov resolves every dataset -> connector flow natively (region,
# country, jurisdiction, adequacy) and lists the flows that break a rule in
# input.findings.checks (core/docs/input.md); this policy decides
# what each means.
package microgov.residency

import rego.v1

# METADATA
# title: Cross-border transfer
# description: Data bound to a residency flows through a connector in a region outside it.
# custom:
#   severity: high
#   exception: residency.transfer
#   remediation: Move the connector to a region inside the dataset's residency, or obtain a residency.transfer exception (with BYOK encryption where required).
violation contains v if {
	some c in input.findings.checks.cross_border_transfer
	v := {
		"rule": "cross_border_transfer",
		"message": sprintf("dataset %s (residency %s) flows through connector %s to %s in %s (%s)", [c.dataset, c.residency, c.connector, c.region, c.country, c.jurisdiction]),
		"path": c.path,
		"dataset": c.dataset,
		"connector": c.connector,
		"exception": data.microgov.residency.transfer_exception,
	}
}

# METADATA
# title: Sovereign data outside a sovereign region
# custom:
#   severity: high
#   remediation: Use a sovereign-cloud region (such as the AWS European Sovereign Cloud) for this connector.
violation contains v if {
	some c in input.findings.checks.sovereign_region_required
	v := {
		"rule": "sovereign_region_required",
		"message": sprintf("dataset %s must stay in a sovereign cloud, but connector %s runs in %s", [c.dataset, c.connector, c.region]),
		"path": c.path,
		"dataset": c.dataset,
		"connector": c.connector,
	}
}

# METADATA
# title: Region unknown for residency-bound data
# custom:
#   severity: medium
#   remediation: Declare the connector's region (provider:region) so residency can be checked.
violation contains v if {
	some c in input.findings.checks.region_undeclared
	v := {
		"rule": "region_undeclared",
		"message": sprintf("connector %s carries dataset %s (residency %s) but declares no region", [c.connector, c.dataset, c.residency]),
		"path": c.path,
		"dataset": c.dataset,
		"connector": c.connector,
	}
}
