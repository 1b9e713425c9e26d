package microgov.operations_test

import rego.v1

import data.microgov.operations

doc(env, support) := {"app": {"spec": object.union({"environment": env}, support)}}

rules(d) := {[v.rule, v.path] | some v in operations.violation with input as d}

test_a_production_app_names_its_support if {
	rules(doc("production", {"support": {"contact": "#it-help", "sla": "business-hours"}})) == set()
}

test_a_production_app_without_support_misses_both if {
	rules(doc("production", {})) == {["support_contact_missing", "/spec"], ["sla_missing", "/spec"]}
}

test_an_unknown_service_level_is_missing if {
	rules(doc("production", {"support": {"contact": "ana@acme.example", "sla": "gold"}})) == {["sla_missing", "/spec/support"]}
}

test_staging_and_sandbox_need_none if {
	rules(doc("staging", {})) == set()
	rules(doc("sandbox", {})) == set()
}
