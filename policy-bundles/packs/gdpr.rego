# Policy pack gdpr: what the EU General Data Protection Regulation (Regulation (EU) 2016/679)
# asks of an app that holds personal data, beyond the bundled pii and residency policies
# (which already check retention, masking, SSO, MFA and transfers). Personal data is a
# dataset of a category in personal_categories; special categories (Art. 9) those in
# special_categories (data.microgov.packs.gdpr). The engine runs a pack's rules only for
# apps that name it (spec.policies: [gdpr]), or hold a category data.microgov.packs_required maps
# to the pack (empty as shipped).
#
# What it requires, and the article each rule stands for:
# - a purpose stated (Art. 5(1)(b) purpose limitation, Art. 30(1)(b) records of processing);
# - special-category data classified restricted (Art. 9, Art. 32 security of processing);
# - a data protection impact assessment referenced (label dpia_label) for special-category
#   data (Art. 35(3)(b));
# - the region of every external system that receives personal data declared, so that the
#   processor's location is known (Art. 28, Art. 44 transfers).
package microgov.packs.gdpr

import rego.v1

personal contains i if {
	some i, d in input.app.spec.datasets
	some c in d.categories
	c in data.microgov.packs.gdpr.personal_categories
}

special contains i if {
	some i, d in input.app.spec.datasets
	some c in d.categories
	c in data.microgov.packs.gdpr.special_categories
}

personal_names contains input.app.spec.datasets[i].name if some i in personal

# METADATA
# title: Purpose not stated
# description: The app holds personal data and states no purpose (GDPR Art. 5(1)(b), Art. 30(1)(b)).
# custom:
#   severity: medium
#   remediation: State what the app does with the data in spec.purpose.
violation contains v if {
	count(personal) > 0
	not purpose_stated
	v := {
		"rule": "purpose_missing",
		"message": "app holds personal data but states no purpose (GDPR Art. 5(1)(b))",
		"path": "/spec/purpose",
	}
}

purpose_stated if trim_space(input.app.spec.purpose) != ""

# METADATA
# title: Special-category data not restricted
# description: A dataset with special-category data (health, biometric, Art. 9) is classified below restricted.
# custom:
#   severity: high
#   remediation: Classify the dataset restricted.
violation contains v if {
	some i in special
	d := input.app.spec.datasets[i]
	d.classification != "restricted"
	v := {
		"rule": "special_category_not_restricted",
		"message": sprintf(
			"dataset %s holds special-category data but is classified %s (GDPR Art. 9)",
			[d.name, d.classification],
		),
		"path": sprintf("/spec/datasets/%d/classification", [i]),
	}
}

# METADATA
# title: No impact assessment for special-category data
# description: >-
#   The app holds special-category data and its metadata.labels name no data protection
#   impact assessment (label dpia_label) (GDPR Art. 35(3)(b)).
# custom:
#   severity: high
#   remediation: Carry out a DPIA and reference it in metadata.labels (label dpia, the assessment id as its value).
violation contains v if {
	count(special) > 0
	not dpia_referenced
	v := {
		"rule": "dpia_missing",
		"message": sprintf(
			"app holds special-category data and names no impact assessment (label %s, GDPR Art. 35)",
			[data.microgov.packs.gdpr.dpia_label],
		),
		"path": labels_path,
	}
}

# Where the label belongs: the labels, or the metadata that has none yet.
labels_path := {true: "/metadata/labels", false: "/metadata"}[count(object.get(input.app.metadata, "labels", {})) > 0]

dpia_referenced if trim_space(input.app.metadata.labels[data.microgov.packs.gdpr.dpia_label]) != ""

# METADATA
# title: Processor location unknown
# description: An external connector receives personal data and declares no region (GDPR Art. 28, Art. 44).
# custom:
#   severity: medium
#   remediation: Declare the connector's region (provider:region) so the transfer can be assessed.
violation contains v if {
	some i, c in input.app.spec.connectors
	c.external
	not c.region
	some name in c.datasets
	name in personal_names
	v := {
		"rule": "processor_region_unknown",
		"message": sprintf(
			"external connector %s receives personal data of %s and declares no region (GDPR Art. 44)",
			[c.name, name],
		),
		"path": sprintf("/spec/connectors/%d", [i]),
		"connector": c.name,
	}
}
