# Policy pack pci-safe: an app that names it (spec.policies: [pci-safe]) keeps cardholder
# data out of its scope, or meets the PCI DSS v4.0 requirements below where it holds it.
# Cardholder data is a dataset or field of category pci, or a sample value the PII
# recognizers read as a payment card number. The engine runs a pack's rules only for apps
# that name it, or hold a category data.microgov.packs_required
# maps to the pack (empty as shipped).
#
# What it requires, and the requirement each rule stands for:
# - card data classified restricted (Req. 3.1, 12.5.2: the data in scope is known and protected);
# - retentionDays set, at most max_retention_days (Req. 3.2.1: keep card data only as long as needed);
# - MFA for all access (Req. 8.4.2) and no local or shared accounts (Req. 8.2.1, 8.2.2);
# - no raw card data to external systems (Req. 3.4.1, 4.2.1: PAN unreadable, protected in transit);
# - no live card data outside production (Req. 6.5.5);
# - no card numbers in fields not declared pci (Req. 12.5.2: scope confirmed).
package microgov.packs.pci_safe

import rego.v1

# The indexes of the datasets that hold card data.
card_datasets contains i if {
	some i, d in input.app.spec.datasets
	"pci" in d.categories
}

card_dataset_names contains input.app.spec.datasets[i].name if some i in card_datasets

# METADATA
# title: Card data not classified restricted
# description: A dataset with cardholder data is classified below restricted (PCI DSS Req. 3.1, 12.5.2).
# custom:
#   severity: high
#   remediation: Classify the dataset restricted, or remove the card data from it.
violation contains v if {
	some i in card_datasets
	d := input.app.spec.datasets[i]
	d.classification != "restricted"
	v := {
		"rule": "card_data_not_restricted",
		"message": sprintf("dataset %s holds card data but is classified %s (PCI DSS Req. 3.1)", [d.name, d.classification]),
		"path": sprintf("/spec/datasets/%d/classification", [i]),
	}
}

# METADATA
# title: Card data kept too long
# description: A dataset with cardholder data has no retentionDays, or more than max_retention_days (PCI DSS Req. 3.2.1).
# custom:
#   severity: high
#   remediation: Set retentionDays on the dataset, at most the pack's limit.
violation contains v if {
	some i in card_datasets
	d := input.app.spec.datasets[i]
	not kept_briefly(d)
	v := {
		"rule": "card_data_retention",
		"message": sprintf(
			"dataset %s keeps card data %s, the limit is %d days (PCI DSS Req. 3.2.1)",
			[d.name, retention_text(d), data.microgov.packs.pci_safe.max_retention_days],
		),
		"path": sprintf("/spec/datasets/%d", [i]),
	}
}

kept_briefly(d) if d.retentionDays <= data.microgov.packs.pci_safe.max_retention_days

retention_text(d) := sprintf("%d days", [d.retentionDays]) if is_number(d.retentionDays)

else := "without a limit"

# METADATA
# title: Card data without MFA
# description: An app with cardholder data does not enforce multi-factor authentication (PCI DSS Req. 8.4.2).
# custom:
#   severity: high
#   remediation: Enforce MFA (auth.mfa true).
violation contains v if {
	count(card_datasets) > 0
	not input.app.spec.auth.mfa
	v := {
		"rule": "card_data_mfa",
		"message": "app holds card data but does not enforce multi-factor authentication (PCI DSS Req. 8.4.2)",
		"path": "/spec/auth/mfa",
	}
}

# METADATA
# title: Card data with local accounts
# description: An app with cardholder data allows local accounts, outside the identity provider (PCI DSS Req. 8.2.1, 8.2.2).
# custom:
#   severity: high
#   remediation: Remove local accounts; every user signs in through SSO with a unique identity.
violation contains v if {
	count(card_datasets) > 0
	input.app.spec.auth.localAccounts
	v := {
		"rule": "card_data_local_accounts",
		"message": "app holds card data and allows local accounts (PCI DSS Req. 8.2.1)",
		"path": "/spec/auth/localAccounts",
	}
}

# METADATA
# title: Raw card data to an external system
# description: >-
#   An external connector receives a dataset with cardholder data unmasked (needsRawValues or
#   exportsPii) (PCI DSS Req. 3.4.1, 4.2.1).
# custom:
#   severity: high
#   remediation: Send tokens or masked card numbers; keep the full PAN inside the cardholder data environment.
violation contains v if {
	some i, c in input.app.spec.connectors
	c.external
	raw(c)
	some name in c.datasets
	name in card_dataset_names
	v := {
		"rule": "raw_card_data_external",
		"message": sprintf("connector %s sends card data of %s unmasked to an external system (PCI DSS Req. 3.4.1)", [c.name, name]),
		"path": sprintf("/spec/connectors/%d", [i]),
		"connector": c.name,
	}
}

raw(c) if c.needsRawValues

raw(c) if c.exportsPii

# METADATA
# title: Live card data outside production
# description: A sandbox or staging app holds cardholder data (PCI DSS Req. 6.5.5).
# custom:
#   severity: high
#   remediation: Use test card numbers outside production.
violation contains v if {
	count(card_datasets) > 0
	input.app.spec.environment != "production"
	v := {
		"rule": "card_data_outside_production",
		"message": sprintf("a %s app holds card data (PCI DSS Req. 6.5.5)", [input.app.spec.environment]),
		"path": "/spec/environment",
	}
}

# METADATA
# title: Card numbers in an undeclared field
# description: >-
#   The PII recognizers read a field's name or sample as card data (number, security code, expiry), and the field
#   is not declared pci (PCI DSS Req. 12.5.2: the scope is confirmed).
# custom:
#   severity: high
#   remediation: Declare the field's category pci (the rules above then apply), or remove the card data.
violation contains v if {
	some f in input.findings.pii
	"pci" in f.categories
	not f.tagged
	v := {
		"rule": "undeclared_card_data",
		"message": sprintf(
			"field %s of dataset %s looks like card data but is not declared pci (PCI DSS Req. 12.5.2)",
			[f.field, f.dataset],
		),
		"path": f.path,
		"dataset": f.dataset,
	}
}
