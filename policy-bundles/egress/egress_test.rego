package microgov.egress_test

import rego.v1

import data.microgov.egress

public := {"path": "/spec/egress/0", "url": "https://api.stripe.com/", "scheme": "https", "host": "api.stripe.com", "port": 443, "ip": null, "ip_class": null, "metadata": false, "issues": []}

rules(f) := r if {
	r := {v.rule | some v in egress.violation} with input as {"findings": {"egress": [f]}}
}

test_public_https_host_is_fine if {
	count(rules(public)) == 0
}

test_wildcard_needs_a_dot_boundary if {
	egress.host_matches("*.example.com", "a.example.com")
	not egress.host_matches("*.example.com", "example.com")
	not egress.host_matches("*.example.com", "badexample.com")
}

test_metadata_endpoint_is_denied if {
	f := object.union(public, {"host": "169.254.169.254", "ip": "169.254.169.254", "ip_class": "metadata", "metadata": true})
	"internal_address" in rules(f)
}

test_exact_ip_exception_allows_an_internal_address if {
	f := object.union(public, {"host": "10.0.0.8", "ip": "10.0.0.8", "ip_class": "private"})
	r := {v.rule | some v in egress.violation} with input as {"findings": {"egress": [f]}} with data.microgov.egress.ip_exceptions as ["10.0.0.8"]
	count(r) == 0
}

test_plain_http_is_denied if {
	rules(object.union(public, {"scheme": "http", "port": 80})) == {"non_https", "port_not_allowed"}
}

test_deny_list_wins_over_allow_list if {
	f := object.union(public, {"host": "abc.ngrok.io"})
	r := {v.rule | some v in egress.violation} with input as {"findings": {"egress": [f]}} with data.microgov.egress.allow as ["*.ngrok.io"]
	r == {"denied_host"}
}

test_allow_list_when_set if {
	r := {v.rule | some v in egress.violation} with input as {"findings": {"egress": [public]}} with data.microgov.egress.allow as ["*.example.com"]
	r == {"host_not_allowed"}
}

test_credentials_in_url_are_suspicious if {
	"suspicious_url" in rules(object.union(public, {"issues": ["credentials_in_url"]}))
}
