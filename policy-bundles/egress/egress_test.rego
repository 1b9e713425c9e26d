package microgov.egress_test

import rego.v1

import data.microgov.egress

# The native checks are tested in core/tests/engine_checks.rs; these tests
# pin what the policy makes of each (`check` names the list it is in).
check(kind, detail) := {"check": kind, "path": "/spec/egress/0", "url": "http://abc.ngrok.io:8080/", "host": "abc.ngrok.io", "detail": detail}

violations(cs) := vs if {
	vs := egress.violation with input as {"findings": {"checks": {k: [c | some c in cs; c.check == k] | some x in cs; k := x.check}}}
}

rules(cs) := {v.rule | some v in violations(cs)}

test_no_check_no_violation if {
	count(violations([])) == 0
}

test_wildcard_needs_a_dot_boundary if {
	egress.host_matches("*.example.com", "a.example.com")
	not egress.host_matches("*.example.com", "example.com")
	not egress.host_matches("*.example.com", "badexample.com")
}

test_each_check_is_its_rule if {
	cs := [check("internal_address", "metadata"), check("suspicious_url", "credentials_in_url"), check("non_https", "http"), check("port_not_allowed", "8080"), check("denied_host", "*.ngrok.io")]
	rules(cs) == {"internal_address", "suspicious_url", "non_https", "port_not_allowed", "denied_host"}
}

test_messages_name_the_url_and_the_fault if {
	some v in violations([check("non_https", "http")])
	v.message == "egress http://abc.ngrok.io:8080/ uses http; only https, wss are allowed"
	v.path == "/spec/egress/0"
}

test_unparseable_url_is_named_by_its_path if {
	some v in violations([object.union(check("internal_address", "loopback"), {"url": null})])
	v.message == "egress /spec/egress/0 resolves to an internal address (loopback)"
}

test_allow_list_miss_is_waivable if {
	some v in violations([check("host_not_allowed", "")])
	v.rule == "host_not_allowed"
	v.exception == "egress.host"
}
