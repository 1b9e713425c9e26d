package microgov.egress_test

import rego.v1

import data.microgov.egress

# The facts the engine puts in input.findings.egress (core/docs/findings.md) for a
# plain https URL; each test overrides what it is about. `declared` follows the path:
# /spec/egress/N is a declared entry, a connector's endpoint is not.
entry(path, facts) := object.union(
	{
		"path": path,
		"declared": startswith(path, "/spec/egress/"),
		"url": "https://api.example.com/",
		"scheme": "https",
		"host": "api.example.com",
		"port": 443,
		"url_path": "/",
		"ip": null,
		"ip_class": null,
		"host_kind": "dns",
		"metadata": false,
		"issues": [],
	},
	facts,
)

declared(facts) := entry("/spec/egress/0", facts)

endpoint(facts) := entry("/spec/connectors/0/endpoint", facts)

# An IP literal of a class, as the detector writes it.
ip_url(ip, class) := {
	"url": sprintf("https://%s/", [ip]),
	"host": ip,
	"ip": ip,
	"ip_class": class,
	"host_kind": "ipv4",
	"metadata": class == "metadata",
	"issues": ["ip_literal"],
}

# What the engine gives for a URL that does not parse (` https://a b/`).
unparseable := {
	"url": null, "scheme": null, "host": null, "port": null, "url_path": null,
	"ip": null, "ip_class": null, "host_kind": null, "metadata": false,
	"issues": ["unparseable", "whitespace"],
}

violations(entries) := vs if {
	vs := egress.violation with input as {"findings": {"egress": entries}}
}

rules(entries) := {v.rule | some v in violations(entries)}

# The one violation of a rule, or undefined when there is none or more.
only(entries, rule) := v if {
	vs := [v | some v in violations(entries); v.rule == rule]
	count(vs) == 1
	v := vs[0]
}

test_a_plain_https_url_is_quiet if {
	count(violations([declared({}), endpoint({})])) == 0
}

test_no_entries_no_violation if {
	count(violations([])) == 0
}

# --- internal_address

test_a_declared_private_ip_is_internal if {
	v := only([declared(ip_url("10.1.2.3", "private"))], "internal_address")
	v == {
		"rule": "internal_address",
		"message": "egress https://10.1.2.3/ resolves to an internal address (private)",
		"path": "/spec/egress/0",
	}
}

test_an_ip_exception_excepts_that_ip_only if {
	es := [declared(ip_url("10.1.2.3", "private")), entry("/spec/egress/1", ip_url("10.1.2.4", "private"))]
	vs := violations(es) with data.microgov.egress.ip_exceptions as ["10.1.2.3"]
	{v.path | some v in vs} == {"/spec/egress/1"}
}

test_an_ip_exception_excepts_a_metadata_address_too if {
	es := [declared(ip_url("169.254.169.254", "metadata")), endpoint(ip_url("127.0.0.1", "loopback"))]
	vs := violations(es) with data.microgov.egress.ip_exceptions as ["169.254.169.254", "127.0.0.1"]
	count(vs) == 0
}

test_a_class_outside_internal_ip_classes_is_not_internal if {
	es := [declared(ip_url("10.1.2.3", "private"))]
	vs := violations(es) with data.microgov.egress.internal_ip_classes as ["loopback"]
	count(vs) == 0
}

test_metadata_outranks_the_class if {
	v := only([declared(object.union(ip_url("169.254.169.254", "link_local"), {"metadata": true}))], "internal_address")
	v.message == "egress https://169.254.169.254/ resolves to an internal address (metadata)"
}

test_a_metadata_name_is_internal_whatever_the_classes if {
	es := [declared({"url": "http://metadata.google.internal/", "host": "metadata.google.internal", "metadata": true})]
	v := only(es, "internal_address") with data.microgov.egress.internal_ip_classes as []
	v.message == "egress http://metadata.google.internal/ resolves to an internal address (metadata)"
}

test_the_class_outranks_a_local_name if {
	es := [declared({"url": "https://127.0.0.1.nip.io/", "ip_class": "loopback", "issues": ["localhost_name"]})]
	only(es, "internal_address").message == "egress https://127.0.0.1.nip.io/ resolves to an internal address (loopback)"
}

test_a_localhost_name_is_a_local_name if {
	es := [declared({"url": "https://localhost/", "host": "localhost", "issues": ["localhost_name"]})]
	only(es, "internal_address").message == "egress https://localhost/ resolves to an internal address (local name)"
}

test_an_internal_name_is_not_a_local_name if {
	es := [declared({"url": "https://db.internal/", "host": "db.internal", "issues": ["internal_name"]})]
	count(violations(es)) == 0
}

test_a_wildcard_dns_name_has_no_ip_to_except if {
	es := [declared({"url": "https://10.0.0.1.nip.io/", "host": "10.0.0.1.nip.io", "ip_class": "private"})]
	v := only(es, "internal_address") with data.microgov.egress.ip_exceptions as ["10.0.0.1"]
	v.message == "egress https://10.0.0.1.nip.io/ resolves to an internal address (private)"
}

test_a_connector_may_reach_a_private_address if {
	es := [
		endpoint(ip_url("10.1.2.3", "private")),
		endpoint(ip_url("100.64.0.1", "cgnat")),
		endpoint(object.union(ip_url("fd12::1", "unique_local"), {"host": "[fd12::1]", "host_kind": "ipv6"})),
		endpoint(ip_url("192.0.2.1", "reserved")),
	]
	count(violations(es)) == 0
}

test_a_connector_never_reaches_loopback_link_local_unspecified_or_metadata if {
	es := [
		entry("/spec/connectors/0/endpoint", ip_url("127.0.0.1", "loopback")),
		entry("/spec/connectors/1/endpoint", ip_url("169.254.1.1", "link_local")),
		entry("/spec/connectors/2/endpoint", ip_url("0.0.0.0", "unspecified")),
		entry("/spec/connectors/3/endpoint", ip_url("169.254.169.254", "metadata")),
	]
	{v.message | some v in violations(es)} == {
		"egress https://127.0.0.1/ resolves to an internal address (loopback)",
		"egress https://169.254.1.1/ resolves to an internal address (link_local)",
		"egress https://0.0.0.0/ resolves to an internal address (unspecified)",
		"egress https://169.254.169.254/ resolves to an internal address (metadata)",
	}
}

test_a_connector_is_judged_by_its_class_alone if {
	# No internal_ip_classes, no metadata flag, no local name for endpoints: only the class counts.
	es := [
		entry("/spec/connectors/0/endpoint", {"host": "metadata.google.internal", "metadata": true}),
		entry("/spec/connectors/1/endpoint", {"host": "localhost", "issues": ["localhost_name"]}),
	]
	count(violations(es)) == 0
}

# --- suspicious_url

test_each_suspicious_issue_is_a_violation if {
	es := [declared({"url": "https://api.example.com/", "issues": ["credentials_in_url", "idn", "backslash"]})]
	violations(es) == {
		{
			"rule": "suspicious_url",
			"message": "URL at /spec/egress/0 is suspicious: backslash",
			"path": "/spec/egress/0",
		},
		{
			"rule": "suspicious_url",
			"message": "URL at /spec/egress/0 is suspicious: credentials_in_url",
			"path": "/spec/egress/0",
		},
	}
}

test_a_connector_endpoint_is_suspicious_too if {
	v := only([endpoint({"issues": ["ambiguous_authority"]})], "suspicious_url")
	v.message == "URL at /spec/connectors/0/endpoint is suspicious: ambiguous_authority"
}

test_suspicious_issues_come_from_the_data if {
	es := [declared({"issues": ["credentials_in_url"]})]
	vs := violations(es) with data.microgov.egress.suspicious_issues as ["backslash"]
	count(vs) == 0
}

test_an_unparseable_url_is_suspicious_and_nothing_else if {
	violations([declared(unparseable)]) == {
		{
			"rule": "suspicious_url",
			"message": "URL at /spec/egress/0 is suspicious: unparseable",
			"path": "/spec/egress/0",
		},
		{
			"rule": "suspicious_url",
			"message": "URL at /spec/egress/0 is suspicious: whitespace",
			"path": "/spec/egress/0",
		},
	}
}

test_an_unparseable_url_is_named_by_its_path if {
	egress.what(declared(unparseable)) == "/spec/egress/0"
	egress.what(declared({})) == "https://api.example.com/"
}

# --- non_https

test_a_declared_http_url_is_non_https if {
	es := [declared({"url": "http://api.example.com/", "scheme": "http", "port": 80})]
	v := only(es, "non_https") with data.microgov.egress.allowed_ports as [80]
	v == {
		"rule": "non_https",
		"message": "egress http://api.example.com/ uses http; only https, wss are allowed",
		"path": "/spec/egress/0",
	}
}

test_wss_is_allowed if {
	count(violations([declared({"url": "wss://api.example.com/", "scheme": "wss"})])) == 0
}

test_no_allowed_schemes_allow_any_scheme if {
	es := [declared({"url": "http://api.example.com/", "scheme": "http", "port": 80})]
	rs := rules(es) with data.microgov.egress.allowed_schemes as []
	rs == {"port_not_allowed"}
}

test_a_connector_may_use_any_scheme_and_port if {
	es := [endpoint({"url": "postgres://db.example.com:5432/app", "scheme": "postgres", "port": 5432})]
	count(violations(es)) == 0
}

# --- port_not_allowed

test_a_declared_port_outside_the_list_is_named if {
	es := [declared({"url": "https://api.example.com:8443/", "port": 8443})]
	v := only(es, "port_not_allowed")
	v == {
		"rule": "port_not_allowed",
		"message": "egress https://api.example.com:8443/ uses port 8443",
		"path": "/spec/egress/0",
	}
}

test_no_allowed_ports_allow_any_port if {
	es := [declared({"url": "https://api.example.com:8443/", "port": 8443})]
	vs := violations(es) with data.microgov.egress.allowed_ports as []
	count(vs) == 0
}

test_a_url_without_a_known_port_has_no_port_to_refuse if {
	es := [declared({"url": "wss://api.example.com/", "scheme": "wss", "port": null})]
	count(violations(es)) == 0
}

# --- denied_host

test_a_host_below_a_denied_domain_is_denied if {
	es := [declared({"url": "https://abc.ngrok.io/", "host": "abc.ngrok.io"})]
	v := only(es, "denied_host")
	v == {
		"rule": "denied_host",
		"message": "egress host abc.ngrok.io is denied by the platform (*.ngrok.io)",
		"path": "/spec/egress/0",
	}
}

test_the_domain_itself_is_not_below_it if {
	count(violations([declared({"url": "https://ngrok.io/", "host": "ngrok.io"})])) == 0
	count(violations([declared({"url": "https://badngrok.io/", "host": "badngrok.io"})])) == 0
}

test_a_plain_pattern_denies_the_equal_host_only if {
	rules([declared({"url": "https://pastebin.com/", "host": "pastebin.com"})]) == {"denied_host"}
	count(violations([declared({"url": "https://pastebin.community/", "host": "pastebin.community"})])) == 0
}

test_the_first_matching_pattern_is_named if {
	es := [declared({"url": "https://api.example.com/", "host": "api.example.com"})]
	a := only(es, "denied_host") with data.microgov.egress.deny as ["a.test", "*.example.com", "api.example.com"]
	a.message == "egress host api.example.com is denied by the platform (*.example.com)"
	b := only(es, "denied_host") with data.microgov.egress.deny as ["api.example.com", "*.example.com"]
	b.message == "egress host api.example.com is denied by the platform (api.example.com)"
}

test_a_pattern_is_named_as_written if {
	es := [declared({"url": "https://api.example.com/", "host": "api.example.com"})]
	v := only(es, "denied_host") with data.microgov.egress.deny as ["*.EXAMPLE.com.", "*.example.com"]
	v.message == "egress host api.example.com is denied by the platform (*.EXAMPLE.com.)"
}

test_a_host_with_a_second_trailing_dot_is_denied_too if {
	# `https://abc.ngrok.io../`: the canonical host keeps one of the two dots.
	es := [declared({"url": "https://abc.ngrok.io./", "host": "abc.ngrok.io.", "issues": ["trailing_dot"]})]
	only(es, "denied_host").message == "egress host abc.ngrok.io. is denied by the platform (*.ngrok.io)"
}

test_odd_patterns_deny_as_natively if {
	dot := [declared({"url": "https://./", "host": ".", "issues": ["internal_name"]})]
	a := only(dot, "denied_host") with data.microgov.egress.deny as ["", "*.", "*..", "."]
	a.message == "egress host . is denied by the platform (.)"
	star := [declared({"url": "https://*x.example.com/", "host": "*x.example.com", "issues": ["wildcard_host"]})]
	b := only(star, "denied_host") with data.microgov.egress.deny as ["x.example.com", "*x.example.com"]
	b.message == "egress host *x.example.com is denied by the platform (*x.example.com)"
}

test_a_connector_host_is_not_denied if {
	count(violations([endpoint({"url": "https://abc.ngrok.io/", "host": "abc.ngrok.io"})])) == 0
}

# --- host_not_allowed

test_a_host_off_the_allow_list_is_waivable if {
	es := [
		declared({"url": "https://api.stripe.com/", "host": "api.stripe.com"}),
		entry("/spec/egress/1", {"url": "https://stripe.com/", "host": "stripe.com"}),
	]
	vs := violations(es) with data.microgov.egress.allow as ["*.stripe.com"]
	vs == {{
		"rule": "host_not_allowed",
		"message": "egress host stripe.com is not on the platform allow-list",
		"path": "/spec/egress/1",
		"exception": "egress.host",
	}}
}

test_a_denied_host_is_not_also_off_the_allow_list if {
	es := [declared({"url": "https://abc.ngrok.io/", "host": "abc.ngrok.io"})]
	rs := rules(es) with data.microgov.egress.allow as ["*.stripe.com"]
	rs == {"denied_host"}
}

test_an_empty_allow_list_allows_any_host if {
	count(violations([declared({"url": "https://anything.test/", "host": "anything.test"})])) == 0
}

test_a_connector_host_needs_no_allow_list_entry if {
	es := [endpoint({"url": "https://db.example.com/", "host": "db.example.com"})]
	vs := violations(es) with data.microgov.egress.allow as ["*.stripe.com"]
	count(vs) == 0
}

test_a_url_without_a_host_is_neither_denied_nor_off_the_allow_list if {
	es := [declared({"url": "file:///etc/passwd", "scheme": "file", "host": "", "port": null, "issues": ["empty_host"]})]
	rs := rules(es) with data.microgov.egress.allow as ["*.stripe.com"] with data.microgov.egress.deny as ["*", ""]
	rs == {"non_https", "suspicious_url"}
}

# --- every rule at once, as the engine's test manifest gives them

test_each_rule_fires_on_its_url if {
	es := [
		declared({"url": "https://api.stripe.com/", "host": "api.stripe.com"}),
		entry(
			"/spec/egress/1",
			{"url": "http://abc.ngrok.io:8080/hook", "scheme": "http", "host": "abc.ngrok.io", "port": 8080},
		),
		entry("/spec/egress/2", object.union(ip_url("169.254.169.254", "metadata"), {"scheme": "http", "port": 80})),
		entry("/spec/egress/3", {"url": "https://example.com/", "host": "example.com", "issues": ["credentials_in_url"]}),
		entry("/spec/connectors/0/endpoint", object.union(ip_url("10.1.2.3", "private"), {"port": 5432})),
		entry(
			"/spec/connectors/1/endpoint",
			object.union(ip_url("127.0.0.1", "loopback"), {"scheme": "http", "port": 8080}),
		),
	]
	{[v.rule, v.path] | some v in violations(es)} == {
		["denied_host", "/spec/egress/1"],
		["internal_address", "/spec/connectors/1/endpoint"],
		["internal_address", "/spec/egress/2"],
		["non_https", "/spec/egress/1"],
		["non_https", "/spec/egress/2"],
		["port_not_allowed", "/spec/egress/1"],
		["port_not_allowed", "/spec/egress/2"],
		["suspicious_url", "/spec/egress/3"],
	}
}

# --- host patterns

test_wildcard_needs_a_dot_boundary if {
	egress.host_matches("*.example.com", "a.example.com")
	egress.host_matches("*.example.com", "a.b.example.com")
	not egress.host_matches("*.example.com", "example.com")
	not egress.host_matches("*.example.com", "badexample.com")
	not egress.host_matches("*.example.com", ".example.com")
}

test_patterns_ignore_case_and_one_trailing_dot if {
	egress.host_matches("Example.COM", "example.com")
	egress.host_matches("example.com.", "example.com")
	egress.host_matches("example.com", "EXAMPLE.com.")
	egress.host_matches("*.Example.com.", "a.example.com")
	not egress.host_matches("example.com", "example.com..")
}

test_odd_patterns_match_as_natively if {
	not egress.host_matches("", "example.com")
	not egress.host_matches("example.com", "")
	not egress.host_matches("*", "example.com")
	egress.host_matches("*", "*")
	egress.host_matches(".", ".")
	egress.host_matches("*x.example.com", "*x.example.com")
	not egress.host_matches("*x.example.com", "ax.example.com")
}
