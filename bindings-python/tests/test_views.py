"""Notebook views: the decision's diagram and HTML, the audit report's HTML, the inventory
summary and chart, and the README's code, which must run as written."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import matplotlib  # type: ignore[import-not-found,import-untyped,unused-ignore]
import pytest

import microgov
from conftest import FIXTURES, NOW, REPO

SVG = "{http://www.w3.org/2000/svg}"


def hr(engine: microgov.Engine) -> microgov.Decision:
    return engine.evaluate(
        str(FIXTURES / "apps/hr-onboarding.yaml"),
        approvals=str(FIXTURES / "approvals/hr-onboarding.yaml"),
        now=NOW,
    )


def test_diagram_draws_the_waived_transfer_dashed_in_every_format(engine: microgov.Engine) -> None:
    d = hr(engine)
    root = ET.fromstring(d.diagram())
    assert root.tag == SVG + "svg" and root.get("role") == "img"
    edge = next(
        g
        for g in root.iter(SVG + "g")
        if g.get("data-from") == "dataset:employees" and g.get("data-to") == "connector:payroll"
    )
    assert edge.get("data-verdict") == "waived"
    path = edge.find(SVG + "path")
    assert path is not None and path.get("stroke-dasharray") and path.get("stroke") == "#9a6700"
    assert "-.->" in d.diagram("mermaid")
    assert "style=dashed" in d.diagram(format="dot")
    assert d.diagram() == hr(engine).diagram(), "the same decision draws the same bytes"


def test_diagram_refuses_an_unknown_format_and_a_decision_without_its_app(engine: microgov.Engine) -> None:
    d = hr(engine)
    with pytest.raises(ValueError, match="unknown diagram format 'png'"):
        d.diagram("png")
    back = microgov.Decision.from_json(d.to_json())
    assert back == d
    with pytest.raises(ValueError, match="does not know its app"):
        back.diagram()
    assert "<svg" not in back._repr_html_(), "without its app the view has no diagram, and no error"


def test_decision_html_has_the_diagram_warnings_obligations_and_factors_left_aligned(
    engine: microgov.Engine,
) -> None:
    d = engine.evaluate(str(FIXTURES / "apps/crm-data-extractor.yaml"), now=NOW)
    page = d._repr_html_()
    assert "<svg" in page and 'data-app="crm-data-extractor"' in page
    for heading in ["Violations", "Missing approvals", "Obligations", "Risk factors"]:
        assert f">{heading}</div>" in page, heading
    for f in d.risk["factors"]:
        assert f"<code>{f['factor']}</code>" in page
    assert "mask" in page
    cells = re.findall(r"<t[dh] style=\"([^\"]*)\"", page)
    assert cells and all("text-align:left" in c for c in cells)


def test_decision_html_lists_warnings(engine: microgov.Engine, tmp_path: Path) -> None:
    policy = tmp_path / "p"
    policy.mkdir()
    (policy / "w.rego").write_text(
        'package team.notes\nimport rego.v1\nwarn contains {"rule": "note", "message": "a <b>long</b> note"} if true\n'
    )
    eng = microgov.Engine(policy_dirs=[policy])
    d = eng.evaluate(str(FIXTURES / "apps/readonly-dashboard.yaml"), now=NOW)
    assert d.warnings
    page = d._repr_html_()
    assert ">Warnings</div>" in page and "a &lt;b&gt;long&lt;/b&gt; note" in page


def test_verify_report_html_names_the_status_and_where_it_broke() -> None:
    good = microgov.verify_audit(str(FIXTURES / "audit/good.jsonl"))
    page = good._repr_html_()
    assert "intact" in page and f"{good.records} record(s) verified" in page
    bad = microgov.verify_audit(str(FIXTURES / "audit/edited_record.jsonl"), raise_on_tamper=False)
    page = bad._repr_html_()
    assert "tampered" in page and "<code>edited_record</code>" in page


def test_inventory_summary_counts_by_tier_and_outcome() -> None:
    df = microgov.inventory(str(FIXTURES / "apps"), now=NOW)
    rows: Any = df.to_dict("records") if hasattr(df, "to_dict") else df
    summary = microgov.views.inventory_summary(df, within_days=14, now=NOW)
    assert summary.total == len(rows)
    for tier in ("high", "medium", "low"):
        for outcome in ("deny", "review", "allow"):
            want = sum(1 for r in rows if r["tier"] == tier and r["outcome"] == outcome)
            assert summary.counts.get((tier, outcome), 0) == want
    names = [n for n, _ in summary.expiring]
    assert "slack-runbook-deploy" in names and "incident-triage" in names
    assert "readonly-dashboard" not in names
    assert "<table" in summary._repr_html_() and "tier" in repr(summary)
    assert microgov.views.inventory_summary(rows, now=NOW).counts == summary.counts, "a list of dicts too"
    with pytest.raises(TypeError):
        microgov.views.inventory_summary({"name": "x"})


def test_plot_inventory_draws_one_bar_segment_per_tier_and_outcome(tmp_path: Path) -> None:
    matplotlib.use("Agg")
    df = microgov.inventory(str(FIXTURES / "apps"), now=NOW)
    ax = microgov.views.plot_inventory(df)
    summary = microgov.views.inventory_summary(df, now=NOW)
    heights = sorted(int(p.get_height()) for p in ax.patches if p.get_height() > 0)
    assert heights == sorted(v for v in summary.counts.values() if v > 0)
    ax.figure.savefig(tmp_path / "inventory.png")
    assert (tmp_path / "inventory.png").stat().st_size > 1000


@pytest.mark.parametrize("readme", ["README.md", "bindings-python/README.md"])
def test_readme_python_examples_run(readme: str, monkeypatch: pytest.MonkeyPatch) -> None:
    matplotlib.use("Agg")
    text = (REPO / readme).read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, readme
    monkeypatch.chdir(REPO)
    for block in blocks:
        exec(compile(block, f"{readme} python block", "exec"), {"__name__": "readme"})
