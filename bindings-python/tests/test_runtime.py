"""Runtime checks a Python service makes per request: egress and redaction,
against the shared table fixtures/runtime/check_egress.json."""

from __future__ import annotations

from typing import Any, Dict

import pytest

import microgov

from conftest import FIXTURES



def _runtime() -> Dict[str, Any]:
    import json

    return json.loads((FIXTURES / "runtime" / "check_egress.json").read_text(encoding="utf-8"))


RUNTIME = _runtime()
APP = FIXTURES / "runtime" / RUNTIME["app"]


@pytest.mark.parametrize("case", RUNTIME["cases"], ids=lambda c: c["url"][:60])
def test_check_egress(engine: microgov.Engine, case: Dict[str, Any]) -> None:
    eng = microgov.Engine(data=case["data"]) if "data" in case else engine
    v = eng.check_egress(APP, case["url"])
    assert v.code == case["code"], v.reason
    assert v.allowed == (case["code"] == "allowed") == bool(v)
    assert v.reason
    assert (v.matched is not None) == v.allowed
    # The prepared guard gives the same verdict.
    assert eng.egress_guard(APP).check(case["url"]) == v


def test_verdict_shape(engine: microgov.Engine) -> None:
    v = engine.check_egress(APP, "http://api.stripe.com/")
    assert repr(v) == "<EgressVerdict allowed=False code='non_https'>"
    assert v.to_dict()["code"] == "non_https" and v.to_dict()["allowed"] is False


@pytest.mark.parametrize("case", RUNTIME["redact"], ids=lambda c: c["connector"])
def test_redact(engine: microgov.Engine, case: Dict[str, Any]) -> None:
    record = case["record"]
    before = repr(record)
    assert engine.redact(APP, case["connector"], record) == case["expected"]
    assert repr(record) == before, "the caller's record is not changed"


def test_masked_fields(engine: microgov.Engine) -> None:
    assert engine.masked_fields(APP, "crm") == ["email", "phone"]
    assert engine.masked_fields(APP, "billing") == []
    assert engine.masked_fields(APP, "no-such-connector") == []


def _resolved() -> Dict[str, Any]:
    import json

    return json.loads((FIXTURES / "detect" / "egress_resolved.json").read_text(encoding="utf-8"))


RESOLVED = _resolved()
RESOLVED_APP = FIXTURES / "detect" / RESOLVED["app"]


@pytest.mark.parametrize("case", RESOLVED["resolved"], ids=lambda c: f"{c['url'][:40]} {','.join(c['addresses'])}")
def test_check_resolved(engine: microgov.Engine, case: Dict[str, Any]) -> None:
    eng = microgov.Engine(data=case["data"]) if "data" in case else engine
    guard = eng.egress_guard(RESOLVED_APP)
    v = guard.check_resolved(case["url"], case["addresses"])
    assert v.code == case["code"], v.reason
    assert v.allowed == (case["code"] == "allowed")
    assert v.address == case.get("address")
    if guard.check(case["url"]):
        from urllib.parse import urlsplit

        a = guard.check_addresses(urlsplit(case["url"]).hostname or "", case["addresses"])
        assert (a.allowed, a.code, a.address) == (v.allowed, v.code, v.address)


@pytest.mark.parametrize("case", RESOLVED["redirects"], ids=lambda c: f"{c['from']} -> {c['to']}")
def test_check_redirect(engine: microgov.Engine, case: Dict[str, Any]) -> None:
    v = engine.egress_guard(RESOLVED_APP).check_redirect(case["from"], case["to"])
    assert v.code == case["code"], v.reason
    assert v.allowed == (case["code"] == "allowed")


def test_check_resolved_with_a_hostile_resolver(engine: microgov.Engine) -> None:
    import ipaddress

    guard = engine.egress_guard(RESOLVED_APP)
    url = "https://hooks.example.com/v1/events"
    assert guard.check(url).allowed
    # ipaddress objects are accepted as well as text.
    v = guard.check_resolved(url, [ipaddress.ip_address("169.254.169.254")])
    assert v.code == "internal_address"
    assert v.reason == "hooks.example.com resolves to 169.254.169.254, a cloud metadata endpoint"
    ok = guard.check_resolved("https://api.stripe.com/v1", [ipaddress.ip_address("2606:4700:4700::1111")])
    assert ok.allowed and ok.address == "2606:4700:4700::1111"
    with pytest.raises(ValueError, match=r"addresses\[1\]"):
        guard.check_resolved(url, ["93.184.215.14", "not-an-ip"])
