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

unknown_region := {"region": "onprem:basement", "known_region": false, "country": null, "jurisdiction": null}

no_region := {"region": null, "known_region": false, "country": null, "jurisdiction": null}

germany := {"residency": "DE", "residency_kind": "country"}

no_residency := {"residency": null, "residency_kind": null}

violations(flows) := vs if {
	vs := residency.violation with input as {"findings": {"flows": flows}}
}

rules(flows) := {v.rule | some v in violations(flows)}

test_no_flows_no_violation if {
	count(violations([])) == 0
}

test_flow_inside_its_jurisdiction_is_fine if {
	count(violations([flow({})])) == 0
}

test_cross_border_transfer_names_the_flow_and_is_waivable if {
	violations([flow(us_east)]) == {{
		"rule": "cross_border_transfer",
		"message": "dataset employees (residency EU) flows through connector payroll to aws:us-east-1 in US (US)",
		"path": "/spec/connectors/2/region",
		"dataset": "employees",
		"connector": "payroll",
		"exception": "residency.transfer",
	}}
}

test_adequacy_entry_allows_its_jurisdictions if {
	rules([flow(london)]) == {"cross_border_transfer"}
	count(violations([flow(london)])) == 0 with data.microgov.residency.adequacy as {"EU": ["UK", "CH"]}
}

test_adequacy_of_another_residency_does_not_apply if {
	rules([flow(us_east)]) == {"cross_border_transfer"} with data.microgov.residency.adequacy as {"UK": ["US"]}
	rules([flow(us_east)]) == {"cross_border_transfer"} with data.microgov.residency.adequacy as {"EU": ["UK"]}
}

test_country_residency_stays_in_the_country if {
	count(violations([flow(object.union(germany, frankfurt))])) == 0
	some v in violations([flow(germany)])
	v.rule == "cross_border_transfer"
	v.message == "dataset employees (residency DE) flows through connector payroll to aws:eu-west-1 in IE (EU)"
}

test_country_residency_adequacy_lists_jurisdictions if {
	count(violations([flow(germany)])) == 0 with data.microgov.residency.adequacy as {"DE": ["EU"]}
}

test_data_without_residency_goes_anywhere if {
	count(violations([flow(object.union(no_residency, us_east))])) == 0
	count(violations([flow(object.union(no_residency, unknown_region))])) == 0
}

test_region_undeclared_for_residency_bound_data if {
	expected := {{
		"rule": "region_undeclared",
		"message": "connector payroll carries dataset employees (residency EU) but declares no region",
		"path": "/spec/connectors/2",
		"dataset": "employees",
		"connector": "payroll",
	}}
	violations([flow(no_region)]) == expected
	violations([flow(unknown_region)]) == expected
}

test_sovereign_data_needs_a_sovereign_region if {
	violations([flow({"sovereign_required": true})]) == {{
		"rule": "sovereign_region_required",
		"message": "dataset employees must stay in a sovereign cloud, but connector payroll runs in aws:eu-west-1",
		"path": "/spec/connectors/2/region",
		"dataset": "employees",
		"connector": "payroll",
	}}
}

test_sovereign_region_is_fine if {
	count(violations([flow({"sovereign_required": true, "region": "aws:eusc-de-east-1", "sovereign_region": true})])) == 0
}

test_sovereign_data_in_an_unknown_region_is_not_judged_sovereign if {
	rules([flow(object.union({"sovereign_required": true}, unknown_region))]) == {"region_undeclared"}
	count(violations([flow(object.union({"sovereign_required": true}, object.union(no_residency, no_region)))])) == 0
}

test_sovereign_and_cross_border_both_fire if {
	rules([flow(object.union({"sovereign_required": true}, us_east))]) == {
		"cross_border_transfer",
		"sovereign_region_required",
	}
}

test_each_flow_is_judged if {
	vs := violations([flow({}), flow(object.union(us_east, {"connector": "crm", "connector_index": 0}))])
	{[v.rule, v.connector, v.path] | some v in vs} == {["cross_border_transfer", "crm", "/spec/connectors/0/region"]}
}
