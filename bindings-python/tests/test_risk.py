"""The risk tiers from Python, as the Rust and Node suites check them.

`fixtures/risk/shapes.json`: app shapes and the tier each must get, calibrated against
the seed articles' tier definitions (a shape is `base` with its `spec` members over the
base's).
"""

from __future__ import annotations

import copy
import json
from typing import Any, Dict

import pytest

import microgov

from conftest import FIXTURES

SHAPES: Dict[str, Any] = json.loads((FIXTURES / "risk" / "shapes.json").read_text(encoding="utf-8"))


def _manifest(shape: Dict[str, Any]) -> Dict[str, Any]:
    m = copy.deepcopy(SHAPES["base"])
    m["spec"].update(shape["spec"])
    return m


@pytest.mark.parametrize("shape", SHAPES["shapes"], ids=[s["name"] for s in SHAPES["shapes"]])
def test_each_shape_gets_its_tier(engine: microgov.Engine, shape: Dict[str, Any]) -> None:
    d = engine.evaluate(_manifest(shape), now="2026-11-26T10:00:00Z")
    assert d.tier == shape["tier"], d.risk
    assert sorted(f["factor"] for f in d.risk["factors"]) == sorted(shape["factors"])


def test_the_shapes_span_every_tier_and_factors_say_how_to_lower_them(engine: microgov.Engine) -> None:
    assert len(SHAPES["shapes"]) >= 20
    assert {s["tier"] for s in SHAPES["shapes"]} == {"low", "medium", "high"}
    partner = next(s for s in SHAPES["shapes"] if s["name"] == "a read-only call to a partner API")
    factors = {f["factor"]: f for f in engine.evaluate(_manifest(partner)).risk["factors"]}
    assert "api.partner.example" in factors["external_connector"]["detail"]
    assert "external: false" in factors["external_connector"]["remedy"]
    assert "remedy" not in factors["environment"]
