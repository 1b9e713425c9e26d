package microgov.delivery_test

import rego.v1

import data.microgov.delivery

complete := {
	"supplyChain": {
		"sbom": "oci://registry.acme.example/apps/x:sbom",
		"signature": "oci://registry.acme.example/apps/x:sig",
		"slsaLevel": 3,
		"scan": {"at": "2026-11-20T00:00:00Z", "critical": 0, "high": 2},
	},
	"observability": {"auditEvents": true, "logShipping": "splunk://acme/apps", "traces": true},
}

doc(tier, spec, age) := {"app": {"spec": spec}, "findings": {"risk": {"tier": tier}, "lifecycle": {"scan_age_days": age}}}

rules(tier, spec, age) := {v.rule | some v in delivery.violation with input as doc(tier, spec, age)}

warnings(tier, spec, age) := {v.rule | some v in delivery.warn with input as doc(tier, spec, age)}

test_a_complete_high_tier_app_passes if {
	rules("high", complete, 6) == set()
	warnings("high", complete, 6) == set()
}

test_a_low_tier_app_needs_none_of_it if {
	rules("low", {}, null) == set()
	warnings("low", {}, null) == set()
}

test_a_medium_tier_app_without_declarations_misses_each if {
	rules("medium", {}, null) == {
		"sbom_missing", "signature_missing", "scan_missing",
		"audit_events_missing", "log_shipping_missing",
	}
	warnings("medium", {}, null) == {"traces_missing"}
}

test_high_tier_needs_slsa_2 if {
	low_slsa := object.union(complete, {"supplyChain": object.union(complete.supplyChain, {"slsaLevel": 1})})
	rules("high", low_slsa, 6) == {"slsa_too_low"}
	rules("medium", low_slsa, 6) == set()
	no_level := {"supplyChain": object.remove(complete.supplyChain, ["slsaLevel"]), "observability": complete.observability}
	rules("high", no_level, 6) == {"slsa_too_low"}
}

test_a_scan_older_than_the_limit_is_stale if {
	rules("medium", complete, 31) == {"scan_stale"}
	rules("medium", complete, 30) == set()
}

test_open_criticals_fail_whatever_the_tier if {
	crit := object.union(complete, {"supplyChain": object.union(complete.supplyChain, {"scan": {"at": "2026-11-20T00:00:00Z", "critical": 1, "high": 0}})})
	rules("low", crit, 6) == {"scan_criticals"}
}

test_empty_references_count_as_missing if {
	empty := {"supplyChain": object.union(complete.supplyChain, {"sbom": ""}), "observability": object.union(complete.observability, {"logShipping": ""})}
	rules("medium", empty, 6) == {"sbom_missing", "log_shipping_missing"}
}
