package microgov.decision_test

import rego.v1

import data.microgov.decision

# What the engine's entry module would give for two packages: `gave` is the heads of
# team.x (each as [value]), microgov.residency gives one waivable violation.
entry(gave) := {
	"microgov.residency": {"violation": [{{
		"rule": "cross_border_transfer",
		"message": "dataset d flows to us",
		"path": "/spec/connectors/0/region",
		"dataset": "d",
		"connector": "c",
	}}]},
	"team.x": gave,
}

policies := {
	"microgov.residency": {
		"policy": "residency",
		"rules": {"cross_border_transfer": {"severity": "high", "exception": "residency.transfer"}},
		"heads": {"violation": {"severity": "high"}},
	},
	"team.x": {
		"policy": "team.x",
		"rules": {"named": {"severity": "Critical", "remediation": "fix it"}},
		"heads": {"deny": {"remediation": "from the head"}},
	},
}

approval(id, roles, scope) := {"id": id, "roles": roles, "scope": scope, "status": "valid", "valid": true}

transfer_exception := approval("exc-1", ["dpo"], {"exception": "residency.transfer", "dataset": "d"})

decide(gave, approvals) := r if {
	r := decision.result with data.microgov_entry.result as entry(gave)
		with data.microgov_entry.policies as policies
		with input as {"context": {"approvals": approvals}}
}

rules(vs) := {sprintf("%s.%s", [v.policy, v.rule]) | some v in vs}

test_an_open_violation_denies if {
	r := decide({}, [])
	r.outcome == "deny"
	r.violations == [{
		"policy": "residency",
		"rule": "cross_border_transfer",
		"severity": "high",
		"message": "dataset d flows to us",
		"path": "/spec/connectors/0/region",
		"exception": "residency.transfer",
		"dataset": "d",
		"connector": "c",
		"datasets": ["d"],
	}]
	r.waived == []
}

test_an_exception_for_the_dataset_waives_it if {
	r := decide({}, [transfer_exception])
	r.outcome == "allow"
	r.violations == []
	[w.approval_id | some w in r.waived] == ["exc-1"]
	r.waived[0].violation.rule == "cross_border_transfer"
}

test_an_exception_for_another_target_or_kind_or_not_valid_waives_nothing if {
	other_dataset := approval("a", ["dpo"], {"exception": "residency.transfer", "dataset": "other"})
	other_kind := approval("b", ["dpo"], {"exception": "pii.export"})
	expired := object.union(transfer_exception, {"status": "expired", "valid": false})
	r := decide({}, [other_dataset, other_kind, expired])
	r.outcome == "deny"
	r.waived == []
}

# A connector-level violation that lists the datasets the connector carries.
export_violation := {"team.x": {"violation": [{{
	"rule": "export",
	"message": "connector c exports",
	"connector": "c",
	"datasets": ["e", "d", "e", ""],
	"exception": "pii.export",
}}]}}

test_a_connector_violation_lists_its_datasets_once_sorted if {
	r := decide(export_violation["team.x"], [transfer_exception])
	some v in r.violations
	v.rule == "export"
	v.datasets == ["d", "e"]
}

test_a_scope_naming_a_carried_dataset_and_the_connector_waives_the_connector_violation if {
	narrow := approval("exc-9", ["dpo"], {"exception": "pii.export", "dataset": "e", "connector": "c"})
	r := decide(export_violation["team.x"], [transfer_exception, narrow])
	[[w.violation.rule, w.approval_id] | some w in r.waived] == [["cross_border_transfer", "exc-1"], ["export", "exc-9"]]
}

test_a_scope_naming_a_dataset_the_connector_does_not_carry_waives_nothing if {
	elsewhere := approval("exc-8", ["dpo"], {"exception": "pii.export", "dataset": "x", "connector": "c"})
	other_connector := approval("exc-7", ["dpo"], {"exception": "pii.export", "dataset": "d", "connector": "z"})
	r := decide(export_violation["team.x"], [transfer_exception, elsewhere, other_connector])
	[w.approval_id | some w in r.waived] == ["exc-1"]
}

test_the_first_valid_waiver_is_named if {
	whole := approval("exc-2", ["dpo"], {"exception": "residency.transfer"})
	r := decide({}, [whole, transfer_exception])
	r.waived[0].approval_id == "exc-2"
}

test_strings_are_violations_named_by_their_head if {
	r := decide({"deny": [{"plain words"}], "warn": [["careful"]]}, [transfer_exception])
	r.violations == [{
		"policy": "team.x", "rule": "deny", "severity": "medium",
		"message": "plain words", "remediation": "from the head",
	}]
	r.warnings == [{"policy": "team.x", "rule": "warn", "severity": "low", "message": "careful"}]
}

test_fields_fall_back_as_the_engine_reads_them if {
	gave := {"violation": [{
		{"id": "named", "msg": "by msg", "reason": "not this"},
		{"rule": "", "id": 7, "message": "", "title": "by title", "severity": "LOW", "dataset": ""},
	}]}
	vs := decide(gave, []).violations
	{"policy": "team.x", "rule": "named", "severity": "critical", "message": "by msg", "remediation": "fix it"} in vs
	{"policy": "team.x", "rule": "7", "severity": "low", "message": "by title"} in vs
}

test_violations_are_sorted_and_unique if {
	gave := {
		"violation": [[{"rule": "b", "message": "m"}, {"rule": "a", "message": "z"}, {"rule": "a", "message": "z"}]],
		"deny": [{"a": true}],
	}
	vs := decide(gave, [transfer_exception]).violations
	[[v.rule, v.message] | some v in vs] == [["a", "z"], ["b", "m"], ["deny", "a"]]
}

test_a_head_value_is_read_as_the_engine_reads_it if {
	# One object with a message is one item; an object of objects gives its values.
	one := decide({"violation": [{"message": "one"}]}, [transfer_exception]).violations
	[v.message | some v in one] == ["one"]
	many := decide({"violation": [{"k1": {"message": "m1"}, "k2": {"message": "m2"}}]}, [transfer_exception])
	[v.message | some v in many.violations] == ["m1", "m2"]
	decide({"violation": [null]}, [transfer_exception]).violations == []
}

test_an_unreadable_item_denies if {
	r := decide({"violation": [{{"rule": "no_message"}, 3}], "required_approval": [{{"reason": "who?"}}]}, [])
	r.outcome == "deny"
	rules(r.violations) == {"residency.cross_border_transfer", "team.x.violation", "team.x.required_approval"}
	some v in r.violations
	v.message == "policy team.x produced an unreadable required_approval: object without a role"
}

test_required_approvals_are_unique_per_target_and_the_first_reason_wins if {
	gave := {"required_approval": [[
		{"role": "security", "reason": "first"},
		{"role": "security", "reason": "second"},
		{"role": "security", "reason": "for crm", "connector": "crm"},
		{"role": "dpo"},
	]]}
	r := decide(gave, [transfer_exception])
	r.outcome == "review"
	r.required_approvals == [
		{"role": "security", "reason": "first"},
		{"role": "security", "reason": "for crm", "connector": "crm"},
		{"role": "dpo", "reason": "required by team.x"},
	]
}

test_an_approval_for_the_app_or_the_target_meets_a_requirement if {
	requirements := [{"role": "security", "reason": "r"}, {"role": "dpo", "reason": "r", "dataset": "d"}]
	gave := {"required_approval": [requirements]}
	app_wide := approval("a1", ["security"], null)
	for_dataset := approval("a2", ["dpo"], {"dataset": "d"})
	r := decide(gave, [transfer_exception, app_wide, for_dataset])
	r.required_approvals == []
	r.outcome == "allow"
}

test_an_exception_or_a_scope_elsewhere_meets_no_requirement if {
	requirements := [{"role": "dpo", "reason": "r"}, {"role": "security", "reason": "r", "dataset": "d"}]
	gave := {"required_approval": [requirements]}
	scoped := approval("a3", ["dpo"], {"dataset": "d"})
	elsewhere := approval("a4", ["security"], {"dataset": "other"})
	r := decide(gave, [transfer_exception, scoped, elsewhere])
	[q.role | some q in r.required_approvals] == ["dpo", "security"]
}

test_obligations_name_their_policy_once_each_in_text_order if {
	log := {"type": "log", "policy": "own"}
	gave := {"obligation": [[log, {"type": "mask", "fields": ["a"]}, "plain", log]]}
	obligations := decide(gave, []).obligations
	obligations == ["plain", {"type": "mask", "fields": ["a"], "policy": "team.x"}, log]
}

test_nothing_to_say_allows if {
	r := decision.result with data.microgov_entry.result as {"team.x": {"violation": [], "warn": []}}
		with data.microgov_entry.policies as {}
		with input as {"context": {"approvals": []}}
	r == {
		"outcome": "allow", "violations": [], "waived": [], "warnings": [],
		"required_approvals": [], "obligations": [], "approvals": [],
	}
}

# ---------------------------------------------------------------- what was reviewed

reviewed(a, fact) := object.union(a, {"reviewed": fact})

test_a_changed_material_view_makes_an_approval_stale_and_it_waives_nothing if {
	r := decide({}, [reviewed(transfer_exception, "changed")])
	r.approvals == [{"id": "exc-1", "status": "stale"}]
	r.waived == []
	r.outcome == "deny"
}

test_a_current_digest_counts_without_a_warning if {
	r := decide({}, [reviewed(transfer_exception, "current")])
	r.approvals == [{"id": "exc-1", "status": "valid"}]
	[w.approval_id | some w in r.waived] == ["exc-1"]
	r.warnings == []
}

test_an_approval_without_a_digest_counts_and_warns if {
	r := decide({}, [reviewed(transfer_exception, "absent")])
	[w.approval_id | some w in r.waived] == ["exc-1"]
	[[w.policy, w.rule, w.severity] | some w in r.warnings] == [["decision", "approval_without_digest", "low"]]
}

test_the_engine_checks_come_before_what_was_reviewed if {
	expired := object.union(transfer_exception, {"status": "expired", "valid": false, "reviewed": "changed"})
	r := decide({}, [expired, reviewed(approval("a", ["dpo"], null), "absent")])
	r.approvals == [{"id": "exc-1", "status": "expired"}, {"id": "a", "status": "valid"}]
	count(r.warnings) == 1
}

# ---------------------------------------------------------------- separation of duties

by(a, person) := object.union(a, {"approver": person})

test_one_person_gives_one_role_of_the_whole_app if {
	gave := {"required_approval": [[{"role": "security", "reason": "tier high"}, {"role": "dpo", "reason": "tier high"}]]}
	both := by(approval("a1", ["security", "dpo"], null), "Ana@acme.example")
	r := decide(gave, [transfer_exception, both])
	r.outcome == "review"
	r.required_approvals == [{
		"role": "dpo",
		"reason": "tier high; ana@acme.example already approves as security: another person must approve as dpo",
	}]

	# Two approvals by the same person (in another spelling) are still one person.
	again := by(approval("a2", ["dpo"], null), " ana@ACME.example")
	[q.role | some q in decide(gave, [both, again]).required_approvals] == ["dpo"]

	# A second person for either role meets both.
	other := by(approval("a3", ["dpo"], null), "bo@acme.example")
	decide(gave, [both, other]).required_approvals == []
}

test_separation_of_duties_leaves_roles_of_a_dataset_or_connector_alone if {
	gave := {"required_approval": [[{"role": "security", "reason": "r"}, {"role": "dpo", "reason": "r", "dataset": "d"}]]}
	app_wide := by(approval("a1", ["security"], null), "ana@acme.example")
	for_dataset := by(approval("a2", ["dpo"], {"dataset": "d"}), "ana@acme.example")
	decide(gave, [app_wide, for_dataset]).required_approvals == []
}

# ---------------------------------------------------------------- expiry notice

expiring(a, days) := object.union(a, {
	"expires_in_ns": (((days * 24) * 3600) * 1000000000) + 1,
	"days_left": days,
	"expires_at": "2026-12-03T10:00:00Z",
})

test_an_approval_in_force_expiring_within_the_window_warns if {
	r := decide({}, [expiring(reviewed(transfer_exception, "current"), 6)])
	r.warnings == [{
		"policy": "decision",
		"rule": "approval_expiring",
		"severity": "low",
		"message": "approval exc-1 expires in 6 days, on 2026-12-03T10:00:00Z",
		"remediation": "Ask its approver to grant it again (microgov approve) before it expires.",
	}]
	[w.approval_id | some w in r.waived] == ["exc-1"]
}

test_an_approval_expiring_after_the_window_or_not_in_force_does_not_warn if {
	decide({}, [expiring(reviewed(transfer_exception, "current"), 14)]).warnings == []
	stale := expiring(reviewed(transfer_exception, "changed"), 3)
	decide({}, [stale]).warnings == []

	# The window is data: a wider one warns earlier.
	r := decision.result with data.microgov_entry.result as entry({})
		with data.microgov_entry.policies as policies
		with data.microgov.governance.lifecycle.expiring_within_days as 30
		with input as {"context": {"approvals": [expiring(reviewed(transfer_exception, "current"), 14)]}}
	[w.rule | some w in r.warnings] == ["approval_expiring"]
}
