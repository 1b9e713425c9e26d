# Policy pack hipaa: the HIPAA Security and Privacy Rules (45 CFR Part 164) for an app that
# holds protected health information, a dataset of category phi. The engine runs a pack's
# rules only for apps that name it (spec.policies: [hipaa]), or hold a category
# data.microgov.packs_required maps to the pack (empty as shipped).
#
# What it requires, and the section each rule stands for:
# - sign-in through the identity provider with MFA (§164.312(d) person or entity authentication);
# - no local accounts (§164.312(a)(2)(i) unique user identification);
# - PHI classified restricted (§164.312(a)(1) access control, §164.312(a)(2)(iv) encryption);
# - no PHI outside production: de-identified data there (§164.514(b), §164.502(b) minimum necessary);
# - an approval by business_associate_role for each external system that receives PHI, which
#   stands for the business associate agreement (§164.308(b)(1), §164.502(e)).
package microgov.packs.hipaa

import rego.v1

phi contains i if {
	some i, d in input.app.spec.datasets
	"phi" in d.categories
}

phi_names contains input.app.spec.datasets[i].name if some i in phi

# METADATA
# title: PHI without SSO and MFA
# description: An app with PHI does not sign users in through SSO with MFA (45 CFR §164.312(d)).
# custom:
#   severity: high
#   remediation: Use SSO (oidc or saml) and enforce MFA.
violation contains v if {
	count(phi) > 0
	not strong_sign_in
	v := {
		"rule": "phi_authentication",
		"message": "app holds PHI without SSO and MFA (45 CFR 164.312(d))",
		"path": "/spec/auth",
	}
}

strong_sign_in if {
	input.app.spec.auth.sso != "none"
	input.app.spec.auth.mfa
}

# METADATA
# title: PHI with local accounts
# description: An app with PHI allows local accounts (45 CFR §164.312(a)(2)(i)).
# custom:
#   severity: high
#   remediation: Remove local accounts; every user has a unique identity from the identity provider.
violation contains v if {
	count(phi) > 0
	input.app.spec.auth.localAccounts
	v := {
		"rule": "phi_local_accounts",
		"message": "app holds PHI and allows local accounts (45 CFR 164.312(a)(2)(i))",
		"path": "/spec/auth/localAccounts",
	}
}

# METADATA
# title: PHI not restricted
# description: A dataset with PHI is classified below restricted (45 CFR §164.312(a)(1)).
# custom:
#   severity: high
#   remediation: Classify the dataset restricted.
violation contains v if {
	some i in phi
	d := input.app.spec.datasets[i]
	d.classification != "restricted"
	v := {
		"rule": "phi_not_restricted",
		"message": sprintf("dataset %s holds PHI but is classified %s (45 CFR 164.312(a)(1))", [d.name, d.classification]),
		"path": sprintf("/spec/datasets/%d/classification", [i]),
	}
}

# METADATA
# title: PHI outside production
# description: A sandbox or staging app holds PHI (45 CFR §164.514(b), §164.502(b)).
# custom:
#   severity: high
#   remediation: Use de-identified data outside production.
violation contains v if {
	count(phi) > 0
	input.app.spec.environment != "production"
	v := {
		"rule": "phi_outside_production",
		"message": sprintf("a %s app holds PHI; use de-identified data (45 CFR 164.514(b))", [input.app.spec.environment]),
		"path": "/spec/environment",
	}
}

# Each external system that receives PHI needs a business associate agreement, approved by
# the role business_associate_role (45 CFR §164.308(b)(1)).
required_approval contains {
	"role": data.microgov.packs.hipaa.business_associate_role,
	"reason": sprintf("business associate agreement for connector %s (45 CFR 164.308(b))", [c.name]),
} if {
	some c in input.app.spec.connectors
	c.external
	some name in c.datasets
	name in phi_names
}
