"""Approvals from Python, as the Rust and Node suites check them.

`fixtures/approvals/scopes.json`: which violations an exception with each scope waives
(a scope waives a violation when each item it names is among the violation's).
"""

from __future__ import annotations

import json
from typing import Any, Dict

import pytest

import microgov
from microgov.errors import AuditError

from conftest import FIXTURES

SCOPES: Dict[str, Any] = json.loads((FIXTURES / "approvals" / "scopes.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def scope_engine() -> microgov.Engine:
    return microgov.Engine(data=SCOPES["data"])


def _key(v: Dict[str, Any]) -> str:
    return f"{v.get('policy', '')}.{v.get('rule', '')}@{v.get('path', '')}"


@pytest.mark.parametrize("case", SCOPES["cases"], ids=[c["name"] for c in SCOPES["cases"]])
def test_a_scope_waives_exactly_what_the_table_names(scope_engine: microgov.Engine, case: Dict[str, Any]) -> None:
    approval = dict(SCOPES["approval"], id=case["name"], scope=case["scope"])
    d = scope_engine.evaluate(FIXTURES / "apps" / SCOPES["app"], approvals=[approval], now=SCOPES["now"])
    waived = sorted(_key(w["violation"]) for w in d.waived if w["approval_id"] == case["name"])
    assert waived == case["waives"]
    assert {a["id"]: a["status"] for a in d.approvals} == {case["name"]: case["status"]}


def test_a_connector_violation_names_the_datasets_it_carries(scope_engine: microgov.Engine) -> None:
    d = scope_engine.evaluate(FIXTURES / "apps" / SCOPES["app"], now=SCOPES["now"])
    export = next(v for v in d.violations if v["rule"] == "pii_export_unapproved")
    assert (export["connector"], export["datasets"]) == ("payroll", ["employees"])


STALE: Dict[str, Any] = json.loads((FIXTURES / "approvals" / "stale.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("edit", STALE["edits"], ids=[e["name"] for e in STALE["edits"]])
def test_a_material_edit_makes_bound_approvals_stale(engine: microgov.Engine, edit: Dict[str, Any]) -> None:
    text = (FIXTURES / "apps" / STALE["app"]).read_text(encoding="utf-8")
    old, new = edit["replace"]
    assert old in text
    x = engine.explain(
        text.replace(old, new, 1), approvals=FIXTURES / "approvals" / STALE["approvals_file"], now=STALE["now"]
    )
    assert {a["id"]: a["status"] for a in x["decision"]["approvals"]} == edit["status"]
    assert {a["id"]: a["changes"] for a in x["approvals"] if a.get("changes")} == edit["changes"]
    for a in x["approvals"]:
        assert a["reason"], a


DECISIONS: Dict[str, Any] = json.loads((FIXTURES / "approvals" / "decisions.json").read_text(encoding="utf-8"))
DIRECTORY: Dict[str, Any] = json.loads((FIXTURES / "approvals" / DECISIONS["data"]).read_text(encoding="utf-8"))
HR = FIXTURES / "apps" / "hr-onboarding.yaml"
NOW = DECISIONS["now"]


@pytest.fixture(scope="module")
def directory_engine() -> microgov.Engine:
    return microgov.Engine(data=DIRECTORY)


@pytest.mark.parametrize("case", DECISIONS["cases"], ids=[c["name"] for c in DECISIONS["cases"]])
def test_who_approved_and_until_when_decides_as_the_table_says(
    directory_engine: microgov.Engine, case: Dict[str, Any]
) -> None:
    d = directory_engine.evaluate(FIXTURES / "apps" / DECISIONS["app"], approvals=case["approvals"], now=NOW)
    assert d.required_approvals == case["required_approvals"]
    assert [w["message"] for w in d.warnings if w["rule"] == "approval_expiring"] == case["expiring"]


def _grant(engine: microgov.Engine, **kw: Any) -> Dict[str, Any]:
    args: Dict[str, Any] = dict(roles="security", approver="sec.lead@acme.example", granted="2026-11-20T00:00:00Z")
    args.update(kw)
    return engine.approve(HR, expires=args.pop("expires", "2027-02-20T00:00:00Z"), **args)


def test_approve_binds_an_approval_that_counts_until_a_material_edit(directory_engine: microgov.Engine) -> None:
    a = _grant(directory_engine, id="apr-sec", justification="SEC-1")
    assert (a["id"], a["roles"], a["grantedAt"]) == ("apr-sec", ["security"], "2026-11-20T00:00:00Z")
    assert a["digest"].startswith("sha256:") and "datasets/employees" in a["reviewed"]
    d = directory_engine.evaluate(HR, approvals=[a], now=NOW)
    assert d.approvals == [{"id": "apr-sec", "status": "valid"}]
    edited = HR.read_text(encoding="utf-8").replace("region: aws:us-east-1", "region: aws:us-west-2", 1)
    x = directory_engine.explain(edited, approvals=[a], now=NOW)
    assert [(a["status"], a["changes"]) for a in x["approvals"]] == [("stale", ["connector payroll changed"])]
    # Without an id, one is made from what the approval says.
    assert _grant(directory_engine)["id"].startswith("hr-onboarding-")


def test_a_signed_approval_counts_and_a_forged_or_unsigned_one_does_not(directory_engine: microgov.Engine) -> None:
    keys = FIXTURES / "approvals" / "keys"
    key = (keys / "ciso.key").read_text(encoding="utf-8")
    signed = _grant(directory_engine, id="apr-signed", approver="ciso@acme.example", key=key)
    assert signed["signature"].startswith("\u2014 ciso@acme.example ")
    forged = _grant(
        directory_engine, id="apr-forged", approver="ciso@acme.example", key=(keys / "ciso-other.key").read_text()
    )
    unsigned = _grant(directory_engine, id="apr-unsigned", approver="ciso@acme.example")
    tampered = dict(signed, id="apr-tampered", expiresAt="2027-03-20T00:00:00Z")
    d = directory_engine.evaluate(HR, approvals=[signed, forged, unsigned, tampered], now=NOW)
    assert {a["id"]: a["status"] for a in d.approvals} == {
        "apr-signed": "valid",
        "apr-forged": "bad_signature",
        "apr-unsigned": "bad_signature",
        "apr-tampered": "bad_signature",
    }
    x = directory_engine.explain(HR, approvals=[unsigned, forged], now=NOW)
    reasons = {a["id"]: a["reason"] for a in x["approvals"]}
    assert "not signed" in reasons["apr-unsigned"]
    assert "a key the directory does not hold" in reasons["apr-forged"]


@pytest.mark.parametrize(
    "kw, path, status",
    [
        (dict(approver="lena.schmidt@acme.example"), "/0/approver", "self_approval"),
        (dict(approver="it.helpdesk@acme.example"), "/0/roles", "unverified_role"),
        (dict(scope={"connector": "billing"}), "/0/scope", "scope_mismatch"),
        (dict(expires="2027-11-21T00:00:00Z"), "/0/expiresAt", "too_long"),
    ],
)
def test_approve_refuses_what_could_never_count(
    directory_engine: microgov.Engine, kw: Dict[str, Any], path: str, status: str
) -> None:
    with pytest.raises(microgov.ManifestError) as info:
        _grant(directory_engine, **kw)
    [p] = info.value.problems
    assert (p["code"], p["path"]) == ("manifest.approval_would_not_count", path)
    assert status in p["message"]


def test_approve_names_bad_arguments() -> None:
    engine = microgov.Engine(trust_claimed_roles=True)
    with pytest.raises(microgov.ManifestError) as info:
        _grant(engine, approver="not-an-address")
    assert [(p["code"], p["path"]) for p in info.value.problems] == [("manifest.invalid_email", "/0/approver")]
    with pytest.raises(AuditError) as bad_key:
        _grant(engine, key="PRIVATE+KEY+nope")
    assert bad_key.value.code == "audit.bad_key"
    with pytest.raises(TypeError, match="scope"):
        _grant(engine, scope={"datset": "employees"})
    with pytest.raises(TypeError, match="roles"):
        _grant(engine, roles=[1])
    # Trusted claimed roles: anyone's approval counts (demos and tests only).
    a = _grant(engine, approver="someone@acme.example", roles=["security", "data-governance"])
    assert engine.evaluate(HR, approvals=[a], now=NOW).approvals[0]["status"] == "valid"


def test_a_grant_and_a_revocation_each_leave_their_audit_record(directory_engine: microgov.Engine, tmp_path: Any) -> None:
    key = (FIXTURES / "approvals" / "keys" / "ciso.key").read_text(encoding="utf-8")
    a = _grant(directory_engine, id="apr-signed", approver="ciso@acme.example", key=key)
    path = tmp_path / "audit.jsonl"
    with microgov.AuditLog.open(path, log_id="acme.example/audit") as log:
        log.append_approval(a, {"tenant_id": "acme"})
        revoked = dict(a, revokedAt="2026-12-01T00:00:00Z")
        log.append_approval(revoked, {"principal_id": "sec.lead@acme.example"})
        with pytest.raises(microgov.ManifestError):
            log.append_approval({"id": "x"})
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [(r["action"], r["principal_id"]) for r in records] == [
        ("approval.grant", "ciso@acme.example"),
        ("approval.revoke", "sec.lead@acme.example"),
    ]
    assert records[0]["tenant_id"] == "acme" and records[0]["attrs"]["signed_by"] == "ciso@acme.example"
    assert records[0]["attrs"]["digest"] == a["digest"]
    assert microgov.verify_audit(path).ok
