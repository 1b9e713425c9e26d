"""Shared pytest fixtures: the repository's `fixtures/` folder and one engine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import microgov

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures"


def table(sub: str) -> Any:
    """The `expected.json` table of a fixtures subfolder."""
    return json.loads((FIXTURES / sub / "expected.json").read_text(encoding="utf-8"))


NOW = table("apps")["now"]

# The data overlay the fixture tables name: the approver directory their approvals rely on.
TABLE_DATA = json.loads((FIXTURES / table("apps")["data"]).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def engine() -> microgov.Engine:
    """One engine with the bundled policies and the tables' data overlay (the approver
    directory), shared by the whole run (as a service would)."""
    return microgov.Engine(data=TABLE_DATA)
