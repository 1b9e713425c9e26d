# Residency: a dataset's data may flow only to regions inside its residency
# (a jurisdiction such as EU, or one country), unless a valid
# residency.transfer exception covers that dataset and connector.
package microgov.residency

import rego.v1

# A flow stays inside its residency, or goes where an adequacy entry allows.
within(flow) if {
	flow.residency_kind == "jurisdiction"
	flow.jurisdiction == flow.residency
}

within(flow) if {
	flow.residency_kind == "country"
	flow.country == flow.residency
}

within(flow) if {
	some allowed in object.get(data.microgov.residency.adequacy, flow.residency, [])
	allowed == flow.jurisdiction
}

# METADATA
# title: Cross-border transfer
# description: Data bound to a residency flows through a connector in a region outside it.
# custom:
#   severity: high
#   exception: residency.transfer
#   remediation: Move the connector to a region inside the dataset's residency, or obtain a residency.transfer exception (with BYOK encryption where required).
violation contains v if {
	some flow in input.findings.flows
	flow.residency != null
	flow.known_region
	not within(flow)
	v := {
		"rule": "cross_border_transfer",
		"message": sprintf("dataset %s (residency %s) flows through connector %s to %s in %s (%s)", [flow.dataset, flow.residency, flow.connector, flow.region, flow.country, flow.jurisdiction]),
		"path": sprintf("/spec/connectors/%d/region", [flow.connector_index]),
		"dataset": flow.dataset,
		"connector": flow.connector,
		"exception": data.microgov.residency.transfer_exception,
	}
}

# METADATA
# title: Sovereign data outside a sovereign region
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
		"message": sprintf("dataset %s must stay in a sovereign cloud, but connector %s runs in %s", [flow.dataset, flow.connector, flow.region]),
		"path": sprintf("/spec/connectors/%d/region", [flow.connector_index]),
		"dataset": flow.dataset,
		"connector": flow.connector,
	}
}

# METADATA
# title: Region unknown for residency-bound data
# custom:
#   severity: medium
#   remediation: Declare the connector's region (provider:region) so residency can be checked.
violation contains v if {
	some flow in input.findings.flows
	flow.residency != null
	not flow.known_region
	v := {
		"rule": "region_undeclared",
		"message": sprintf("connector %s carries dataset %s (residency %s) but declares no region", [flow.connector, flow.dataset, flow.residency]),
		"path": sprintf("/spec/connectors/%d", [flow.connector_index]),
		"dataset": flow.dataset,
		"connector": flow.connector,
	}
}
