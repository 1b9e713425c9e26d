# Egress: where an app may send data. https only, allowed ports, deny-list
# before allow-list (the allow-list is optional: without one any public host
# may be declared), and never internal or cloud-metadata addresses unless an
# exact-IP exception names them.
#
# microgov parses every spec.egress URL and connector endpoint as WHATWG
# does, tests it natively against data.microgov.egress (the same test as
# the runtime check_egress) and lists each reason for refusal in
# input.findings.checks (core/docs/input.md); this policy decides
# what each means.
package microgov.egress

import rego.v1

# `*.example.com` matches below example.com (dot boundary), never example.com
# itself. For team policies; the bundled checks match natively the same way.
host_matches(pattern, host) if pattern == host

host_matches(pattern, host) if {
	startswith(pattern, "*.")
	endswith(host, substring(pattern, 1, -1))
}

what(c) := c.url if c.url != null

what(c) := c.path if c.url == null

# METADATA
# title: Egress to an internal or metadata address
# description: Declared egress points at loopback, private, link-local, CGNAT, unique-local or cloud metadata addresses (a classic SSRF target); a connector endpoint at loopback, link-local or metadata.
# custom:
#   severity: critical
#   remediation: Remove the entry; internal systems are reached through connectors, and metadata endpoints never.
violation contains v if {
	some c in input.findings.checks.internal_address
	v := {
		"rule": "internal_address",
		"message": sprintf("egress %s resolves to an internal address (%s)", [what(c), c.detail]),
		"path": c.path,
	}
}

# METADATA
# title: Suspicious URL
# description: The URL is malformed or written to confuse parsers (credentials, backslashes, control characters, encoded hosts, homographs).
# custom:
#   severity: high
#   remediation: Write the URL plainly as https://host[:port]/path, without credentials.
violation contains v if {
	some c in input.findings.checks.suspicious_url
	v := {
		"rule": "suspicious_url",
		"message": sprintf("URL at %s is suspicious: %s", [c.path, c.detail]),
		"path": c.path,
	}
}

# METADATA
# title: Egress without TLS
# custom:
#   severity: high
#   remediation: Use https.
violation contains v if {
	some c in input.findings.checks.non_https
	v := {
		"rule": "non_https",
		"message": sprintf("egress %s uses %s; only %s are allowed", [what(c), c.detail, concat(", ", data.microgov.egress.allowed_schemes)]),
		"path": c.path,
	}
}

# METADATA
# title: Egress port not allowed
# custom:
#   severity: medium
#   remediation: Use an allowed port (data.microgov.egress.allowed_ports).
violation contains v if {
	some c in input.findings.checks.port_not_allowed
	v := {
		"rule": "port_not_allowed",
		"message": sprintf("egress %s uses port %s", [what(c), c.detail]),
		"path": c.path,
	}
}

# METADATA
# title: Egress host on the deny-list
# custom:
#   severity: high
#   remediation: Remove the host; the platform denies it.
violation contains v if {
	some c in input.findings.checks.denied_host
	v := {
		"rule": "denied_host",
		"message": sprintf("egress host %s is denied by the platform (%s)", [c.host, c.detail]),
		"path": c.path,
	}
}

# METADATA
# title: Egress host not on the allow-list
# custom:
#   severity: high
#   exception: egress.host
#   remediation: Ask the platform team to add the host to the allow-list, or remove it.
violation contains v if {
	some c in input.findings.checks.host_not_allowed
	v := {
		"rule": "host_not_allowed",
		"message": sprintf("egress host %s is not on the platform allow-list", [c.host]),
		"path": c.path,
		"exception": "egress.host",
	}
}
