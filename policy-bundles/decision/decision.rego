# The decision: from what every policy package returned and the approvals in force,
# which violations stay open, which an exception waives, which approvals are still
# missing, and the outcome (deny, review or allow).
#
# The engine's generated entry module (`microgov input --entry FILE` writes it for
# OPA) gives, per package path:
# - data.microgov_entry.result[path][head]: [value] for each collected head
#   (violation, deny, warn, obligation, required_approval), [] when undefined;
# - data.microgov_entry.policies[path]: the name decisions use ("residency" for
#   microgov.residency), and the # METADATA defaults of its rules (custom.severity,
#   custom.remediation, custom.exception) by rule id ("rules") and by head
#   ("heads"). The engine reads them from the source, as regorus has no
#   rego.metadata.
# input.context.approvals holds every approval, judged by the engine (valid or why
# not: dates, owner, roles held, scope).
#
# While this file is the bundled one, the engine computes the same decision natively
# (core/src/engine/result.rs); a team that edits or replaces this package gets its
# own Rego evaluated instead. This package defines none of the collected heads, so
# it is never gathered as a policy itself.
package microgov.decision

import rego.v1

# METADATA
# title: The decision
# description: >-
#   The outcome, open and waived violations, warnings, missing approvals and obligations,
#   without what the engine adds around them (ids, time, risk, digest).
# entrypoint: true
result := {
	"outcome": outcome,
	"violations": violations,
	"waived": waived,
	"warnings": warnings,
	"required_approvals": required_approvals,
	"obligations": obligations,
}

default outcome := "allow"

# An open violation denies; otherwise a missing approval sends the app to review.
outcome := "deny" if {
	count(violations) > 0
} else := "review" if {
	count(required_approvals) > 0
}

# ---------------------------------------------------------------- what the policies gave

entry_result := data.microgov_entry.result

entry_policies := data.microgov_entry.policies

# Every package that returned something, in the byte order of its path as the engine
# lists them (required approvals keep this order): its path, the name decisions use,
# the heads it gave and its rules' METADATA defaults.
packages := [{
	"path": path,
	"policy": object.get(entry_policies, [path, "policy"], path),
	"gave": entry_result[path],
	"rules": object.get(entry_policies, [path, "rules"], {}),
	"heads": object.get(entry_policies, [path, "heads"], {}),
} |
	some path in sort(object.keys(entry_result))
]

# The items of one head of a package (the entry wraps its value as [value]).
head_items(pkg, head) := [item |
	some value in object.get(pkg.gave, head, [])
	some item in items(value)
]

# A head's value as items: a set or an array gives its elements; an object whose
# every value is true (a `p[x] if` set) its keys; an object that has a message, msg,
# rule, role or type is one item; another object gives its values; null nothing;
# any other value is one item. Sets and objects go in sorted order, as the engine
# iterates them.
items(value) := sort(value) if {
	is_set(value)
} else := value if {
	is_array(value)
} else := [key_text(key) | some key in sort(object.keys(value))] if {
	is_keyed_set(value)
} else := [value] if {
	is_single_item(value)
} else := [value[key] | some key in sort(object.keys(value))] if {
	is_object(value)
} else := [] if {
	is_null(value)
} else := [value]

is_keyed_set(value) if {
	is_object(value)
	count(value) > 0
	every member in value {
		member == true
	}
}

is_single_item(value) if {
	is_object(value)
	some key in ["message", "msg", "rule", "role", "type"]
	key in object.keys(value)
}

key_text(key) := key if {
	is_string(key)
} else := json.marshal(key)

# ---------------------------------------------------------------- reading fields

# A value the engine reads as text: a non-empty string, or a number.
is_text(value) if {
	is_string(value)
	value != ""
}

is_text(value) if is_number(value)

as_text(value) := value if {
	is_string(value)
} else := sprintf("%v", [value])

# The first of keys whose value reads as text, as text; null when none does.
first_text(item, keys) := texts[0] if {
	is_object(item)
	texts := [as_text(item[key]) | some key in keys; is_text(item[key])]
	count(texts) > 0
} else := null

# The first value that is not null; null when all are.
first_given(values) := given[0] if {
	given := [value | some value in values; value != null]
	count(given) > 0
} else := null

# ---------------------------------------------------------------- violations and warnings

# A violation item is a string (the head is its rule) or an object with a message; a
# required approval is an object with a role. Anything else is a broken policy, which
# the engine refuses and this package turns into a denial (see unreadable).
problem_of("required_approval", item) := requirement_problem(item)

problem_of(head, item) := violation_problem(item) if head != "required_approval"

violation_problem(item) := null if {
	is_string(item)
} else := sprintf("object without a message: %s", [json.marshal(item)]) if {
	is_object(item)
	message_of(item) == null
} else := null if {
	is_object(item)
} else := sprintf("expected a string or an object, found %s", [json.marshal(item)])

requirement_problem(item) := "expected an object with role and reason" if {
	not is_object(item)
} else := "object without a role" if {
	first_text(item, ["role"]) == null
} else := null

rule_of(head, item) := first_given([first_text(item, ["rule", "id"]), head])

message_of(item) := item if {
	is_string(item)
} else := first_text(item, ["message", "msg", "reason", "title"])

# The # METADATA defaults of the rule that yields an item: the rule whose body names
# its rule id, else the first rule of its head, else none.
metadata_of(pkg, head, rule) := pkg.rules[rule] if {
	rule in object.keys(pkg.rules)
} else := pkg.heads[head] if {
	head in object.keys(pkg.heads)
} else := {}

default_severity("warn") := "low"

default_severity(head) := "medium" if head != "warn"

# One violation as the engine builds it: the item's own fields first, then the
# rule's METADATA, then the defaults. Absent fields are null here and left out of the
# decision (see shown).
violation_of(pkg, head, item) := {
	"policy": pkg.policy,
	"rule": rule,
	"severity": lower(first_given([own_or_metadata(item, meta, "severity"), default_severity(head)])),
	"message": message_of(item),
	"path": first_text(item, ["path"]),
	"remediation": own_or_metadata(item, meta, "remediation"),
	"exception": own_or_metadata(item, meta, "exception"),
	"dataset": first_text(item, ["dataset"]),
	"connector": first_text(item, ["connector"]),
} if {
	rule := rule_of(head, item)
	meta := metadata_of(pkg, head, rule)
}

# A field of the item when it reads as text, else the rule's METADATA default, else null.
own_or_metadata(item, meta, key) := first_given([first_text(item, [key]), object.get(meta, key, null)])

# The readable items of some heads of the packages, as violations.
violations_of(pkgs, heads) := [violation_of(pkg, head, item) |
	some pkg in pkgs
	some head in heads
	some item in head_items(pkg, head)
	problem_of(head, item) == null
]

# An item the engine cannot read makes it refuse the whole evaluation; here, where
# there is no error to raise, it becomes an open violation that says the same, so a
# broken policy denies rather than passes.
unreadable := [unreadable_violation(pkg, head, problem) |
	some pkg in packages
	some head in ["violation", "deny", "warn", "required_approval"]
	some item in head_items(pkg, head)
	problem := problem_of(head, item)
	problem != null
]

unreadable_violation(pkg, head, problem) := {
	"policy": pkg.policy,
	"rule": head,
	"severity": "high",
	"message": sprintf("policy %s produced an unreadable %s: %s", [pkg.path, head, problem]),
	"path": null,
	"remediation": null,
	"exception": null,
	"dataset": null,
	"connector": null,
}

# The order the engine sorts violations in: policy, rule, severity, message, then the
# optional fields, an absent one first.
sort_key(v) := [v.policy, v.rule, v.severity, v.message, v.path, v.remediation, v.exception, v.dataset, v.connector]

# Sorted by sort_key, each violation once.
sorted_unique(vs) := [pair[1] | some pair in sort({[sort_key(v), v] | some v in vs})]

every_violation := sorted_unique(array.concat(violations_of(packages, ["violation", "deny"]), unreadable))

violations := [shown(v) | some v in every_violation; waiver_of(valid_approvals, v) == null]

waived := [{"violation": shown(v), "approval_id": id} |
	some v in every_violation
	id := waiver_of(valid_approvals, v)
	id != null
]

warnings := [shown(v) | some v in sorted_unique(violations_of(packages, ["warn"]))]

# Leaves out the fields that are absent (null).
shown(obj) := {key: value | some key, value in obj; value != null}

# ---------------------------------------------------------------- approvals

# Only approvals the engine judged valid count, in the order they were supplied.
valid_approvals := [approval | some approval in input.context.approvals; approval.valid == true]

# The first of the approvals that waives a violation; null when none does.
waiver_of(approvals, v) := ids[0] if {
	ids := [approval.id | some approval in approvals; waives(approval, v)]
	count(ids) > 0
} else := null

# An exception waives a violation of its kind, on the dataset and connector its scope
# names (any, when it names none): Approval::waives.
waives(approval, v) if {
	v.exception != null
	scope := object.get(approval, "scope", null)
	is_object(scope)
	object.get(scope, "exception", null) == v.exception
	scope_allows(scope, "dataset", v.dataset)
	scope_allows(scope, "connector", v.connector)
}

# A scope that does not name key covers every value of it.
scope_allows(scope, key, _) if object.get(scope, key, null) == null

scope_allows(scope, key, value) if scope[key] == value

# An approval gives a role for the whole app when it has no scope, or for the dataset
# or connector a requirement names when its scope names the same; an exception never
# does: Approval::grants_role.
grants_role(approval, requirement) if {
	requirement.role in approval.roles
	object.get(approval, "scope", null) == null
}

grants_role(approval, requirement) if {
	requirement.role in approval.roles
	scope := object.get(approval, "scope", null)
	is_object(scope)
	object.get(scope, "exception", null) == null
	scope_allows(scope, "dataset", requirement.dataset)
	scope_allows(scope, "connector", requirement.connector)
	first_given([object.get(scope, "dataset", null), object.get(scope, "connector", null)]) != null
	first_given([requirement.dataset, requirement.connector]) != null
}

# ---------------------------------------------------------------- required approvals

requirement_of(pkg, item) := {
	"role": first_text(item, ["role"]),
	"reason": first_given([first_text(item, ["reason"]), sprintf("required by %s", [pkg.policy])]),
	"dataset": first_text(item, ["dataset"]),
	"connector": first_text(item, ["connector"]),
}

every_requirement := [requirement_of(pkg, item) |
	some pkg in packages
	some item in head_items(pkg, "required_approval")
	requirement_problem(item) == null
]

# One requirement per role and target: the first reason given wins.
required_approvals := [shown(requirement) |
	some i, requirement in every_requirement
	not earlier_target(every_requirement, i, requirement)
	not satisfied(valid_approvals, requirement)
]

earlier_target(requirements, i, requirement) if {
	some j, earlier in requirements
	j < i
	target(earlier) == target(requirement)
}

target(requirement) := [requirement.role, requirement.dataset, requirement.connector]

satisfied(approvals, requirement) if {
	some approval in approvals
	grants_role(approval, requirement)
}

# ---------------------------------------------------------------- obligations

# Every obligation once, an object with the policy that set it (unless it names one), in
# the order of their JSON text: one order however a policy collects them (a set in Rego,
# a list in the engine's native paths).
obligations := [pair[1] | some pair in sort({[json.marshal(obligation), obligation] |
	some pkg in packages
	some given in head_items(pkg, "obligation")
	obligation := with_policy(pkg, given)
})]

with_policy(pkg, obligation) := object.union({"policy": pkg.policy}, obligation) if {
	is_object(obligation)
} else := obligation
