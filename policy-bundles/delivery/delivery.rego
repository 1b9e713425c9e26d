# Delivery: how an app was built and what it records, by risk tier (the seed articles'
# supply-chain controls, "SBOM, signatures and SCA scans for medium and high tiers, SLSA
# for high", and "if it can't be traced and audited, it shouldn't ship"). Parameters:
# data.microgov.delivery.
#
# Facts: input.app.spec.supplyChain and .observability as declared;
# input.findings.risk.tier; input.findings.lifecycle.scan_age_days, whole days since the
# last scan (null without one).
package microgov.delivery

import rego.v1

tier := input.findings.risk.tier

# Absent members read as {} or null (defaults and object.get, not `not x.y`: regorus
# 0.14.1's compiled VM gets `not` over a path through an absent object wrong). Each is read
# by its path, so the engine builds only these members of input.app.spec.
default supply := {}

supply := input.app.spec.supplyChain

scan := object.get(supply, "scan", null)

default observability := {}

observability := input.app.spec.observability

# Where a finding about a block points: the block, or spec when the app has none.
default supply_path := "/spec"

supply_path := "/spec/supplyChain" if is_object(input.app.spec.supplyChain)

default observability_path := "/spec"

observability_path := "/spec/observability" if is_object(input.app.spec.observability)

declared(obj, key) if {
	value := object.get(obj, key, null)
	is_string(value)
	value != ""
}

# Each parameter by its own path: data.microgov.delivery as a whole is this package too.
needs("sbom_tiers") if tier in data.microgov.delivery.sbom_tiers

needs("signature_tiers") if tier in data.microgov.delivery.signature_tiers

needs("scan_tiers") if tier in data.microgov.delivery.scan_tiers

needs("observability_tiers") if tier in data.microgov.delivery.observability_tiers

# METADATA
# title: SBOM missing
# description: A medium or high tier app declares no software bill of materials (spec.supplyChain.sbom).
# custom:
#   severity: high
#   remediation: Publish the app's SBOM (SPDX or CycloneDX) and reference it in spec.supplyChain.sbom.
violation contains v if {
	needs("sbom_tiers")
	not declared(supply, "sbom")
	v := {
		"rule": "sbom_missing",
		"message": sprintf("a %s tier app declares no SBOM", [tier]),
		"path": supply_path,
	}
}

# METADATA
# title: Signature missing
# description: A medium or high tier app is not signed (spec.supplyChain.signature).
# custom:
#   severity: high
#   remediation: Sign the app's artifact (cosign, Sigstore) and reference the signature in spec.supplyChain.signature.
violation contains v if {
	needs("signature_tiers")
	not declared(supply, "signature")
	v := {
		"rule": "signature_missing",
		"message": sprintf("a %s tier app declares no signature", [tier]),
		"path": supply_path,
	}
}

# METADATA
# title: SLSA level too low
# description: The app's SLSA build level is below what its tier needs (data.microgov.delivery.min_slsa_level).
# custom:
#   severity: medium
#   remediation: Build the app on a pipeline that reaches the required SLSA level and declare it.
violation contains v if {
	required := data.microgov.delivery.min_slsa_level[tier]
	level := object.get(supply, "slsaLevel", 0)
	level < required
	v := {
		"rule": "slsa_too_low",
		"message": sprintf("a %s tier app needs SLSA level %d, it declares %d", [tier, required, level]),
		"path": "/spec/supplyChain/slsaLevel",
	}
}

# METADATA
# title: Dependency scan missing
# description: A medium or high tier app declares no dependency (SCA) scan.
# custom:
#   severity: high
#   remediation: Scan the app's dependencies and record the scan in spec.supplyChain.scan.
violation contains v if {
	needs("scan_tiers")
	scan == null
	v := {
		"rule": "scan_missing",
		"message": sprintf("a %s tier app declares no dependency scan", [tier]),
		"path": supply_path,
	}
}

# METADATA
# title: Dependency scan too old
# description: The last dependency scan is older than data.microgov.delivery.max_scan_age_days.
# custom:
#   severity: medium
#   remediation: Scan the dependencies again and update spec.supplyChain.scan.
violation contains v if {
	needs("scan_tiers")
	is_object(scan)
	age := input.findings.lifecycle.scan_age_days
	is_number(age)
	age > data.microgov.delivery.max_scan_age_days
	v := {
		"rule": "scan_stale",
		"message": sprintf("the last dependency scan is %d days old, more than %d", [age, data.microgov.delivery.max_scan_age_days]),
		"path": "/spec/supplyChain/scan/at",
	}
}

# METADATA
# title: Open critical findings
# description: The last dependency scan left more critical findings open than data.microgov.delivery.max_open_critical.
# custom:
#   severity: high
#   remediation: Fix or upgrade the dependencies with critical findings, scan again and update spec.supplyChain.scan.
violation contains v if {
	is_object(scan)
	scan.critical > data.microgov.delivery.max_open_critical
	v := {
		"rule": "scan_criticals",
		"message": sprintf("the last dependency scan left %d critical finding(s) open", [scan.critical]),
		"path": "/spec/supplyChain/scan/critical",
	}
}

# METADATA
# title: Audit events missing
# description: A medium or high tier app does not write audit events (spec.observability.auditEvents).
# custom:
#   severity: high
#   remediation: Write audit events to the platform's audit log and set spec.observability.auditEvents.
violation contains v if {
	needs("observability_tiers")
	object.get(observability, "auditEvents", false) != true
	v := {
		"rule": "audit_events_missing",
		"message": sprintf("a %s tier app writes no audit events", [tier]),
		"path": observability_path,
	}
}

# METADATA
# title: Log shipping missing
# description: A medium or high tier app does not ship its logs (spec.observability.logShipping).
# custom:
#   severity: medium
#   remediation: Ship the app's logs to the SIEM or log platform and name the target in spec.observability.logShipping.
violation contains v if {
	needs("observability_tiers")
	not declared(observability, "logShipping")
	v := {
		"rule": "log_shipping_missing",
		"message": sprintf("a %s tier app ships its logs nowhere", [tier]),
		"path": observability_path,
	}
}

# METADATA
# title: Traces missing
# description: A medium or high tier app emits no traces (spec.observability.traces).
# custom:
#   severity: low
#   remediation: Emit traces (OpenTelemetry) and set spec.observability.traces.
warn contains v if {
	needs("observability_tiers")
	object.get(observability, "traces", false) != true
	v := {
		"rule": "traces_missing",
		"message": sprintf("a %s tier app emits no traces", [tier]),
		"path": observability_path,
	}
}
