# Residency: a dataset's data may flow only to regions inside its residency
# (a jurisdiction such as EU, or one country), or where an adequacy entry in
# data.microgov.residency.adequacy allows, unless a valid residency.transfer
# exception covers that dataset and connector.
#
# Every rule reads input.findings.flows: one entry per dataset -> connector
# flow, with the dataset's residency and sovereignty and the connector's region
# looked up in the region catalog (core/docs/input.md). Whether a flow breaks
# a rule is decided here.
package microgov.residency

import rego.v1

# The adequacy entries (data: adequacy, residency -> the jurisdictions its data
# may also flow to); none without adequacy in the data. A residency without an
# entry allows nothing more.
default adequacy_entries := {}

adequacy_entries := data.microgov.residency.adequacy

# METADATA
# title: Cross-border transfer
# description: >-
#   Data bound to a residency flows through a connector in a region outside it.
#   Fires once per flow whose dataset has a residency and whose connector's region
#   is in the catalog, when the region is not inside the residency (same jurisdiction;
#   same country for a country residency) and the residency's adequacy entry does
#   not list the region's jurisdiction.
# custom:
#   severity: high
#   exception: residency.transfer
#   remediation: >-
#     Move the connector to a region inside the dataset's residency,
#     or obtain a residency.transfer exception (with BYOK encryption where required).
violation contains v if {
	some flow in input.findings.flows

	# Outside the residency: the region's jurisdiction (for a jurisdiction residency
	# such as EU) or its country (for a country residency such as DE) is another one
	# (tested first: most flows stay inside)...
	not flow[flow.residency_kind] == flow.residency
	flow.residency != null
	flow.known_region

	# ...and the residency's adequacy entry does not list the region's jurisdiction.
	not flow.jurisdiction in object.get(adequacy_entries, flow.residency, [])
	v := {
		"rule": "cross_border_transfer",
		"message": sprintf("dataset %s (residency %s) flows through connector %s to %s in %s (%s)", [
			flow.dataset, flow.residency, flow.connector,
			flow.region, flow.country, flow.jurisdiction,
		]),
		"path": sprintf("/spec/connectors/%d/region", [flow.connector_index]),
		"dataset": flow.dataset,
		"connector": flow.connector,
		"exception": data.microgov.residency.transfer_exception,
	}
}

# METADATA
# title: Sovereign data outside a sovereign region
# description: >-
#   A dataset marked sovereign flows through a connector whose region is in the
#   catalog but is not a sovereign-cloud region. A region outside the catalog is
#   not judged here (region_undeclared covers residency-bound data).
# custom:
#   severity: high
#   remediation: Use a sovereign-cloud region (such as the AWS European Sovereign Cloud) for this connector.
violation contains v if {
	some flow in input.findings.flows
	flow.sovereign_required
	flow.known_region
	not flow.sovereign_region
	v := {
		"rule": "sovereign_region_required",
		"message": sprintf(
			"dataset %s must stay in a sovereign cloud, but connector %s runs in %s",
			[flow.dataset, flow.connector, flow.region],
		),
		"path": sprintf("/spec/connectors/%d/region", [flow.connector_index]),
		"dataset": flow.dataset,
		"connector": flow.connector,
	}
}

# METADATA
# title: Region unknown for residency-bound data
# description: >-
#   A dataset with a residency flows through a connector that declares no region,
#   or one the region catalog does not know, so residency cannot be checked.
# custom:
#   severity: medium
#   remediation: Declare the connector's region (provider:region) so residency can be checked.
violation contains v if {
	some flow in input.findings.flows
	not flow.known_region
	flow.residency != null
	v := {
		"rule": "region_undeclared",
		"message": sprintf(
			"connector %s carries dataset %s (residency %s) but declares no region",
			[flow.connector, flow.dataset, flow.residency],
		),
		"path": sprintf("/spec/connectors/%d", [flow.connector_index]),
		"dataset": flow.dataset,
		"connector": flow.connector,
	}
}
