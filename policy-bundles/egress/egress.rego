# Egress: where an app may send data. https only, allowed ports, deny-list
# before allow-list (the allow-list is optional: without one any public host
# may be declared), and never internal or cloud-metadata addresses unless an
# exact-IP exception names them.
#
# The facts are input.findings.egress: every spec.egress URL (declared: true)
# and every connector endpoint (declared: false), parsed as WHATWG does, with
# the canonical host, the effective port and IP, the IP's class (also for a
# wildcard-DNS name such as 10.0.0.1.nip.io, whose ip stays null), whether it
# is a cloud metadata endpoint, and the issues of its writing
# (core/docs/findings.md). A URL that does not parse has url, scheme, host,
# port, ip and ip_class null and the issue unparseable. The limits are in
# data.microgov.egress.
#
# A declared entry is held to every rule below. A connector endpoint may be
# private (an internal database, any scheme or port, any host) but never
# loopback, link-local, unspecified or a metadata service, and it must not be
# written to confuse parsers: only internal_address and suspicious_url apply
# to it.
package microgov.egress

import rego.v1

# METADATA
# title: Egress to an internal or metadata address
# description: >-
#   Declared egress points at loopback, private, link-local, CGNAT, unique-local or cloud
#   metadata addresses (a classic SSRF target); a connector endpoint at loopback,
#   link-local or metadata.
# custom:
#   severity: critical
#   remediation: >-
#     Remove the entry; internal systems are reached through connectors, and metadata
#     endpoints never.
violation contains v if {
	# internal_address (below) says which entries reach what; an ip in ip_exceptions is never internal.
	some i, detail in internal_address
	e := input.findings.egress[i]
	not e.ip in data.microgov.egress.ip_exceptions
	v := {
		"rule": "internal_address",
		"message": sprintf("egress %s resolves to an internal address (%s)", [what(e), detail]),
		"path": e.path,
	}
}

# METADATA
# title: Suspicious URL
# description: >-
#   The URL is malformed or written to confuse parsers (credentials, backslashes, control
#   characters, encoded hosts, homographs).
# custom:
#   severity: high
#   remediation: Write the URL plainly as https://host[:port]/path, without credentials.
violation contains v if {
	# Every entry, declared or not: one violation per issue listed in suspicious_issues.
	some e in input.findings.egress
	some issue in e.issues
	issue in data.microgov.egress.suspicious_issues
	v := {
		"rule": "suspicious_url",
		"message": sprintf("URL at %s is suspicious: %s", [e.path, issue]),
		"path": e.path,
	}
}

# METADATA
# title: Egress without TLS
# description: >-
#   A declared entry uses a scheme outside data.microgov.egress.allowed_schemes (no rule
#   when that list is empty).
# custom:
#   severity: high
#   remediation: Use https.
violation contains v if {
	count(data.microgov.egress.allowed_schemes) > 0
	some e in input.findings.egress
	e.declared
	e.scheme != null
	not e.scheme in data.microgov.egress.allowed_schemes
	v := {
		"rule": "non_https",
		"message": sprintf(
			"egress %s uses %s; only %s are allowed",
			[what(e), e.scheme, concat(", ", data.microgov.egress.allowed_schemes)],
		),
		"path": e.path,
	}
}

# METADATA
# title: Egress port not allowed
# description: >-
#   A declared entry's effective port (explicit, else the scheme's default) is outside
#   data.microgov.egress.allowed_ports (no rule when that list is empty).
# custom:
#   severity: medium
#   remediation: Use an allowed port (data.microgov.egress.allowed_ports).
violation contains v if {
	count(data.microgov.egress.allowed_ports) > 0
	some e in input.findings.egress
	e.declared
	e.port != null
	not e.port in data.microgov.egress.allowed_ports
	v := {
		"rule": "port_not_allowed",
		"message": sprintf("egress %s uses port %s", [what(e), format_int(e.port, 10)]),
		"path": e.path,
	}
}

# METADATA
# title: Egress host on the deny-list
# description: >-
#   A declared entry's host matches a pattern of data.microgov.egress.deny; the message
#   names the first such pattern in the list.
# custom:
#   severity: high
#   remediation: Remove the host; the platform denies it.
violation contains v if {
	# One test rules out the hosts no deny pattern can match (most); then the first that does.
	some e in input.findings.egress
	e.declared
	is_string(e.host)
	strings.any_suffix_match(trim_suffix(lower(e.host), "."), deny_suffixes)
	ranks := {deny_rank[key] | some key in patterns_of(e.host)}
	count(ranks) > 0
	pattern := data.microgov.egress.deny[min(ranks)]
	v := {
		"rule": "denied_host",
		"message": sprintf("egress host %s is denied by the platform (%s)", [e.host, pattern]),
		"path": e.path,
	}
}

# METADATA
# title: Egress host not on the allow-list
# description: >-
#   data.microgov.egress.allow is not empty and a declared entry's host matches none of
#   its patterns (a host on the deny-list is reported as denied only).
# custom:
#   severity: high
#   exception: egress.host
#   remediation: Ask the platform team to add the host to the allow-list, or remove it.
violation contains v if {
	count(data.microgov.egress.allow) > 0
	some e in input.findings.egress
	e.declared
	is_string(e.host)
	e.host != ""
	not matches_any(e.host, allow_keys, allow_suffixes)
	not matches_any(e.host, deny_keys, deny_suffixes)
	v := {
		"rule": "host_not_allowed",
		"message": sprintf("egress host %s is not on the platform allow-list", [e.host]),
		"path": e.path,
		"exception": "egress.host",
	}
}

# How a message names an entry: its URL, or its path when the URL did not parse.
what(e) := e.url if e.url != null

else := e.path

# The internal address each entry reaches, by its position in input.findings.egress, as
# internal_address names it; entries that reach none are absent. The definitions exclude
# one another, worst reason first. A declared entry: "metadata" for a cloud metadata
# endpoint (by IP or by name), else its ip_class when internal_ip_classes lists it, else
# "local name" for a localhost name.
internal_address[i] := "metadata" if {
	some i, e in input.findings.egress
	e.metadata
	e.declared
}

internal_address[i] := e.ip_class if {
	some i, e in input.findings.egress
	e.ip_class != null
	e.declared
	not e.metadata
	e.ip_class in internal_classes
}

internal_address[i] := "local name" if {
	some i, e in input.findings.egress
	"localhost_name" in e.issues
	e.declared
	not e.metadata
	not e.ip_class in internal_classes
}

# A connector endpoint: its ip_class when that is loopback, link_local, metadata or
# unspecified (a private, CGNAT, unique-local, multicast or reserved endpoint is allowed).
internal_address[i] := e.ip_class if {
	some i, e in input.findings.egress
	e.ip_class != null
	not e.declared
	e.ip_class in {"loopback", "link_local", "metadata", "unspecified"}
}

# data.microgov.egress.internal_ip_classes; none when the data has none.
default internal_classes := []

internal_classes := data.microgov.egress.internal_ip_classes

# Host patterns: `*.example.com` matches any name below example.com at a dot boundary
# (a.example.com, a.b.example.com), never example.com itself nor badexample.com; any
# other pattern matches the equal host. ASCII case and one trailing dot are ignored on
# either side; an empty host matches nothing. The rules do not match each pattern of a
# list against each host: they look the host's patterns_of up among the list's keys.
host_matches(pattern, host) if pattern_key(pattern) in patterns_of(host)

# Whether a pattern whose key is in `keys` matches host. `suffixes` (suffixes_of the
# patterns) rules most hosts out in one test.
matches_any(host, keys, suffixes) if {
	strings.any_suffix_match(trim_suffix(lower(host), "."), suffixes)
	count(patterns_of(host) & keys) > 0
}

# The keys of every pattern that matches host: the host itself, and `*` followed by each
# `.domain` ending of the host with something before the dot (a.b.example.com:
# a.b.example.com, *.b.example.com, *.example.com, *.com). Undefined for an empty host.
patterns_of(host) := {"."} if host == "."

else := keys if {
	is_string(host)
	name := trim_suffix(lower(host), ".")
	name != ""
	keys := {name} | {concat("", ["*", substring(name, dot, -1)]) |
		some dot in indexof_n(name, ".")
		dot > 0
	}
}

# A pattern as matched: lowercase, one trailing dot dropped (not from ".").
pattern_key(pattern) := pattern if pattern == "."

else := trim_suffix(lower(pattern), ".")

# What a host matched by one of these patterns ends with, lowercase and without one
# trailing dot: `*.domain`'s `.domain`, another pattern's name (an ending of it).
suffixes_of(patterns) := {trim_suffix(trim_prefix(lower(p), "*"), ".") | some p in patterns}

# Each deny key with the position of the first deny pattern that has it.
deny_rank := {key: i |
	some i, key in deny_list
	not key in array.slice(deny_list, 0, i)
}

# The deny-list's keys, in data order.
deny_list := [pattern_key(p) | some p in data.microgov.egress.deny]

deny_keys := {key | some key in deny_list}

deny_suffixes := suffixes_of(data.microgov.egress.deny)

# The allow-list's keys.
allow_keys := {pattern_key(p) | some p in data.microgov.egress.allow}

allow_suffixes := suffixes_of(data.microgov.egress.allow)
