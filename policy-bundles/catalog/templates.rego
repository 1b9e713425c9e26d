# The template catalog: the platform's approved app templates, each version with a status
# (approved, deprecated, revoked), the environments it may run in and the highest risk
# tier it may serve (data.microgov.catalog.templates). A template the catalog does not
# list is a custom template: blocked until certified (the seed articles' "templates only").
#
# Facts: input.findings.catalog.template, the app's spec.template split at its last "@"
# ({"name", "version"}), null without a template; input.findings.risk.tier.
package microgov.catalog

import rego.v1

template := input.findings.catalog.template

published := data.microgov.catalog.templates

version := published[template.name].versions[template.version]

tier_rank := {"low": 0, "medium": 1, "high": 2}

# Each rule over the version checks is_object(version) first: regorus's compiled VM would
# otherwise let a comparison with an undefined value through (core/tests/regorus_undefined.rs).

# METADATA
# title: Template not in the catalog
# description: >-
#   The app's template (or that version of it) is not in data.microgov.catalog.templates:
#   custom templates are blocked until the platform team certifies them.
# custom:
#   severity: high
#   remediation: Build the app from an approved template version, or have this one certified.
violation contains v if {
	is_object(template)
	not version
	known := object.get(published, [template.name, "versions"], {})
	v := {
		"rule": "template_not_certified",
		"message": sprintf("template %s@%s is not in the template catalog%s", [template.name, template.version, versions_hint(known)]),
		"path": "/spec/template",
	}
}

versions_hint(known) := sprintf(" (known versions: %s)", [concat(", ", sort(object.keys(known)))]) if count(known) > 0

else := ""

# METADATA
# title: Template version revoked
# description: The app's template version is revoked in the catalog (a flaw was found in it).
# custom:
#   severity: high
#   remediation: Move the app to an approved version of the template.
violation contains v if {
	is_object(version)
	version.status == "revoked"
	v := {
		"rule": "template_revoked",
		"message": sprintf("template %s@%s is revoked", [template.name, template.version]),
		"path": "/spec/template",
	}
}

# METADATA
# title: Template required
# description: The catalog requires every app to be built from a template (data require_template).
# custom:
#   severity: high
#   remediation: Rebuild the app from an approved template and set spec.template.
violation contains v if {
	data.microgov.catalog.require_template
	not is_object(template)
	v := {
		"rule": "template_required",
		"message": "app names no template, and the template catalog requires one",
		"path": "/spec/template",
	}
}

# METADATA
# title: Template version not for this environment
# description: The template version may not run in the app's environment (its catalog entry's environments).
# custom:
#   severity: medium
#   remediation: Use a template version certified for this environment.
violation contains v if {
	is_object(version)
	envs := version.environments
	is_array(envs)
	not input.app.spec.environment in envs
	v := {
		"rule": "template_environment",
		"message": sprintf("template %s@%s may not run in %s", [template.name, template.version, input.app.spec.environment]),
		"path": "/spec/template",
	}
}

# METADATA
# title: Template version serves a lower tier
# description: The app's risk tier is above the highest tier its template version may serve (max_tier).
# custom:
#   severity: high
#   remediation: Lower the app's risk, or move it to a template certified for its tier.
violation contains v if {
	is_object(version)
	tier_rank[input.findings.risk.tier] > tier_rank[version.max_tier]
	v := {
		"rule": "template_tier",
		"message": sprintf("template %s@%s serves tiers up to %s, and the app is %s", [template.name, template.version, version.max_tier, input.findings.risk.tier]),
		"path": "/spec/template",
	}
}

# METADATA
# title: Template version deprecated
# description: The app's template version is deprecated in the catalog.
# custom:
#   severity: low
#   remediation: Move the app to the template's current approved version.
warn contains v if {
	is_object(version)
	version.status == "deprecated"
	v := {
		"rule": "template_deprecated",
		"message": sprintf("template %s@%s is deprecated", [template.name, template.version]),
		"path": "/spec/template",
	}
}
