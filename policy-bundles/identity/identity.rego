# Identity: every app signs users in through the organisation's identity provider, with
# least privilege by default (the seed articles' identity checklist: corporate SSO, MFA
# above public data, SCIM provisioning, role templates viewer / editor / admin with viewer
# as the default, just-in-time elevation for privileged roles). Parameters:
# data.microgov.identity. Local accounts on apps with regulated data are the pii policy's
# rule; where the pii policy already requires SSO or MFA (regulated data), these rules
# leave it to it, so one mistake is one violation.
#
# Facts: input.app.spec.auth and environment; input.findings.classification, the highest
# classification of the app's datasets; input.findings.regulated.
package microgov.identity

import rego.v1

auth := input.app.spec.auth

templates := data.microgov.identity.role_templates

# The role template a role is cut from: the one auth.roleTemplates names, else the
# template of the same name. (object.get, not `else`: regorus 0.14.1's compiled VM does not
# reach an else branch when the first body reads an absent member.)
template_of(role) := object.get(object.get(auth, "roleTemplates", {}), role, role)

privileged(role) if templates[template_of(role)].privileged == true

exempt if input.app.spec.environment in data.microgov.identity.sso_exempt_environments

# A rule rather than `not auth.elevation.justInTime` inline: regorus 0.14.1's compiled VM
# gets `not` over a path through an absent object wrong.
just_in_time if auth.elevation.justInTime == true

pii_requires(setting) if {
	input.findings.regulated
	data.microgov.pii[setting]
}

# METADATA
# title: Single sign-on required
# description: >-
#   An app outside the exempt environments (sandbox) signs users in without the identity
#   provider (the articles: "require corporate SSO for all micro apps, no local accounts").
# custom:
#   severity: high
#   remediation: Sign users in through the identity provider (auth.sso oidc or saml).
violation contains v if {
	not exempt
	auth.sso == "none"
	not pii_requires("require_sso")
	v := {
		"rule": "sso_required",
		"message": sprintf("a %s app signs users in without single sign-on", [input.app.spec.environment]),
		"path": "/spec/auth/sso",
	}
}

# METADATA
# title: MFA required above public data
# description: The app holds data classified above public and does not enforce multi-factor authentication.
# custom:
#   severity: high
#   remediation: Enforce MFA (auth.mfa true).
violation contains v if {
	input.findings.classification != "public"
	not auth.mfa
	not pii_requires("require_mfa")
	v := {
		"rule": "mfa_required",
		"message": sprintf("app holds %s data but does not enforce multi-factor authentication", [input.findings.classification]),
		"path": "/spec/auth/mfa",
	}
}

# METADATA
# title: Unknown role template
# description: auth.roleTemplates maps a role to a template data.microgov.identity.role_templates does not define.
# custom:
#   severity: medium
#   remediation: Cut each role from a published role template (viewer, editor, admin).
violation contains v if {
	some role, template in auth.roleTemplates
	not templates[template]
	v := {
		"rule": "role_template_unknown",
		"message": sprintf(
			"role %s is cut from template %s, which is not a role template (%s)",
			[role, template, concat(", ", sort(object.keys(templates)))],
		),
		"path": sprintf("/spec/auth/roleTemplates/%s", [role]),
	}
}

# METADATA
# title: Default role not a role of the app
# description: auth.defaultRole is not one of auth.roles.
# custom:
#   severity: medium
#   remediation: Set defaultRole to one of the app's roles, the least privileged.
violation contains v if {
	is_string(auth.defaultRole)
	not auth.defaultRole in auth.roles
	v := {
		"rule": "default_role_unknown",
		"message": sprintf("default role %s is not a role of the app", [auth.defaultRole]),
		"path": "/spec/auth/defaultRole",
	}
}

# METADATA
# title: Default role above the default template
# description: >-
#   New users get a role cut from a template with more rights than the default template
#   (data default_role, viewer): least privilege by default.
# custom:
#   severity: high
#   remediation: Make the default role a viewer; grant more with justification and approval.
violation contains v if {
	is_string(auth.defaultRole)
	rank := templates[template_of(auth.defaultRole)].rank
	rank > templates[data.microgov.identity.default_role].rank
	v := {
		"rule": "default_role_privileged",
		"message": sprintf(
			"new users get %s (template %s), more than %s",
			[auth.defaultRole, template_of(auth.defaultRole), data.microgov.identity.default_role],
		),
		"path": "/spec/auth/defaultRole",
	}
}

# A privileged role (a template with privileged: true) is granted only with an approval.
required_approval contains {
	"role": data.microgov.identity.privileged_role_approval,
	"reason": sprintf("privileged role %s", [role]),
} if {
	some role in auth.roles
	privileged(role)
}

# METADATA
# title: Standing privileged role
# description: >-
#   Outside the exempt environments, a privileged role is held rather than granted just in
#   time (the articles' just-in-time elevation with approval and automatic rollback).
# custom:
#   severity: medium
#   remediation: Declare auth.elevation justInTime, so privileged roles are granted for a while on request.
violation contains v if {
	not exempt
	some i, role in auth.roles
	privileged(role)
	not just_in_time
	v := {
		"rule": "standing_privileged_role",
		"message": sprintf("role %s is privileged and held, not granted just in time", [role]),
		"path": sprintf("/spec/auth/roles/%d", [i]),
	}
}

# METADATA
# title: Elevation lasts too long
# description: auth.elevation.maxMinutes is above data.microgov.identity.max_elevation_minutes.
# custom:
#   severity: medium
#   remediation: Shorten maxMinutes to at most the limit.
violation contains v if {
	is_number(auth.elevation.maxMinutes)
	auth.elevation.maxMinutes > data.microgov.identity.max_elevation_minutes
	v := {
		"rule": "elevation_too_long",
		"message": sprintf(
			"elevation lasts up to %d minutes, more than %d",
			[auth.elevation.maxMinutes, data.microgov.identity.max_elevation_minutes],
		),
		"path": "/spec/auth/elevation/maxMinutes",
	}
}

# METADATA
# title: SCIM provisioning missing
# description: A production app with roles does not provision users from the identity provider with SCIM.
# custom:
#   severity: low
#   remediation: Provision users and groups with SCIM (auth.scim true), so leavers lose access.
warn contains v if {
	input.app.spec.environment == "production"
	count(auth.roles) > 0
	not auth.scim
	v := {
		"rule": "scim_missing",
		"message": "a production app with roles does not provision its users with SCIM",
		"path": "/spec/auth/scim",
	}
}
