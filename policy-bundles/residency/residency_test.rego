package microgov.residency_test

import rego.v1

import data.microgov.residency

flow(region, jurisdiction, country) := {
	"dataset": "employees", "connector": "payroll", "connector_index": 0,
	"residency": "EU", "residency_kind": "jurisdiction",
	"region": region, "known_region": true, "jurisdiction": jurisdiction, "country": country,
	"sovereign_required": false, "sovereign_region": false,
}

rules(f) := r if {
	r := {v.rule | some v in residency.violation} with input as {"findings": {"flows": [f]}}
}

test_eu_data_in_eu_region_is_fine if {
	count(rules(flow("aws:eu-west-1", "EU", "IE"))) == 0
}

test_eu_data_in_london_is_a_transfer if {
	rules(flow("aws:eu-west-2", "UK", "GB")) == {"cross_border_transfer"}
}

test_eu_data_in_zurich_is_a_transfer if {
	rules(flow("aws:eu-central-2", "CH", "CH")) == {"cross_border_transfer"}
}

test_eu_data_in_us_is_a_transfer_waivable_by_exception if {
	vs := residency.violation with input as {"findings": {"flows": [flow("aws:us-east-1", "US", "US")]}}
	some v in vs
	v.exception == "residency.transfer"
	v.path == "/spec/connectors/0/region"
}

test_country_residency if {
	f := object.union(flow("azure:westeurope", "EU", "NL"), {"residency": "DE", "residency_kind": "country"})
	rules(f) == {"cross_border_transfer"}
}

test_sovereign_data_needs_sovereign_region if {
	f := object.union(flow("aws:eu-central-1", "EU", "DE"), {"sovereign_required": true})
	rules(f) == {"sovereign_region_required"}
}

test_unknown_region_is_flagged if {
	f := object.union(flow(null, null, null), {"known_region": false})
	rules(f) == {"region_undeclared"}
}
