package microgov.identity_test

import rego.v1

import data.microgov.identity

good := {"sso": "oidc", "mfa": true, "localAccounts": false, "roles": ["viewer", "editor"], "scim": true}

app(auth, env, classification) := {
	"app": {"spec": {"auth": auth, "environment": env}},
	"findings": {"classification": classification, "regulated": false},
}

rules(vs) := {v.rule | some v in vs}

test_well_configured_app_passes if {
	inp := app(good, "production", "confidential")
	count(identity.violation) == 0 with input as inp
	count(identity.warn) == 0 with input as inp
	count(identity.required_approval) == 0 with input as inp
}

test_sso_required_outside_sandbox if {
	auth := object.union(good, {"sso": "none"})
	rules(identity.violation) == {"sso_required"} with input as app(auth, "staging", "internal")
	count(identity.violation) == 0 with input as app(auth, "sandbox", "internal")

	# Regulated data: the pii policy's own rule says it.
	regulated := object.union(app(auth, "staging", "internal"), {"findings": {"regulated": true}})
	count(identity.violation) == 0 with input as regulated
}

test_mfa_above_public if {
	auth := object.union(good, {"mfa": false})
	rules(identity.violation) == {"mfa_required"} with input as app(auth, "production", "internal")
	count(identity.violation) == 0 with input as app(auth, "production", "public")
}

test_role_templates if {
	auth := object.union(good, {"roleTemplates": {"approver": "boss"}, "roles": ["viewer", "approver"]})
	vs := identity.violation with input as app(auth, "production", "internal")
	[v.path | some v in vs] == ["/spec/auth/roleTemplates/approver"]
	ok := object.union(good, {"roleTemplates": {"approver": "editor"}, "roles": ["viewer", "approver"]})
	count(identity.violation) == 0 with input as app(ok, "production", "internal")
}

test_default_role if {
	unknown := object.union(good, {"defaultRole": "guest"})
	rules(identity.violation) == {"default_role_unknown"} with input as app(unknown, "production", "internal")
	editor := object.union(good, {"defaultRole": "editor"})
	rules(identity.violation) == {"default_role_privileged"} with input as app(editor, "production", "internal")
	viewer := object.union(good, {"defaultRole": "viewer"})
	count(identity.violation) == 0 with input as app(viewer, "production", "internal")
}

test_privileged_roles_need_approval_and_just_in_time_elevation if {
	held := object.union(good, {"roles": ["viewer", "ops-admin"], "roleTemplates": {"ops-admin": "admin"}})
	inp := app(held, "production", "internal")
	rules(identity.violation) == {"standing_privileged_role"} with input as inp
	identity.required_approval == {{"role": "security", "reason": "privileged role ops-admin"}} with input as inp
	jit := object.union(held, {"elevation": {"justInTime": true, "maxMinutes": 60}})
	count(identity.violation) == 0 with input as app(jit, "production", "internal")
	count(identity.violation) == 0 with input as app(held, "sandbox", "internal")
	long := object.union(held, {"elevation": {"justInTime": true, "maxMinutes": 481}})
	rules(identity.violation) == {"elevation_too_long"} with input as app(long, "production", "internal")
}

test_scim_warns_for_production_apps_with_roles if {
	auth := object.remove(good, ["scim"])
	rules(identity.warn) == {"scim_missing"} with input as app(auth, "production", "internal")
	count(identity.warn) == 0 with input as app(auth, "staging", "internal")
	count(identity.warn) == 0 with input as app(object.union(auth, {"roles": []}), "production", "internal")
}
