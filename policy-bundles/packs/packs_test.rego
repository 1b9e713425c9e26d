package microgov.packs_test

import rego.v1

import data.microgov.packs.gdpr
import data.microgov.packs.hipaa
import data.microgov.packs.pci_safe
import data.microgov.packs.sox_controls

auth := {"sso": "oidc", "mfa": true, "localAccounts": false, "roles": ["viewer", "approver"]}

dataset(categories, change) := object.union(
	{"name": "d", "classification": "restricted", "retentionDays": 30, "categories": categories},
	change,
)

connector(change) := object.union(
	{"name": "c", "datasets": ["d"], "external": false, "needsRawValues": false, "exportsPii": false, "access": "read"},
	change,
)

app(spec) := {
	"app": {
		"metadata": {"labels": {}},
		"spec": object.union(
			{"environment": "production", "auth": auth, "purpose": "p", "datasets": [], "connectors": []},
			spec,
		),
	},
	"findings": {"pii": []},
}

rules(vs) := {v.rule | some v in vs}

# ---------------------------------------------------------------- pci-safe

test_pci_safe_app_without_card_data_passes if {
	count(pci_safe.violation) == 0 with input as app({"datasets": [dataset(["pii"], {"classification": "internal"})]})
}

test_pci_safe_well_kept_card_data_passes if {
	count(pci_safe.violation) == 0 with input as app({"datasets": [dataset(["pci"], {})], "connectors": [connector({})]})
}

test_pci_safe_each_requirement if {
	rules(pci_safe.violation) == {"card_data_not_restricted"} with input as app({"datasets": [dataset(["pci"], {"classification": "confidential"})]})
	rules(pci_safe.violation) == {"card_data_retention"} with input as app({"datasets": [dataset(["pci"], {"retentionDays": 366})]})
	rules(pci_safe.violation) == {"card_data_retention"} with input as app({"datasets": [object.remove(dataset(["pci"], {}), ["retentionDays"])]})
	rules(pci_safe.violation) == {"card_data_mfa"} with input as app({"datasets": [dataset(["pci"], {})], "auth": object.union(auth, {"mfa": false})})
	rules(pci_safe.violation) == {"card_data_local_accounts"} with input as app({"datasets": [dataset(["pci"], {})], "auth": object.union(auth, {"localAccounts": true})})
	rules(pci_safe.violation) == {"card_data_outside_production"} with input as app({"datasets": [dataset(["pci"], {})], "environment": "staging"})
}

test_pci_safe_raw_card_data_only_to_external_systems if {
	inp := app({"datasets": [dataset(["pci"], {})], "connectors": [connector({"needsRawValues": true, "external": true})]})
	vs := pci_safe.violation with input as inp
	[v.path | some v in vs] == ["/spec/connectors/0"]
	count(pci_safe.violation) == 0 with input as app({"datasets": [dataset(["pci"], {})], "connectors": [connector({"needsRawValues": true})]})
	count(pci_safe.violation) == 0 with input as app({"datasets": [dataset(["pci"], {})], "connectors": [connector({"external": true})]})
}

test_pci_safe_undeclared_card_data if {
	finding := {"kind": "payment_card", "categories": ["pci"], "tagged": false, "field": "pan", "dataset": "d", "path": "/spec/datasets/0/fields/0"}
	inp := object.union(app({}), {"findings": {"pii": [finding]}})
	rules(pci_safe.violation) == {"undeclared_card_data"} with input as inp
	count(pci_safe.violation) == 0 with input as object.union(app({}), {"findings": {"pii": [object.union(finding, {"tagged": true})]}})
}

# ---------------------------------------------------------------- gdpr

test_gdpr_well_kept_personal_data_passes if {
	inp := app({"datasets": [dataset(["pii"], {"classification": "internal"})], "connectors": [connector({"external": true, "region": "aws:eu-west-1"})]})
	count(gdpr.violation) == 0 with input as inp
}

test_gdpr_purpose if {
	rules(gdpr.violation) == {"purpose_missing"} with input as app({"datasets": [dataset(["pii"], {})], "purpose": " "})
	count(gdpr.violation) == 0 with input as app({"datasets": [dataset(["financial"], {})], "purpose": " "})
}

test_gdpr_special_categories if {
	inp := app({"datasets": [dataset(["phi"], {"classification": "confidential"})]})
	rules(gdpr.violation) == {"special_category_not_restricted", "dpia_missing"} with input as inp
	labelled := object.union(app({"datasets": [dataset(["biometric"], {})]}), {"app": {"metadata": {"labels": {"dpia": "DPIA-1"}}}})
	count(gdpr.violation) == 0 with input as labelled
}

test_gdpr_processor_region if {
	inp := app({"datasets": [dataset(["pii"], {})], "connectors": [connector({"external": true})]})
	rules(gdpr.violation) == {"processor_region_unknown"} with input as inp
	count(gdpr.violation) == 0 with input as app({"datasets": [dataset(["pii"], {})], "connectors": [connector({})]})
}

# ---------------------------------------------------------------- hipaa

test_hipaa_well_kept_phi_passes if {
	inp := app({"datasets": [dataset(["phi"], {})], "connectors": [connector({})]})
	count(hipaa.violation) == 0 with input as inp
	count(hipaa.required_approval) == 0 with input as inp
}

test_hipaa_each_section if {
	phi := {"datasets": [dataset(["phi"], {})]}
	rules(hipaa.violation) == {"phi_authentication"} with input as app(object.union(phi, {"auth": object.union(auth, {"sso": "none"})}))
	rules(hipaa.violation) == {"phi_local_accounts"} with input as app(object.union(phi, {"auth": object.union(auth, {"localAccounts": true})}))
	rules(hipaa.violation) == {"phi_not_restricted"} with input as app({"datasets": [dataset(["phi"], {"classification": "confidential"})]})
	rules(hipaa.violation) == {"phi_outside_production"} with input as app(object.union(phi, {"environment": "sandbox"}))
}

test_hipaa_external_phi_needs_a_business_associate_approval if {
	inp := app({"datasets": [dataset(["phi"], {})], "connectors": [connector({"external": true})]})
	hipaa.required_approval == {{"role": "privacy", "reason": "business associate agreement for connector c (45 CFR 164.308(b))"}} with input as inp
}

# ---------------------------------------------------------------- sox-controls

test_sox_controls_well_kept_ledger_passes if {
	inp := app({"datasets": [dataset(["financial"], {"retentionDays": 2555})], "connectors": [connector({"access": "write"})]})
	count(sox_controls.violation) == 0 with input as inp
}

test_sox_controls_each_section if {
	ledger := dataset(["financial"], {"retentionDays": 2555})
	writer := connector({"access": "write"})
	rules(sox_controls.violation) == {"financial_retention"} with input as app({"datasets": [dataset(["financial"], {"retentionDays": 2554})]})
	rules(sox_controls.violation) == {"financial_access_control"} with input as app({"datasets": [ledger], "connectors": [writer], "auth": object.union(auth, {"localAccounts": true})})
	rules(sox_controls.violation) == {"duties_not_separated"} with input as app({"datasets": [ledger], "connectors": [writer], "auth": object.union(auth, {"roles": ["poster"]})})
	count(sox_controls.violation) == 0 with input as app({"datasets": [ledger], "connectors": [connector({})], "auth": object.union(auth, {"roles": ["poster"]})})
}
