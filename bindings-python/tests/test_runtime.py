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
