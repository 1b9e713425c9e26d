"""Errors: one hierarchy under microgov.errors, stable codes, never a crash."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import microgov
from microgov import errors
from microgov.errors import ManifestError, MicrogovError, PolicyError

from conftest import FIXTURES, NOW

HR = FIXTURES / "apps" / "hr-onboarding.yaml"


def test_hierarchy() -> None:
    for name in errors.__all__:
        cls = getattr(errors, name)
        assert issubclass(cls, MicrogovError), name
        assert cls.__module__ == "microgov.errors"
        assert cls.__doc__
    assert issubclass(MicrogovError, Exception) and not issubclass(MicrogovError, RuntimeError)
    assert issubclass(errors.TamperedLogError, errors.AuditError)


def test_class_defaults_when_raised_from_python() -> None:
    e = ManifestError("x")
    assert e.code == "manifest.invalid" and list(e.problems) == []
    assert errors.TamperedLogError("x").seq is None
    assert PolicyError("x").file is None


def test_manifest_error_lists_every_problem() -> None:
    with pytest.raises(ManifestError) as info:
        microgov.Engine().evaluate(FIXTURES / "invalid" / "ten-mistakes.yaml")
    e = info.value
    assert e.code == "manifest.invalid"
    assert len(e.problems) == 10
    # Read from a file: each problem also says where it is in it.
    assert all(set(p) == {"code", "path", "message", "line", "column"} for p in e.problems)
    assert "10 problem(s)" in str(e)


def test_policy_parse_error_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "broken.rego").write_text("package team.broken\n\nimport rego.v1\n\nviolation contains v if {\n\tv := \n}\n", encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        microgov.Engine(policy_dirs=[tmp_path])
    e = info.value
    assert e.code == "policy.parse"
    assert e.file is not None and e.file.endswith("broken.rego")
    assert e.line is not None and e.line >= 5
    # One formatter everywhere: `file:line:col: message`, the source line, a caret; no banner.
    first, source, caret = str(e).split("\n")
    assert re.match(r".*broken\.rego:\d+:\d+: \S", first), first
    assert first.startswith(e.file + ":" + str(e.line) + ":")
    assert re.match(rf"  {e.line} \| ", source), source
    assert caret.endswith("^") and "|" in caret, caret
    assert "-->" not in str(e)


def test_team_package_inside_a_bundled_root_names_both_files() -> None:
    team = FIXTURES / "policies" / "claims-pii"
    with pytest.raises(PolicyError) as info:
        microgov.Engine(policy_dirs=[team])
    e = info.value
    assert e.code == "policy.bundled_package"
    assert e.file == str(team / "pii_extra.rego") and e.line == 4
    assert str(team / "pii_extra.rego") in str(e)
    assert "policy-bundles/pii/pii.rego" in str(e)


def test_policy_dir_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(MicrogovError) as info:
        microgov.Engine(policy_dirs=[tmp_path / "nope"])
    assert info.value.code.startswith(("policy.", "io"))


def test_bad_data_is_a_policy_error() -> None:
    with pytest.raises(PolicyError) as info:
        microgov.Engine(data={"microgov": {"governance": {"approvers": "not a directory"}}})
    assert info.value.code == "policy.bad_data"


def test_runtime_policy_error(tmp_path: Path) -> None:
    # A violation must be an object or a string: a number is an unreadable result.
    (tmp_path / "odd.rego").write_text("package team.odd\n\nimport rego.v1\n\nviolation contains 42 if true\n", encoding="utf-8")
    eng = microgov.Engine(policy_dirs=[tmp_path])
    with pytest.raises(PolicyError) as info:
        eng.evaluate(HR, now=NOW)
    assert info.value.code == "policy.bad_result"
    assert "team.odd" in str(info.value)


def test_panic_becomes_microgov_error() -> None:
    # A private hook panics inside the same guard every call goes through.
    from microgov import _microgov

    with pytest.raises(MicrogovError) as info:
        _microgov._guarded_panic()  # type: ignore[attr-defined]
    assert type(info.value) is MicrogovError
    assert info.value.code == "internal"
    assert "deliberate panic" in str(info.value)
    # The module keeps working afterwards.
    assert microgov.Engine().evaluate(HR, now=NOW).app == "hr-onboarding"


def test_lifecycle_errors() -> None:
    from microgov.errors import LifecycleError

    eng = microgov.Engine()
    renewed = eng.renew(HR, "2027-03-01T00:00:00Z", now=NOW)
    assert renewed["metadata"]["expiresAt"].startswith("2027-03-01")
    with pytest.raises(LifecycleError) as info:
        eng.renew(HR, "2026-01-01T00:00:00Z", now=NOW)
    assert info.value.code == "lifecycle.in_past"
    with pytest.raises(LifecycleError) as info:
        eng.renew(HR, "2036-01-01T00:00:00Z", now=NOW)
    assert info.value.code == "lifecycle.too_long"
    retired = eng.retire(HR, now="2026-11-20T00:00:00Z")
    assert retired["metadata"]["retiredAt"].startswith("2026-11-20")
    assert eng.lifecycle(retired, now=NOW)["state"] == "retired"
    assert eng.evaluate(retired, now=NOW).outcome == "deny"
    with pytest.raises(LifecycleError) as info:
        eng.renew(retired, "2027-03-01T00:00:00Z", now=NOW)
    assert info.value.code == "lifecycle.retired"


def test_problems_in_text_carry_the_line_of_their_mistake() -> None:
    yaml = pytest.importorskip("yaml")
    eng = microgov.Engine()
    path = FIXTURES / "invalid" / "ten-mistakes.yaml"
    text = path.read_text(encoding="utf-8")
    marked = {i + 1 for i, line in enumerate(text.splitlines()) if "# mistake" in line}
    assert len(marked) == 10
    for source in (path, text):
        problems = eng.validate(source)
        assert {p["line"] for p in problems} == marked, problems
        assert all(p["column"] >= 1 for p in problems)
    with pytest.raises(ManifestError) as info:
        eng.evaluate(text, now=NOW)
    assert {p["line"] for p in info.value.problems} == marked
    # A dict has no text to point into: the same problems, without lines.
    from_dict = eng.validate(yaml.safe_load(text))
    assert all("line" not in p and "column" not in p for p in from_dict)
    assert [(p["code"], p["path"]) for p in from_dict] == [(p["code"], p["path"]) for p in eng.validate(text)]
    syntax = eng.validate(FIXTURES / "invalid" / "syntax-error.yaml")
    assert len(syntax) == 1 and f"line {syntax[0]['line']} " in syntax[0]["message"]
