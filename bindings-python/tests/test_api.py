"""The Python surface: the forms each argument takes, the Decision object,
evaluate_many, and the shapes a notebook or a service relies on."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

import microgov
from microgov.errors import ManifestError, MicrogovError

from conftest import FIXTURES, NOW, TABLE_DATA

HR = FIXTURES / "apps" / "hr-onboarding.yaml"
HR_APPROVALS = FIXTURES / "approvals" / "hr-onboarding.yaml"
EXPENSE = FIXTURES / "apps" / "expense-approver.yaml"


def _same(a: microgov.Decision, b: microgov.Decision) -> None:
    assert a.to_dict() == b.to_dict()


class TestManifestForms:
    """A manifest may be a dict, YAML or JSON text, bytes, or a path."""

    def test_path_str_pathlike_text_json_dict_bytes_agree(self, engine: microgov.Engine) -> None:
        yaml = pytest.importorskip("yaml")
        ref = engine.evaluate(HR, now=NOW, decision_id="x")
        text = HR.read_text(encoding="utf-8")
        doc = yaml.safe_load(text)  # timestamps become aware datetimes
        assert isinstance(doc["metadata"]["createdAt"], dt.datetime)
        for form in (str(HR), os.fspath(HR), text, text.encode(), json.dumps(doc, default=str), doc):
            _same(engine.evaluate(form, now=NOW, decision_id="x"), ref)

    def test_json_fixture_equals_yaml_fixture(self, engine: microgov.Engine) -> None:
        a = engine.evaluate(FIXTURES / "apps" / "hr-onboarding.json", now=NOW, decision_id="x")
        b = engine.evaluate(HR, now=NOW, decision_id="x")
        assert a.outcome == b.outcome and a.violations == b.violations and a.tier == b.tier

    def test_missing_file_is_file_not_found(self, engine: microgov.Engine) -> None:
        with pytest.raises(FileNotFoundError) as info:
            engine.evaluate("no/such/app.yaml")
        assert info.value.filename == "no/such/app.yaml"
        with pytest.raises(FileNotFoundError):
            engine.evaluate(Path("no/such/app.yml"))

    def test_wrong_type_is_type_error(self, engine: microgov.Engine) -> None:
        with pytest.raises(TypeError):
            engine.evaluate(42)  # type: ignore[arg-type]

    def test_a_value_without_json_form_is_a_manifest_problem(self, engine: microgov.Engine) -> None:
        # Bad content inside a dict is the manifest's problem, at its pointer (issue 23).
        with pytest.raises(ManifestError) as info:
            engine.evaluate({"metadata": {"bad": object()}})
        assert [(p["code"], p["path"]) for p in info.value.problems] == [("manifest.unsupported_type", "/metadata/bad")]

    def test_non_string_key_is_a_manifest_problem(self, engine: microgov.Engine) -> None:
        with pytest.raises(ManifestError) as info:
            engine.evaluate({1: "x"})
        assert info.value.problems[0]["code"] == "manifest.key_not_string"
        assert info.value.problems[0]["message"] == "key of type int is not a string"

    def test_conversion_errors_name_the_json_pointer(self, engine: microgov.Engine) -> None:
        # Indexes, and keys escaped as RFC 6901 says (~ as ~0, / as ~1).
        def problem(m: object) -> tuple[str, str]:
            with pytest.raises(ManifestError) as info:
                engine.evaluate(m)  # type: ignore[arg-type]
            return info.value.problems[0]["code"], info.value.problems[0]["path"]

        assert problem({"spec": {"datasets": [{}, {"fields": [{"name": object()}]}]}}) == (
            "manifest.unsupported_type",
            "/spec/datasets/1/fields/0/name",
        )
        assert problem({"spec": {"a/b~c": {1: "x"}}}) == ("manifest.key_not_string", "/spec/a~1b~0c")
        assert problem({"spec": {"n": (0, 1, 2**70)}}) == ("manifest.unsafe_integer", "/spec/n/2")

    def test_dict_problems_have_paths(self, engine: microgov.Engine) -> None:
        problems = engine.validate({"apiVersion": "microgov.dev/v1", "kind": "MicroApp", "metadata": {"name": "Bad_Name"}})
        assert problems, "an incomplete manifest has problems"
        assert all(set(p) == {"code", "path", "message"} for p in problems)
        assert any(p["path"] == "/metadata/name" for p in problems)

    def test_validate_is_empty_for_a_valid_manifest(self, engine: microgov.Engine) -> None:
        assert engine.validate(HR) == []

    def test_parse_applies_defaults(self, engine: microgov.Engine) -> None:
        app = engine.parse(HR)
        assert app["metadata"]["name"] == "hr-onboarding"
        assert app["metadata"]["expiresAt"]


class TestArguments:
    def test_now_forms(self, engine: microgov.Engine) -> None:
        ref = engine.evaluate(HR, now=NOW, decision_id="x")
        aware = dt.datetime(2026, 11, 26, 10, tzinfo=dt.timezone.utc)
        naive = dt.datetime(2026, 11, 26, 10)
        other_zone = dt.datetime(2026, 11, 26, 11, tzinfo=dt.timezone(dt.timedelta(hours=1)))
        for now in (aware, naive, other_zone, "2026-11-26T11:00:00+01:00"):
            _same(engine.evaluate(HR, now=now, decision_id="x"), ref)

    def test_bad_now(self, engine: microgov.Engine) -> None:
        with pytest.raises(ValueError, match="RFC 3339"):
            engine.evaluate(HR, now="yesterday")
        with pytest.raises(TypeError):
            engine.evaluate(HR, now=dt.date(2026, 11, 26))  # type: ignore[arg-type]

    def test_approvals_forms(self, engine: microgov.Engine) -> None:
        yaml = pytest.importorskip("yaml")
        ref = engine.evaluate(HR, approvals=HR_APPROVALS, now=NOW, decision_id="x")
        assert {a["status"] for a in ref.approvals} == {"valid"} and len(ref.waived) == 1
        text = HR_APPROVALS.read_text(encoding="utf-8")
        for form in (str(HR_APPROVALS), text, yaml.safe_load(text)):
            _same(engine.evaluate(HR, approvals=form, now=NOW, decision_id="x"), ref)

    def test_invalid_approvals_are_a_manifest_error(self, engine: microgov.Engine) -> None:
        with pytest.raises(ManifestError, match="invalid approvals") as info:
            engine.evaluate(HR, approvals=[{"id": "a"}], now=NOW)
        assert {p["path"] for p in info.value.problems} >= {"/0/app", "/0/approver"}

    def test_extra_context_reaches_policies(self, engine: microgov.Engine) -> None:
        a = engine.evaluate(HR, now=NOW, decision_id="x")
        b = engine.evaluate(HR, now=NOW, decision_id="x", extra={"ticket": "SEC-1"})
        assert a.input_digest != b.input_digest


class TestDecision:
    def test_attributes(self, engine: microgov.Engine) -> None:
        d = engine.evaluate(HR, now=NOW, decision_id="d-1")
        assert d.app == "hr-onboarding"
        assert d.decision_id == "d-1"
        assert d.outcome == "deny"
        assert d.tier == "high"
        v = next(v for v in d.violations if v["rule"] == "cross_border_transfer")
        assert v["policy"] == "residency" and v["path"] == "/spec/connectors/1/region"
        assert {r["role"] for r in d.required_approvals} >= {"security"}
        assert 0 <= d.risk["score"] <= 100 and d.risk["factors"]
        assert d.input_digest.startswith("sha256:")
        assert d.evaluated_at.startswith("2026-11-26T10:00:00")
        assert set(d.policy_revisions) >= {"residency", "governance"}
        assert isinstance(d.warnings, list) and isinstance(d.obligations, list) and d.waived == []

    def test_frozen_and_copies(self, engine: microgov.Engine) -> None:
        d = engine.evaluate(HR, now=NOW)
        with pytest.raises(AttributeError):
            d.outcome = "allow"  # type: ignore[misc]
        d.violations.clear()
        assert d.violations, "attributes are fresh copies"

    def test_to_dict_and_to_json(self, engine: microgov.Engine) -> None:
        d = engine.evaluate(HR, now=NOW, decision_id="d-1")
        as_dict = d.to_dict()
        assert json.loads(d.to_json()) == as_dict
        assert json.loads(d.to_json(indent=2)) == as_dict
        assert "\n  \"" in d.to_json(indent=2)
        assert set(as_dict) >= {
            "decision_id", "app", "outcome", "tier", "risk", "violations", "waived", "warnings",
            "required_approvals", "obligations", "policy_revisions", "input_digest", "evaluated_at",
        }
        assert as_dict["violations"] == d.violations

    def test_from_json_and_pickle(self, engine: microgov.Engine) -> None:
        import pickle

        d = engine.evaluate(HR, now=NOW)
        assert microgov.Decision.from_json(d.to_json()) == d
        assert pickle.loads(pickle.dumps(d)) == d
        with pytest.raises(ValueError):
            microgov.Decision.from_json("{}")

    def test_deterministic_with_fixed_now_and_id(self, engine: microgov.Engine) -> None:
        a = engine.evaluate(HR, now=NOW, decision_id="same")
        b = engine.evaluate(HR, now=NOW, decision_id="same")
        assert a == b and a.to_json() == b.to_json()
        assert a != engine.evaluate(HR, now=NOW, decision_id="other")

    def test_fresh_decision_ids(self, engine: microgov.Engine) -> None:
        assert engine.evaluate(HR, now=NOW).decision_id != engine.evaluate(HR, now=NOW).decision_id

    def test_repr(self, engine: microgov.Engine) -> None:
        d = engine.evaluate(HR, now=NOW)
        assert repr(d) == "<Decision app='hr-onboarding' outcome='deny' tier='high' violations=%d>" % len(d.violations)

    def test_repr_html(self, engine: microgov.Engine) -> None:
        d = engine.evaluate(HR, now=NOW)
        html = d._repr_html_()
        assert "hr-onboarding" in html and "deny" in html and "high" in html
        assert "<table " in html and "cross_border_transfer" in html

    def test_repr_html_escapes_policy_text(self, tmp_path: Path) -> None:
        (tmp_path / "html.rego").write_text(
            'package team.html\n\nimport rego.v1\n\n'
            'deny contains msg if {\n\tinput.app.metadata.name == "hr-onboarding"\n'
            '\tmsg := "<script>alert(1)</script> & \\"quoted\\""\n}\n',
            encoding="utf-8",
        )
        d = microgov.Engine(policy_dirs=[tmp_path]).evaluate(HR, now=NOW)
        assert any(v["message"].startswith("<script>") for v in d.violations)
        html = d._repr_html_()
        assert "<script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quoted&quot;" in html


class TestEvaluateMany:
    def test_same_as_one_by_one_in_order(self, engine: microgov.Engine) -> None:
        files = sorted((FIXTURES / "apps").glob("*.yaml"))
        many = engine.evaluate_many(files * 3, approvals=HR_APPROVALS, now=NOW)
        assert len(many) == len(files) * 3
        for f, d in zip(files * 3, many):
            one = engine.evaluate(f, approvals=HR_APPROVALS, now=NOW)
            assert (d.app, d.outcome, d.tier, d.violations) == (one.app, one.outcome, one.tier, one.violations)

    def test_empty(self, engine: microgov.Engine) -> None:
        assert engine.evaluate_many([]) == []

    def test_first_failure_raises(self, engine: microgov.Engine) -> None:
        with pytest.raises(ManifestError):
            engine.evaluate_many([HR, FIXTURES / "invalid" / "ten-mistakes.yaml"], now=NOW)

    def test_return_exceptions(self, engine: microgov.Engine) -> None:
        out = engine.evaluate_many([HR, FIXTURES / "invalid" / "ten-mistakes.yaml", EXPENSE], now=NOW, return_exceptions=True)
        assert isinstance(out[0], microgov.Decision) and isinstance(out[2], microgov.Decision)
        assert isinstance(out[1], ManifestError) and len(out[1].problems) == 10
        assert out[2].app == "expense-approver"

    def test_generator_input(self, engine: microgov.Engine) -> None:
        out = engine.evaluate_many((p for p in [HR, EXPENSE]), now=NOW)
        assert [d.app for d in out] == ["hr-onboarding", "expense-approver"]

    def _mixed(self, n: int) -> list:
        """Good and bad manifests in several forms, `n` of them, more than
        the pipeline's chunks hold (16), so results come back out of order."""
        yaml = pytest.importorskip("yaml")
        good = yaml.safe_load(HR.read_text(encoding="utf-8"))
        bad = FIXTURES / "invalid" / "ten-mistakes.yaml"
        out: list = []
        for i in range(n):
            if i % 7 == 3:
                out.append(bad)
            elif i % 5 == 1:
                out.append({"kind": "MicroApp", "metadata": {"name": f"broken-{i}"}})
            elif i % 2:
                out.append(EXPENSE)
            else:
                m = json.loads(json.dumps(good, default=str))
                m["metadata"]["name"] = f"app-{i:03d}"
                out.append(m)
        return out

    def test_many_chunks_in_order_with_errors_in_place(self, engine: microgov.Engine) -> None:
        manifests = self._mixed(101)
        out = engine.evaluate_many(manifests, now=NOW, return_exceptions=True)
        assert len(out) == len(manifests)
        for m, got in zip(manifests, out):
            try:
                want = engine.evaluate(m, now=NOW)
            except ManifestError as e:
                assert isinstance(got, ManifestError)
                assert got.problems == e.problems
            else:
                assert isinstance(got, microgov.Decision)
                assert (got.app, got.outcome, got.tier, got.violations, got.input_digest) == (
                    want.app, want.outcome, want.tier, want.violations, want.input_digest)

    def test_many_chunks_first_failure_raises(self, engine: microgov.Engine) -> None:
        manifests = self._mixed(101)
        # The first failure in order is the item at index 1 (the partial dict).
        with pytest.raises(ManifestError) as info:
            engine.evaluate_many(manifests, now=NOW)
        assert info.value.problems == engine.validate(manifests[1])

    def test_unreadable_item_gets_its_own_slot(self, engine: microgov.Engine) -> None:
        # A wrong type far into the input raises TypeError for the call, or with
        # return_exceptions fills its own slot (issue 23); the workers wind down.
        manifests: list = [EXPENSE] * 70 + [42] + [EXPENSE] * 10
        with pytest.raises(TypeError):
            engine.evaluate_many(manifests, now=NOW)
        out = engine.evaluate_many(manifests, now=NOW, return_exceptions=True)
        assert len(out) == 81 and isinstance(out[70], TypeError)
        assert all(isinstance(d, microgov.Decision) for i, d in enumerate(out) if i != 70)
        assert len(engine.evaluate_many([EXPENSE] * 40, now=NOW)) == 40

    def test_generator_that_raises(self, engine: microgov.Engine) -> None:
        def gen():  # type: ignore[no-untyped-def]
            for i in range(50):
                if i == 40:
                    raise KeyError("from the generator")
                yield EXPENSE

        with pytest.raises(KeyError):
            engine.evaluate_many(gen(), now=NOW)

    def test_one_manifest_is_a_type_error(self, engine: microgov.Engine) -> None:
        with pytest.raises(TypeError):
            engine.evaluate_many(str(HR))
        with pytest.raises(TypeError):
            engine.evaluate_many({"kind": "MicroApp"})  # type: ignore[arg-type]


class TestEngine:
    def test_repr_and_revisions(self, engine: microgov.Engine) -> None:
        assert "residency" in repr(engine)
        assert engine.policy_revisions["residency"]
        assert isinstance(engine.compiled, bool)

    def test_frozen(self, engine: microgov.Engine) -> None:
        with pytest.raises(AttributeError):
            engine.compiled = False  # type: ignore[misc]

    def test_explain_names_rule_sources(self, engine: microgov.Engine) -> None:
        e = engine.explain(HR, now=NOW, decision_id="x")
        assert e["decision"] == engine.evaluate(HR, now=NOW, decision_id="x").to_dict()
        v = next(v for v in e["violations"] if v["violation"]["rule"] == "cross_border_transfer")
        assert v["source"]["file"].endswith(".rego") and v["source"]["line"] > 0
        assert e["input"]["app"]["metadata"]["name"] == "hr-onboarding"

    def test_custom_policy_dir_and_data(self, tmp_path: Path) -> None:
        (tmp_path / "team.rego").write_text(
            'package team.naming\n\nimport rego.v1\n\n'
            'violation contains v if {\n\tnot startswith(input.app.metadata.name, data.team.prefix)\n'
            '\tv := {"rule": "prefix", "severity": "low", "message": "bad prefix", "path": "/metadata/name"}\n}\n',
            encoding="utf-8",
        )
        (tmp_path / "data.json").write_text('{"team": {"prefix": "hr-"}}', encoding="utf-8")
        eng = microgov.Engine(policy_dirs=[tmp_path])
        assert not [v for v in eng.evaluate(HR, now=NOW).violations if v["rule"] == "prefix"]
        assert [v for v in eng.evaluate(EXPENSE, now=NOW).violations if v["rule"] == "prefix"]
        eng2 = microgov.Engine(policy_dirs=[str(tmp_path)], data={"team": {"prefix": "expense-"}})
        assert [v for v in eng2.evaluate(HR, now=NOW).violations if v["rule"] == "prefix"]


def test_prepared_app_gives_the_same_decisions(engine: microgov.Engine) -> None:
    prepared = engine.prepare(HR)
    assert prepared.name == "hr-onboarding" and repr(prepared) == "<PreparedApp name='hr-onboarding'>"
    for approvals in (None, HR_APPROVALS):
        a = engine.evaluate(prepared, approvals=approvals, now=NOW, decision_id="x")
        b = engine.evaluate(HR, approvals=approvals, now=NOW, decision_id="x")
        assert a == b
    assert engine.validate(prepared) == []
    assert engine.check_egress(prepared, "https://evil.example/").code == engine.check_egress(HR, "https://evil.example/").code
    assert [d.app for d in engine.evaluate_many([prepared, EXPENSE], now=NOW)] == ["hr-onboarding", "expense-approver"]
    # Prepared by another engine: still right (the core re-evaluates from the manifest).
    other = microgov.Engine(data=TABLE_DATA)
    assert other.evaluate(prepared, now=NOW, decision_id="x") == engine.evaluate(HR, now=NOW, decision_id="x")
    with pytest.raises(ManifestError):
        engine.prepare(FIXTURES / "invalid" / "ten-mistakes.yaml")


def test_module_metadata() -> None:
    assert microgov.__version__
    assert microgov.Engine.__module__ == "microgov"
    assert microgov.Engine.__doc__ and microgov.Engine.evaluate.__doc__ and microgov.Decision.to_dict.__doc__
    # A notebook completes `microgov.` with the public names, not `os` or `List`.
    assert dir(microgov) == sorted(microgov.__all__)
    assert all(hasattr(microgov, name) for name in microgov.__all__)
