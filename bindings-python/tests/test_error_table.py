"""The shared table of errors (fixtures/errors/expected.json): the same bad input gives
the same code, message and fields here as in the Node binding
(bindings-node/__test__/errors.spec.mjs reads the same table)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

import microgov
from microgov.errors import MicrogovError

from conftest import FIXTURES, table

TABLE = table("errors")
FIELDS = ("problems", "file", "line", "seq", "kind", "field")


def shape(e: MicrogovError, log: Path | None) -> dict[str, Any]:
    """The error as the table writes it: code, message and the fields that are set."""

    def norm(v: Any) -> Any:
        return v.replace(str(log), "{file}") if log is not None and isinstance(v, str) else v

    out: dict[str, Any] = {"code": e.code, "message": norm(str(e))}
    for name in FIELDS:
        v = getattr(e, name, None)
        if v is not None:
            out[name] = [dict(p) for p in v] if name == "problems" else norm(v)
    return out


def run(case: dict[str, Any], engine: microgov.Engine, tmp: Path) -> tuple[MicrogovError, Path | None]:
    manifest: Any = (FIXTURES / TABLE["manifest"]).read_text(encoding="utf-8")
    approvals: Any = None
    if "manifest_file" in case:
        manifest = (FIXTURES / case["manifest_file"]).read_text(encoding="utf-8")
    if "manifest_value" in case:
        manifest = case["manifest_value"]
    if "approvals_file" in case:
        approvals = (FIXTURES / case["approvals_file"]).read_text(encoding="utf-8")
    if "approvals_value" in case:
        approvals = case["approvals_value"]
    if "approvals_text" in case:
        approvals = case["approvals_text"]
    log = tmp / "audit.jsonl"
    with pytest.raises(MicrogovError) as info:
        if "audit_open" in case:
            shutil.copy(FIXTURES / case["audit_open"], log)
            microgov.AuditLog.open(log)
        elif "audit_append" in case:
            with microgov.AuditLog.open(log) as audit:
                audit.append(case["audit_append"])
        elif case.get("audit_open_twice"):
            with microgov.AuditLog.open(log):
                microgov.AuditLog.open(log)
        else:
            engine.evaluate(manifest, approvals, TABLE["now"])
    is_audit = any(k.startswith("audit_") for k in case)
    return info.value, log if is_audit else None


@pytest.mark.parametrize("case", TABLE["cases"], ids=[c["name"] for c in TABLE["cases"]])
def test_error_table(case: dict[str, Any], engine: microgov.Engine, tmp_path: Path) -> None:
    err, log = run(case, engine, tmp_path)
    assert shape(err, log) == case["error"]
    assert "\n" not in str(err) and not str(err).endswith(".")


def test_the_table_covers_every_invalid_manifest() -> None:
    files = {p.name for p in (FIXTURES / "invalid").iterdir() if p.name != "expected.json"}
    named = {Path(c["manifest_file"]).name for c in TABLE["cases"] if "manifest_file" in c}
    assert files == named
