# Egress: where an app may send data. https only, allowed ports, deny-list
# before allow-list (the allow-list is optional: without one any public host
# may be declared), and never internal or cloud-metadata addresses unless an
# exact-IP exception names them.
package microgov.egress

import rego.v1


# `*.example.com` matches below example.com (dot boundary), never example.com itself.
host_matches(pattern, host) if pattern == host

host_matches(pattern, host) if {
	startswith(pattern, "*.")
	endswith(host, substring(pattern, 1, -1))
}

declared contains f if {
	some f in input.findings.egress
	startswith(f.path, "/spec/egress/")
}

excepted_ips := {ip | some ip in data.microgov.egress.ip_exceptions}

internal_classes := {c | some c in data.microgov.egress.internal_ip_classes}

# Pointers of the declared entries that reach internal or metadata addresses.
internal_paths contains f.path if {
	some f in declared
	f.ip_class in internal_classes
}

internal_paths contains f.path if {
	some f in declared
	f.metadata
}

internal_paths contains f.path if {
	some f in declared
	"localhost_name" in f.issues
}

# METADATA
# title: Egress to an internal or metadata address
# description: Declared egress points at loopback, private, link-local, CGNAT, unique-local or cloud metadata addresses (a classic SSRF target).
# custom:
#   severity: critical
#   remediation: Remove the entry; internal systems are reached through connectors, and metadata endpoints never.
violation contains v if {
	some f in declared
	f.path in internal_paths
	not f.ip in excepted_ips
	v := {
		"rule": "internal_address",
		"message": sprintf("egress %s resolves to an internal address (%s)", [object.get(f, "url", f.path), object.get(f, "ip_class", "metadata")]),
		"path": f.path,
	}
}

# Connector endpoints may be private (an internal database), but never
# loopback, link-local or a metadata service.
violation contains v if {
	some f in input.findings.egress
	startswith(f.path, "/spec/connectors/")
	f.ip_class in {"loopback", "link_local", "metadata", "unspecified"}
	not f.ip in excepted_ips
	v := {
		"rule": "internal_address",
		"severity": "critical",
		"message": sprintf("connector endpoint %s points at a %s address", [object.get(f, "url", f.path), f.ip_class]),
		"path": f.path,
	}
}

# METADATA
# title: Suspicious URL
# description: The URL is malformed or written to confuse parsers (credentials, backslashes, control characters, encoded hosts, homographs).
# custom:
#   severity: high
#   remediation: Write the URL plainly as https://host[:port]/path, without credentials.
violation contains v if {
	some f in input.findings.egress
	some issue in f.issues
	issue in data.microgov.egress.suspicious_issues
	v := {
		"rule": "suspicious_url",
		"message": sprintf("URL at %s is suspicious: %s", [f.path, issue]),
		"path": f.path,
	}
}

# METADATA
# title: Egress without TLS
# custom:
#   severity: high
#   remediation: Use https.
violation contains v if {
	some f in declared
	f.scheme != null
	not f.scheme in data.microgov.egress.allowed_schemes
	v := {
		"rule": "non_https",
		"message": sprintf("egress %s uses %s; only %s are allowed", [object.get(f, "url", f.path), f.scheme, concat(", ", data.microgov.egress.allowed_schemes)]),
		"path": f.path,
	}
}

# METADATA
# title: Egress port not allowed
# custom:
#   severity: medium
#   remediation: Use an allowed port (data.microgov.egress.allowed_ports).
violation contains v if {
	some f in declared
	f.port != null
	not f.port in data.microgov.egress.allowed_ports
	v := {
		"rule": "port_not_allowed",
		"message": sprintf("egress %s uses port %d", [object.get(f, "url", f.path), f.port]),
		"path": f.path,
	}
}

# Deny-list patterns split once per evaluation: exact names in a set, and
# the suffix (".example.com") of each "*.example.com" wildcard.
deny_exact := {lower(p) | some p in data.microgov.egress.deny; not startswith(p, "*.")}

deny_suffixes := {lower(substring(p, 1, -1)) | some p in data.microgov.egress.deny; startswith(p, "*.")}

# METADATA
# title: Egress host on the deny-list
# custom:
#   severity: high
#   remediation: Remove the host; the platform denies it.
violation contains v if {
	some f in declared
	f.host in deny_exact
	v := {
		"rule": "denied_host",
		"message": sprintf("egress host %s is denied by the platform", [f.host]),
		"path": f.path,
	}
}

violation contains v if {
	some f in declared
	not f.host in deny_exact
	some suffix in deny_suffixes
	endswith(f.host, suffix)
	v := {
		"rule": "denied_host",
		"message": sprintf("egress host %s is denied by the platform (*%s)", [f.host, suffix]),
		"path": f.path,
	}
}

allowlisted(host) if {
	some pattern in data.microgov.egress.allow
	host_matches(pattern, host)
}

# METADATA
# title: Egress host not on the allow-list
# custom:
#   severity: high
#   exception: egress.host
#   remediation: Ask the platform team to add the host to the allow-list, or remove it.
violation contains v if {
	count(data.microgov.egress.allow) > 0
	some f in declared
	f.host != null
	not allowlisted(f.host)
	v := {
		"rule": "host_not_allowed",
		"message": sprintf("egress host %s is not on the platform allow-list", [f.host]),
		"path": f.path,
		"exception": "egress.host",
	}
}
