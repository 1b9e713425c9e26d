"""The shared fixture tables, checked from Python exactly as the Rust suite checks them.

`fixtures/apps/expected.json`: every seed scenario's tier and risk factors
and, where the table has one, its decision, through the one comparator `canonical`.
`fixtures/invalid/expected.json`: every broken manifest's exact (code, path) set.
`fixtures/approvals/expected.json`: how each approval is judged, and the exact
problems of broken approvals files.
"""

from __future__ import annotations

import json

from collections import Counter
from typing import Any, Dict, List, Optional

import pytest

import microgov
from microgov.errors import ManifestError

from conftest import FIXTURES, NOW, table

APPS = table("apps")
INVALID = table("invalid")
APPROVALS = table("approvals")


def _files(sub: str) -> List[str]:
    return sorted(p.name for p in (FIXTURES / sub).iterdir() if p.name != "expected.json")


def test_every_fixture_file_has_an_expectation() -> None:
    assert set(_files("apps")) == set(APPS["apps"])
    assert set(_files("invalid")) == set(INVALID)


def _decide(engine: microgov.Engine, file: str, exp: Dict[str, Any]) -> microgov.Decision:
    approvals = exp.get("approvals_file")
    return engine.evaluate(
        FIXTURES / "apps" / file,
        approvals=FIXTURES / "approvals" / approvals if approvals else None,
        now=NOW,
        decision_id="fixture",
    )


@pytest.mark.parametrize("file", sorted(APPS["apps"]))
def test_seed_scenario(engine: microgov.Engine, file: str) -> None:
    exp = APPS["apps"][file]
    d = _decide(engine, file, exp)
    assert d.tier == exp["tier"]
    assert {f["factor"] for f in d.risk["factors"]} == set(exp["factors"])
    assert d.evaluated_at.startswith(NOW[:19])
    app = engine.parse(FIXTURES / "apps" / file)
    assert app["metadata"]["expiresAt"].replace("+00:00", "Z") == exp["expires_at"]
    if "same_as" in exp:
        assert app == engine.parse(FIXTURES / "apps" / exp["same_as"])
    assert engine.lifecycle(FIXTURES / "apps" / file, now=NOW)["state"] == exp["lifecycle"]
    assert "<undefined>" not in d.to_json(), f"{file}: the decision holds an undefined value"
    want = wanted(exp)
    if want is not None:
        assert canonical(d.to_dict()) == want


def canonical(d: Dict[str, Any]) -> Dict[str, Any]:
    """The one comparator of the shared table (Rust and Node write the same function): a decision as
    canonical sorted strings, `policy.rule@path` for a violation, `policy.rule@path by approval_id`
    for a waived one, the role of each missing approval, `type:connector:field,field` (fields sorted)
    for an obligation object, a string obligation as it is."""

    def key(v: Dict[str, Any]) -> str:
        return f"{v.get('policy', '')}.{v.get('rule', '')}@{v.get('path', '')}"

    def obligation(o: Any) -> str:
        if isinstance(o, str):
            return o
        fields = ",".join(sorted(f for f in o.get("fields", []) if isinstance(f, str)))
        return f"{o.get('type', '')}:{o.get('connector', '')}:{fields}"

    return {
        "outcome": d["outcome"],
        "tier": d["tier"],
        "factors": sorted(f["factor"] for f in d["risk"]["factors"]),
        "violations": sorted(map(key, d["violations"])),
        "waived": sorted(f"{key(w['violation'])} by {w['approval_id']}" for w in d["waived"]),
        "required_approvals": sorted(r["role"] for r in d["required_approvals"]),
        "obligations": sorted(map(obligation, d["obligations"])),
    }


def wanted(exp: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """What the table says `canonical` gives for one app: its tier and factors and the decision
    (of the app it is the `same_as`, if any), the lists sorted."""
    decision = (APPS["apps"][exp["same_as"]] if "same_as" in exp else exp).get("decision")
    if decision is None:
        return None
    want = {**decision, "tier": exp["tier"], "factors": exp["factors"]}
    return {k: sorted(v) if isinstance(v, list) else v for k, v in want.items()}


def test_most_scenarios_have_a_decision() -> None:
    assert sum("decision" in e for e in APPS["apps"].values()) >= 12


def _pairs(problems: List[Dict[str, Any]]) -> Counter:
    return Counter((p["code"], p["path"]) for p in problems)


@pytest.mark.parametrize("file", sorted(INVALID))
def test_invalid_manifest(engine: microgov.Engine, file: str) -> None:
    want = INVALID[file]
    path = FIXTURES / "invalid" / file
    problems = engine.validate(path)
    assert _pairs(problems) == _pairs(want)
    for p in problems:
        assert p["message"].strip(), p
    for w in want:
        if "message_contains" in w:
            hit = next(p for p in problems if (p["code"], p["path"]) == (w["code"], w["path"]))
            assert w["message_contains"] in hit["message"]
    # evaluate refuses it with the same problems, as text too.
    with pytest.raises(ManifestError) as info:
        engine.evaluate(path.read_text(encoding="utf-8"), now=NOW)
    assert info.value.code == "manifest.invalid"
    assert _pairs(info.value.problems) == _pairs(want)


def _approval_engines() -> Dict[str, microgov.Engine]:
    """The table's three engines: with its directory overlay, bundled, trusting claimed roles."""
    directory = json.loads((FIXTURES / "approvals" / APPROVALS["directory"]).read_text(encoding="utf-8"))
    return {
        "status": microgov.Engine(data=directory),
        "status_bundled": microgov.Engine(),
        "status_trusted": microgov.Engine(trust_claimed_roles=True),
    }


@pytest.mark.parametrize("file", sorted(APPROVALS["files"]))
def test_approvals_fixture(engine: microgov.Engine, file: str) -> None:
    exp = APPROVALS["files"][file]
    path = FIXTURES / "approvals" / file
    if "problems" in exp:
        with pytest.raises(ManifestError) as info:
            engine.evaluate(FIXTURES / "apps" / "hr-onboarding.yaml", approvals=path, now=APPROVALS["now"])
        assert _pairs(info.value.problems) == _pairs(exp["problems"])
        return
    app = FIXTURES / "apps" / exp["app"]
    for column, judge in _approval_engines().items():
        d = judge.evaluate(app, approvals=path, now=APPROVALS["now"])
        assert {a["id"]: a["status"] for a in d.approvals} == exp[column], column
