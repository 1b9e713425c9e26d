# Operations: who supports an app and how (the seed articles' "ownership and support SLA":
# every production micro app names a support contact and a service level). Parameters:
# data.microgov.operations.
#
# Facts: input.app.spec.environment and .support as declared.
package microgov.operations

import rego.v1

environment := input.app.spec.environment

default support := {}

support := input.app.spec.support

required if environment in data.microgov.operations.support_required_environments

declared(key) if {
	value := object.get(support, key, null)
	is_string(value)
	value != ""
}

default support_path := "/spec"

support_path := "/spec/support" if is_object(input.app.spec.support)

# METADATA
# title: Support contact missing
# description: A production app names no support contact (spec.support.contact).
# custom:
#   severity: medium
#   remediation: Name who supports the app (a person, a team alias or a channel) in spec.support.contact.
violation contains v if {
	required
	not declared("contact")
	v := {
		"rule": "support_contact_missing",
		"message": sprintf("a %s app names no support contact", [environment]),
		"path": support_path,
	}
}

# METADATA
# title: Service level missing or unknown
# description: >-
#   A production app declares no service level, or one that is not in
#   data.microgov.operations.sla_levels.
# custom:
#   severity: medium
#   remediation: Set spec.support.sla to one of the platform's service levels.
violation contains v if {
	required
	not object.get(support, "sla", null) in data.microgov.operations.sla_levels
	v := {
		"rule": "sla_missing",
		"message": sprintf(
			"a %s app declares no known service level (one of %s)",
			[environment, concat(", ", data.microgov.operations.sla_levels)],
		),
		"path": support_path,
	}
}
