"""Approvals from Python, as the Rust and Node suites check them.

`fixtures/approvals/scopes.json`: which violations an exception with each scope waives
(a scope waives a violation when each item it names is among the violation's).
"""

from __future__ import annotations

import json
from typing import Any, Dict

import pytest

import microgov

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
