# The connector catalog: which kinds of system an app may connect to, grouped as Power
# Platform DLP policies group connectors (business, non-business, blocked), with the
# scopes each may request and its default rate limit (data.microgov.catalog.connectors).
#
# Facts (input.findings.catalog.connectors, one per connector in manifest order): name,
# index, type as written, access, external (the manifest's word, else the catalog
# entry's, else judged from the endpoint), scopes, rate_limit (the manifest's
# rateLimit, requests per minute, or null) and suggestion (the nearest catalog type to
# an unknown one, or null).
package microgov.catalog

import rego.v1

entries := data.microgov.catalog.connectors

# The catalog entry of a connector whose type the catalog lists.
entry(c) := entries[c.type]

# The classes of the app's connectors that the catalog lists (blocked ones aside).
groups contains entry(c).class if {
	some c in input.findings.catalog.connectors
	entry(c).class != "blocked"
}

hint(c) := sprintf(" (did you mean \"%s\"?)", [c.suggestion]) if is_string(c.suggestion)

else := ""

# METADATA
# title: Connector not in the catalog
# description: >-
#   A connector's type is not an entry of data.microgov.catalog.connectors: only approved
#   connectors may be used (the seed articles' connector catalog).
# custom:
#   severity: high
#   remediation: Use a connector type from the catalog, or ask the platform team to certify this one.
violation contains v if {
	some c in input.findings.catalog.connectors
	not entries[c.type]
	v := {
		"rule": "unknown_connector_type",
		"message": sprintf("connector %s has type \"%s\", which the connector catalog does not list%s", [c.name, c.type, hint(c)]),
		"path": sprintf("/spec/connectors/%d/type", [c.index]),
		"connector": c.name,
	}
}

# METADATA
# title: Blocked connector
# description: The connector's catalog entry is in the blocked group; no app may use it.
# custom:
#   severity: high
#   remediation: Remove the connector; use an approved connector of the business group instead.
violation contains v if {
	some c in input.findings.catalog.connectors
	entry(c).class == "blocked"
	v := {
		"rule": "blocked_connector",
		"message": sprintf("connector %s uses %s, which the connector catalog blocks", [c.name, c.type]),
		"path": sprintf("/spec/connectors/%d/type", [c.index]),
		"connector": c.name,
	}
}

# METADATA
# title: Business and non-business connectors mixed
# description: >-
#   The app uses connectors of both the business and the non-business group, so data could
#   move between them (the data loss prevention rule of Power Platform's DLP policies).
# custom:
#   severity: high
#   remediation: Use connectors of one group only; replace the non-business connector with a business one.
violation contains v if {
	"business" in groups
	some c in input.findings.catalog.connectors
	entry(c).class == "non-business"
	v := {
		"rule": "connector_groups_mixed",
		"message": sprintf("connector %s (%s) is non-business, and the app also uses business connectors", [c.name, c.type]),
		"path": sprintf("/spec/connectors/%d/type", [c.index]),
		"connector": c.name,
	}
}

# METADATA
# title: Scope beyond the catalog's
# description: >-
#   A connector requests a scope its catalog entry does not allow (least privilege: the entry's
#   scopes list what an app may ask for; an entry without a list leaves scopes to its owner).
# custom:
#   severity: medium
#   remediation: Request only the scopes the catalog lists for this connector.
violation contains v if {
	some c in input.findings.catalog.connectors
	allowed := entry(c).scopes
	is_array(allowed)
	some i, scope in c.scopes
	not scope in allowed
	v := {
		"rule": "scope_not_allowed",
		"message": sprintf("connector %s requests scope \"%s\", which the catalog does not allow for %s", [c.name, scope, c.type]),
		"path": sprintf("/spec/connectors/%d/scopes/%d", [c.index, i]),
		"connector": c.name,
	}
}

# The rate limit a connector runs with: its own, else its catalog entry's default.
rate_limit(c) := c.rate_limit if is_number(c.rate_limit)

else := entry(c).rate_limit_per_minute if is_number(entry(c).rate_limit_per_minute)

# METADATA
# title: Write connector to an internal system without a rate limit
# description: >-
#   A connector that writes to an internal (shared) system has no rate limit: neither its own
#   rateLimit nor a default in its catalog entry (runtime quotas protect shared services).
# custom:
#   severity: medium
#   remediation: Set rateLimit (requests per minute) on the connector.
violation contains v if {
	some c in input.findings.catalog.connectors
	c.access == "write"
	not c.external
	entries[c.type]
	not rate_limit(c)
	v := {
		"rule": "rate_limit_missing",
		"message": sprintf("connector %s writes to an internal system without a rate limit", [c.name]),
		"path": sprintf("/spec/connectors/%d", [c.index]),
		"connector": c.name,
	}
}

# METADATA
# title: Rate limit above the catalog's
# description: A connector's rateLimit is above the default its catalog entry allows.
# custom:
#   severity: medium
#   remediation: Lower rateLimit to the catalog's limit, or ask the system's owners to raise it.
violation contains v if {
	some c in input.findings.catalog.connectors
	is_number(c.rate_limit)
	limit := entry(c).rate_limit_per_minute
	is_number(limit)
	c.rate_limit > limit
	v := {
		"rule": "rate_limit_too_high",
		"message": sprintf("connector %s allows %d requests a minute, more than the catalog's %d for %s", [c.name, c.rate_limit, limit, c.type]),
		"path": sprintf("/spec/connectors/%d/rateLimit", [c.index]),
		"connector": c.name,
	}
}
