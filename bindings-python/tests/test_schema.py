"""The one wire schema (``core/docs/schema/``, generated from the Rust types): the TypedDicts of
``microgov.types`` declare exactly its properties, and what the module returns validates against it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple, get_type_hints

import pytest

import microgov
from microgov import types

from conftest import FIXTURES, NOW, REPO, table

jsonschema = pytest.importorskip("jsonschema")

SCHEMA = REPO / "core" / "docs" / "schema"

# Each TypedDict and the schema object it declares: (file, None) is the file's root, else one of its $defs.
TYPED: List[Tuple[type, str, str | None]] = [
    (types.DecisionDict, "decision.json", None),
    (types.Risk, "decision.json", "Risk"),
    (types.RiskFactor, "decision.json", "Factor"),
    (types.Waived, "decision.json", "Waived"),
    (types.RequiredApproval, "decision.json", "RequiredApproval"),
    (types.ApprovalUse, "decision.json", "ApprovalUse"),
    (types.Violation, "violation.json", None),
    (types.Problem, "problem.json", None),
    (types.Explanation, "explanation.json", None),
    (types.ExplainedViolation, "explanation.json", "ExplainedViolation"),
    (types.ExplainedApproval, "explanation.json", "ExplainedApproval"),
    (types.RuleSite, "explanation.json", "RuleSite"),
    (types.RuleMetadata, "explanation.json", "RuleMetadata"),
    (types.Receipt, "receipt.json", None),
    (types.VerifyReportDict, "verify-report.json", None),
    (types.Checkpoint, "verify-report.json", "Checkpoint"),
]
# `Tamper` is flattened into the verify report, so it has no TypedDict of its own.
FLATTENED = {"Tamper"}

def load(file: str) -> Dict[str, Any]:
    return json.loads((SCHEMA / file).read_text(encoding="utf-8"))


def shape(root: Dict[str, Any], node: Dict[str, Any]) -> Dict[str, bool]:
    """An object schema's property names, each with whether it is always present: the
    properties of the object, of what it `$ref`s and of its `oneOf`/`anyOf` branches (a
    flattened enum), required when required by the object or by every branch."""
    if "$ref" in node:
        rest = {k: v for k, v in node.items() if k != "$ref"}
        return {**shape(root, root["$defs"][node["$ref"].rsplit("/", 1)[-1]]), **shape(root, rest)}
    out = {k: k in node.get("required", []) for k in node.get("properties", {})}
    for key in ("oneOf", "anyOf"):
        branches = [shape(root, b) for b in node.get(key, []) if b.get("type") != "null"]
        for name in {n for b in branches for n in b}:
            always = all(b.get(name, False) for b in branches)
            out[name] = out.get(name, False) or always
    for part in node.get("allOf", []):
        for name, req in shape(root, part).items():
            out[name] = out.get(name, False) or req
    return out


def declared(cls: type) -> Dict[str, bool]:
    required = getattr(cls, "__required_keys__")
    return {name: name in required for name in get_type_hints(cls)}


@pytest.mark.parametrize("cls,file,name", TYPED, ids=[c.__name__ for c, _, _ in TYPED])
def test_typed_dict_matches_the_schema(cls: type, file: str, name: str | None) -> None:
    root = load(file)
    assert declared(cls) == shape(root, root if name is None else root["$defs"][name])


def test_every_schema_object_has_a_typed_dict() -> None:
    # A type is one definition in every file that uses it, so its name identifies it.
    names = {n if n is not None else load(f)["title"] for _, f, n in TYPED}
    for path in sorted(SCHEMA.glob("*.json")):
        root = load(path.name)
        assert root["title"] in names, path.name
        for name, node in root.get("$defs", {}).items():
            if "properties" in node and name not in FLATTENED:
                assert name in names, (path.name, name)


# ------------------------------------------------------------------ what the module returns


def validator(file: str) -> Any:
    return jsonschema.Draft202012Validator(load(file))


def assert_valid(v: Any, doc: Any, what: str) -> None:
    errors = [f"{e.message} at {list(e.absolute_path)}" for e in v.iter_errors(doc)]
    assert not errors, (what, errors)


def _apps() -> Iterator[Tuple[str, Dict[str, Any]]]:
    return iter(sorted(table("apps")["apps"].items()))


def test_every_fixture_decision_and_explanation_validates(engine: microgov.Engine) -> None:
    decision, explanation = validator("decision.json"), validator("explanation.json")
    for file, exp in _apps():
        approvals = FIXTURES / "approvals" / exp["approvals_file"] if "approvals_file" in exp else None
        app = FIXTURES / "apps" / file
        assert_valid(decision, engine.evaluate(app, approvals=approvals, now=NOW).to_dict(), file)
        assert_valid(explanation, engine.explain(app, approvals=approvals, now=NOW), file)
    broken = engine.evaluate(FIXTURES / "apps" / "hr-onboarding.yaml", now=NOW).to_dict()
    broken["outcome"] = "maybe"
    assert not decision.is_valid(broken)


def test_every_problem_of_the_invalid_fixtures_validates(engine: microgov.Engine) -> None:
    v = validator("problem.json")
    files = [f for f in table("invalid") if f != "about"]
    problems = [(f, p) for f in files for p in engine.validate(FIXTURES / "invalid" / f)]
    assert problems
    for f, p in problems:
        assert_valid(v, p, f)


def test_verify_reports_and_receipts_validate(tmp_path: Path) -> None:
    v = validator("verify-report.json")
    statuses = set()
    for log in sorted((FIXTURES / "audit").glob("*.jsonl")):
        report = microgov.verify_audit(log, raise_on_tamper=False).to_dict()
        assert_valid(v, report, log.name)
        statuses.add(report["status"])
    assert {"intact", "tampered"} <= statuses
    with microgov.AuditLog.open(tmp_path / "audit.jsonl", log_id="acme.example/audit") as log:
        receipt = log.append({"action": "app.register", "app_id": "x"})
    assert_valid(validator("receipt.json"), receipt, "receipt")
