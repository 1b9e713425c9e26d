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
	"approvals": approvals,
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

# The name each package goes by in decisions.
policy_names[path] := object.get(entry_policies, [path, "policy"], path) if some path, _ in entry_result

# Every item every package gave, once: its package's path, the head, the item and what
# the engine would refuse in it (null when nothing). Packages go in the byte order of
# their path, as the engine lists them (required approvals keep this order).
gathered := [{"path": path, "head": head, "item": item, "problem": problem_of(head, item)} |
	some path in sort(object.keys(entry_result))
	some head, wrapped in entry_result[path]
	some value in wrapped
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

# A violation item is a string (the head is its rule) or an object with a message; a
# required approval is an object with a role; an obligation is anything. Anything else
# is a broken policy, which the engine refuses and this package turns into a denial
# (see unreadable). Written as one chain: regorus's VM evaluates every definition of a
# function on each call, an else chain only up to the first that holds.
problem_of(head, item) := null if {
	head == "obligation"
} else := requirement_problem(item) if {
	head == "required_approval"
} else := violation_problem(item)

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
	text_field(item, "role") == null
} else := null

# ---------------------------------------------------------------- reading fields

# A member the engine reads as text: a non-empty string, or a number (as text); null
# when the item has no such member (or is no object).
text_field(item, key) := value if {
	value := item[key]
	is_string(value)
	value != ""
} else := sprintf("%v", [item[key]]) if {
	is_number(item[key])
} else := null

# The first of two values that is not null; null when both are.
coalesce(value, fallback) := value if {
	value != null
} else := fallback

# ---------------------------------------------------------------- violations and warnings

rule_of(head, item) := coalesce(coalesce(text_field(item, "rule"), text_field(item, "id")), head)

message_of(item) := item if {
	is_string(item)
} else := coalesce(
	coalesce(text_field(item, "message"), text_field(item, "msg")),
	coalesce(text_field(item, "reason"), text_field(item, "title")),
)

# The # METADATA defaults of the rule that yields an item: the rule whose body names
# its rule id, else the first rule of its head, else none.
metadata_of(path, head, rule) := object.get(
	entry_policies, [path, "rules", rule],
	object.get(entry_policies, [path, "heads", head], {}),
)

default_severity(head) := "low" if {
	head == "warn"
} else := "medium"

# One violation as the engine builds it from a gathered item: the item's own fields
# first, then the rule's METADATA, then the defaults. Absent fields are null here and
# left out of the decision (see shown).
violation_of(gave) := {
	"policy": policy_names[gave.path],
	"rule": rule,
	"severity": lower(coalesce(own_or_metadata(gave.item, meta, "severity"), default_severity(gave.head))),
	"message": message_of(gave.item),
	"path": text_field(gave.item, "path"),
	"remediation": own_or_metadata(gave.item, meta, "remediation"),
	"exception": own_or_metadata(gave.item, meta, "exception"),
	"dataset": text_field(gave.item, "dataset"),
	"connector": text_field(gave.item, "connector"),
	"datasets": datasets_of(gave.item),
} if {
	rule := rule_of(gave.head, gave.item)
	meta := metadata_of(gave.path, gave.head, rule)
}

# Every dataset an item concerns, sorted, each once: its dataset and the non-empty
# strings of its datasets list (a connector-level violation lists the datasets the
# connector carries); null when none.
datasets_of(item) := null if {
	count(named_datasets(item)) == 0
} else := sort(named_datasets(item))

named_datasets(item) := listed_datasets(item) | {d | d := text_field(item, "dataset"); d != null}

listed_datasets(item) := {d | some d in item.datasets; is_string(d); d != ""} if {
	is_object(item)
	is_listing(item.datasets)
} else := set()

is_listing(value) if is_array(value)

is_listing(value) if is_set(value)

# A field of the item when it reads as text, else the rule's METADATA default, else null.
own_or_metadata(item, meta, key) := coalesce(text_field(item, key), object.get(meta, key, null))

# An item the engine cannot read makes it refuse the whole evaluation; here, where
# there is no error to raise, it becomes an open violation that says the same, so a
# broken policy denies rather than passes.
unreadable := [unreadable_violation(gave) | some gave in gathered; gave.problem != null]

unreadable_violation(gave) := {
	"policy": policy_names[gave.path],
	"rule": gave.head,
	"severity": "high",
	"message": sprintf("policy %s produced an unreadable %s: %s", [gave.path, gave.head, gave.problem]),
	"path": null,
	"remediation": null,
	"exception": null,
	"dataset": null,
	"connector": null,
	"datasets": null,
}

# The order the engine sorts violations in: policy, rule, severity, message, then the
# optional fields, an absent one first.
sort_key(v) := [
	v.policy, v.rule, v.severity, v.message, v.path,
	v.remediation, v.exception, v.dataset, v.connector, v.datasets,
]

# Sorted by sort_key, each violation once.
sorted_unique(vs) := [pair[1] | some pair in sort({[sort_key(v), v] | some v in vs})]

every_violation := sorted_unique(array.concat(
	[violation_of(gave) | some gave in gathered; gave.head in {"violation", "deny"}; gave.problem == null],
	unreadable,
))

violations := [shown(v) | some v in every_violation; waiver_of(valid_approvals, v) == null]

waived := [{"violation": shown(v), "approval_id": id} |
	some v in every_violation
	id := waiver_of(valid_approvals, v)
	id != null
]

warnings := [shown(v) | some v in sorted_unique(array.concat(
	[violation_of(gave) | some gave in gathered; gave.head == "warn"; gave.problem == null],
	approval_warnings,
))]

# Leaves out the fields that are absent (null).
shown(obj) := {key: value | some key, value in obj; value != null}

# ---------------------------------------------------------------- approvals

# How each approval is judged, in the order they were supplied: the engine's checks
# (status: dates, owner, roles held, scope, BYOK) first, then the facts it computed
# (core/docs/approvals.md): reviewed is "changed" when the approval's digest is not the
# app's material view (or the part its scope reaches) any more.
approval_status(approval) := approval.status if {
	approval.status != "valid"
} else := "stale" if {
	object.get(approval, "reviewed", null) == "changed"
} else := "valid"

approvals := [{"id": approval.id, "status": approval_status(approval)} | some approval in input.context.approvals]

# Only approvals judged valid count, in the order they were supplied.
valid_approvals := [approval | some approval in input.context.approvals; approval_status(approval) == "valid"]

# METADATA
# title: Approval without a digest
# description: >-
#   An approval in use carries no digest of what its approver reviewed: it counts, but no
#   later change to the app makes it stale.
# custom:
#   severity: low
#   remediation: Grant it again with microgov approve, which binds it to the app's material view.
approval_warnings := array.concat(
	[unbound_warning(approval.id) |
		some approval in valid_approvals
		object.get(approval, "reviewed", null) == "absent"
	],
	[expiring_warning(approval) |
		some approval in valid_approvals
		approval.expires_in_ns <= ((expiring_within_days * 24) * 3600) * 1000000000
	],
)

unbound_warning(id) := {
	"policy": "decision",
	"rule": "approval_without_digest",
	"severity": "low",
	"message": sprintf(
		"approval %s carries no digest of what was reviewed: it counts, but a change to the app will not make it stale",
		[id],
	),
	"path": null,
	"remediation": "Grant it again with microgov approve, which binds it to the app's material view.",
	"exception": null,
	"dataset": null,
	"connector": null,
	"datasets": null,
}

# How many days before expiry an approval in force counts as expiring (the app's
# lifecycle window: data.microgov.governance.lifecycle.expiring_within_days, 14 without it).
default expiring_within_days := 14

expiring_within_days := data.microgov.governance.lifecycle.expiring_within_days

# METADATA
# title: Approval expiring soon
# description: >-
#   An approval in force expires within the lifecycle's expiring window: once it does,
#   what it approves or waives needs a new grant.
# custom:
#   severity: low
#   remediation: Ask its approver to grant it again (microgov approve) before it expires.
expiring_warning(approval) := {
	"policy": "decision",
	"rule": "approval_expiring",
	"severity": "low",
	"message": sprintf("approval %s expires in %d days, on %s", [approval.id, approval.days_left, approval.expires_at]),
	"path": null,
	"remediation": "Ask its approver to grant it again (microgov approve) before it expires.",
	"exception": null,
	"dataset": null,
	"connector": null,
	"datasets": null,
}

# The first of the approvals that waives a violation; null when none does.
waiver_of(approvals, v) := ids[0] if {
	ids := [approval.id | some approval in approvals; waives(approval, v)]
	count(ids) > 0
} else := null

# An exception waives a violation of its kind when each item its scope names is among
# the violation's items: the dataset among the datasets it concerns, the connector its
# connector (any, when the scope names none). A narrower scope never waives less:
# Approval::waives.
waives(approval, v) if {
	v.exception != null
	scope := object.get(approval, "scope", null)
	is_object(scope)
	object.get(scope, "exception", null) == v.exception
	scope_covers_datasets(scope, v)
	scope_allows(scope, "connector", v.connector)
}

scope_covers_datasets(scope, _) if object.get(scope, "dataset", null) == null

scope_covers_datasets(scope, v) if scope.dataset in coalesce(v.datasets, [])

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
	coalesce(object.get(scope, "dataset", null), object.get(scope, "connector", null)) != null
	coalesce(requirement.dataset, requirement.connector) != null
}

# ---------------------------------------------------------------- required approvals

requirement_of(gave) := {
	"role": text_field(gave.item, "role"),
	"reason": coalesce(text_field(gave.item, "reason"), sprintf("required by %s", [policy_names[gave.path]])),
	"dataset": text_field(gave.item, "dataset"),
	"connector": text_field(gave.item, "connector"),
}

every_requirement := [requirement_of(gave) |
	some gave in gathered
	gave.head == "required_approval"
	gave.problem == null
]

# One requirement per role and target: the first reason given wins. A requirement stays
# missing until a valid approval grants it, and, for a role of the whole app, by someone
# other than the one person who gives an earlier such role (separation of duties).
required_approvals := [missing(i, requirement) |
	some i, requirement in every_requirement
	not earlier_target(every_requirement, i, requirement)
	not met(i, requirement)
]

met(i, requirement) if {
	satisfied(valid_approvals, requirement)
	count(shared_with(i, requirement)) == 0
}

missing(i, requirement) := shown(object.union(requirement, {"reason": sprintf(
	"%s; %s already approves as %s: another person must approve as %s",
	[requirement.reason, shared[0].person, shared[0].role, requirement.role],
)})) if {
	shared := shared_with(i, requirement)
	count(shared) > 0
} else := shown(requirement)

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

# Separation of duties: the roles the whole app needs are held by distinct people. When
# the only person whose valid approvals give this role is the only person who gives an
# earlier role of the whole app, it does not count again: [{person, role}] of each such
# earlier role (empty when none).
shared_with(i, requirement) := [{"person": person, "role": earlier.role} |
	app_wide(requirement)
	people := approvers_of(requirement)
	count(people) == 1
	some j, earlier in every_requirement
	j < i
	app_wide(earlier)
	earlier.role != requirement.role
	approvers_of(earlier) == people
	some person in people
]

app_wide(requirement) if {
	requirement.dataset == null
	requirement.connector == null
}

# Who (trimmed, lowercase) gives a requirement through a valid approval.
approvers_of(requirement) := {lower(trim_space(approval.approver)) |
	some approval in valid_approvals
	grants_role(approval, requirement)
}

# ---------------------------------------------------------------- obligations

# Every obligation once, an object with the policy that set it (unless it names one), in
# the order of their JSON text: one order however a policy collects them (a set in Rego,
# a list in the engine's native paths).
obligations := [pair[1] | some pair in sort({[json.marshal(obligation), obligation] |
	some gave in gathered
	gave.head == "obligation"
	obligation := with_policy(policy_names[gave.path], gave.item)
})]

with_policy(name, obligation) := object.union({"policy": name}, obligation) if {
	is_object(obligation)
} else := obligation
