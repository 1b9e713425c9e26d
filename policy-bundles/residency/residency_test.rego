package microgov.residency_test

import rego.v1

import data.microgov.residency

# The native checks are tested in core/tests/engine_checks.rs; these tests
# pin what the policy makes of each (`check` names the list it is in).
check(kind) := {
	"check": kind, "path": "/spec/connectors/0/region",
	"dataset": "employees", "connector": "payroll", "residency": "EU",
	"region": "aws:us-east-1", "country": "US", "jurisdiction": "US",
}

violations(c) := vs if {
	vs := residency.violation with input as {"findings": {"checks": {c.check: [c]}}}
}

rules(c) := {v.rule | some v in violations(c)}

test_no_check_no_violation if {
	count(residency.violation) == 0 with input as {"findings": {"checks": {}}}
}

test_transfer_is_waivable_by_exception if {
	some v in violations(check("cross_border_transfer"))
	v.rule == "cross_border_transfer"
	v.exception == "residency.transfer"
	v.path == "/spec/connectors/0/region"
	v.dataset == "employees"
	v.connector == "payroll"
	contains(v.message, "aws:us-east-1 in US (US)")
}

test_sovereign_region_required if {
	rules(check("sovereign_region_required")) == {"sovereign_region_required"}
}

test_region_undeclared if {
	rules(object.union(check("region_undeclared"), {"region": null, "country": null, "jurisdiction": null})) == {"region_undeclared"}
}

test_other_policies_checks_are_ignored if {
	count(violations(check("mask"))) == 0
}
