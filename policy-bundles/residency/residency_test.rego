package microgov.residency_test

import rego.v1

import data.microgov.residency

# A flow of the EU-resident dataset employees through connector 2 (payroll) to
# an EU region; each test changes what it is about.
flow(change) := object.union(
	{
		"dataset": "employees", "dataset_index": 0, "connector": "payroll", "connector_index": 2,
		"access": "read", "encryption": "platform",
		"residency": "EU", "residency_kind": "jurisdiction", "sovereign_required": false,
		"region": "aws:eu-west-1", "known_region": true, "country": "IE", "jurisdiction": "EU",
		"sovereign_region": false,
	},
	change,
)

us_east := {"region": "aws:us-east-1", "country": "US", "jurisdiction": "US"}

london := {"region": "aws:eu-west-2", "country": "GB", "jurisdiction": "UK"}

frankfurt := {"region": "aws:eu-central-1", "country": "DE", "jurisdiction": "EU"}

no_region := {"region": null, "known_region": false, "country": null, "jurisdiction": null}

# Manifest validation refuses regions outside the catalog; the rules treat one like no region.
unknown_region := {"region": "onprem:basement", "known_region": false, "country": null, "jurisdiction": null}

germany := {"residency": "DE", "residency_kind": "country"}

no_residency := {"residency": null, "residency_kind": null}

# The input of an app with the given flows.
app(flows) := {"findings": {"flows": flows}}

rules(violations) := {v.rule | some v in violations}

test_no_flows_no_violation if {
	count(residency.violation) == 0 with input as app([])
}

test_flow_inside_its_jurisdiction_is_fine if {
	count(residency.violation) == 0 with input as app([flow({})])
}

test_cross_border_transfer_names_the_flow_and_is_waivable if {
	vs := residency.violation with input as app([flow(us_east)])
	vs == {{
		"rule": "cross_border_transfer",
		"message": "dataset employees (residency EU) flows through connector payroll to aws:us-east-1 in US (US)",
		"path": "/spec/connectors/2/region",
		"dataset": "employees",
		"connector": "payroll",
		"exception": "residency.transfer",
	}}
}

test_adequacy_entry_allows_its_jurisdictions if {
	vs := residency.violation with input as app([flow(london)])
	rules(vs) == {"cross_border_transfer"}
	count(residency.violation) == 0 with input as app([flow(london)]) with residency.adequacy as {"EU": ["UK", "CH"]}
}

test_adequacy_of_another_residency_does_not_apply if {
	other := residency.violation with input as app([flow(us_east)]) with residency.adequacy as {"UK": ["US"]}
	rules(other) == {"cross_border_transfer"}
	not_us := residency.violation with input as app([flow(us_east)]) with residency.adequacy as {"EU": ["UK"]}
	rules(not_us) == {"cross_border_transfer"}
}

test_country_residency_stays_in_the_country if {
	count(residency.violation) == 0 with input as app([flow(object.union(germany, frankfurt))])
	vs := residency.violation with input as app([flow(germany)])
	some v in vs
	v.rule == "cross_border_transfer"
	v.message == "dataset employees (residency DE) flows through connector payroll to aws:eu-west-1 in IE (EU)"
}

test_country_residency_adequacy_lists_jurisdictions if {
	count(residency.violation) == 0 with input as app([flow(germany)]) with residency.adequacy as {"DE": ["EU"]}
}

test_data_without_residency_goes_anywhere if {
	count(residency.violation) == 0 with input as app([flow(object.union(no_residency, us_east))])
	count(residency.violation) == 0 with input as app([flow(object.union(no_residency, no_region))])
}

test_region_undeclared_for_residency_bound_data if {
	expected := {{
		"rule": "region_undeclared",
		"message": "connector payroll carries dataset employees (residency EU) but declares no region",
		"path": "/spec/connectors/2",
		"dataset": "employees",
		"connector": "payroll",
	}}
	vs := residency.violation with input as app([flow(no_region)])
	vs == expected
	unknown := residency.violation with input as app([flow(unknown_region)])
	unknown == expected
}

test_sovereign_data_needs_a_sovereign_region if {
	vs := residency.violation with input as app([flow({"sovereign_required": true})])
	vs == {{
		"rule": "sovereign_region_required",
		"message": "dataset employees must stay in a sovereign cloud, but connector payroll runs in aws:eu-west-1",
		"path": "/spec/connectors/2/region",
		"dataset": "employees",
		"connector": "payroll",
	}}
}

test_sovereign_region_is_fine if {
	sovereign := {"sovereign_required": true, "region": "aws:eusc-de-east-1", "sovereign_region": true}
	count(residency.violation) == 0 with input as app([flow(sovereign)])
}

test_sovereign_data_without_a_region_is_not_judged_sovereign if {
	vs := residency.violation with input as app([flow(object.union({"sovereign_required": true}, no_region))])
	rules(vs) == {"region_undeclared"}
	anywhere := object.union_n([{"sovereign_required": true}, no_residency, no_region])
	count(residency.violation) == 0 with input as app([flow(anywhere)])
}

test_sovereign_and_cross_border_both_fire if {
	vs := residency.violation with input as app([flow(object.union({"sovereign_required": true}, us_east))])
	rules(vs) == {"cross_border_transfer", "sovereign_region_required"}
}

test_each_flow_is_judged if {
	crm := flow(object.union(us_east, {"connector": "crm", "connector_index": 0}))
	vs := residency.violation with input as app([flow({}), crm])
	{[v.rule, v.connector, v.path] | some v in vs} == {["cross_border_transfer", "crm", "/spec/connectors/0/region"]}
}
