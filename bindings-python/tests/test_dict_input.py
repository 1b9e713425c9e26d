"""A manifest dict is validated straight from its Python objects (the fast
path of `evaluate`, `validate`, `parse`...). These tests hold it to the
general path, which converts the document to JSON first: a read-only
`MappingProxyType` of the same dict takes that path.
"""

from __future__ import annotations

import copy
import datetime as dt
import enum
import math
import types
from typing import Any, Callable, Dict, List

import pytest

import microgov

from conftest import FIXTURES, NOW, table

yaml = pytest.importorskip("yaml")

APPS = sorted(table("apps")["apps"])
# Documents PyYAML reads as a mapping (it keeps the last of duplicate keys;
# the size and depth limits are for parsing text, not for Python objects).
INVALID = sorted(
    f
    for f in table("invalid")
    if f.endswith(".yaml")
    and not f.startswith(("syntax-error", "duplicate-key", "billion-laughs", "too-deep", "invalid-timestamp", "wrong-type-document"))
)


def _load(sub: str, file: str) -> Any:
    return yaml.safe_load((FIXTURES / sub / file).read_text(encoding="utf-8"))


def _general(doc: Any) -> Any:
    return types.MappingProxyType(doc)


def _outcome(call: Callable[[], Any]) -> Any:
    """The result of `call`, or its exception's type and message."""
    try:
        return ("ok", call())
    except Exception as e:  # noqa: BLE001 - the comparison is the point
        return ("raised", type(e).__name__, str(e), getattr(e, "problems", None))


@pytest.mark.parametrize("file", APPS)
def test_every_app_fixture_reads_the_same_both_ways(engine: microgov.Engine, file: str) -> None:
    doc = _load("apps", file)
    assert engine.parse(doc) == engine.parse(_general(doc)) == engine.parse(FIXTURES / "apps" / file)
    fast = engine.evaluate(doc, now=NOW, decision_id="same").to_dict()
    general = engine.evaluate(_general(doc), now=NOW, decision_id="same").to_dict()
    assert fast == general


@pytest.mark.parametrize("file", INVALID)
def test_every_invalid_fixture_fails_the_same_both_ways(engine: microgov.Engine, file: str) -> None:
    doc = _load("invalid", file)
    problems = engine.validate(doc)
    assert problems, "an invalid manifest passed as a dict"
    assert problems == engine.validate(_general(doc))


class Level(enum.IntEnum):
    HIGH = 365


class Name(str):
    pass


def _base() -> Dict[str, Any]:
    doc = _load("bench", "typical.yaml")
    assert isinstance(doc, dict)
    return doc


def _set(path: List[Any], value: Any) -> Callable[[Dict[str, Any]], None]:
    def apply(doc: Dict[str, Any]) -> None:
        target: Any = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return apply


MUTATIONS: Dict[str, Callable[[Dict[str, Any]], None]] = {
    "unchanged": lambda d: None,
    "timestamps as strings": _set(["metadata", "createdAt"], "2026-11-01T09:00:00Z"),
    "naive datetime (taken as UTC)": _set(["metadata", "createdAt"], dt.datetime(2026, 11, 1, 9)),
    "aware datetime with an offset": _set(
        ["metadata", "createdAt"], dt.datetime(2026, 11, 1, 10, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    ),
    "datetime with microseconds": _set(["metadata", "createdAt"], dt.datetime(2026, 11, 1, 9, 0, 0, 250, tzinfo=dt.timezone.utc)),
    "datetime west of UTC": _set(
        ["metadata", "expiresAt"], dt.datetime(2027, 1, 30, 4, 30, tzinfo=dt.timezone(-dt.timedelta(hours=4, minutes=30)))
    ),
    "datetime with an offset in seconds": _set(
        ["metadata", "createdAt"], dt.datetime(2026, 11, 1, 9, tzinfo=dt.timezone(dt.timedelta(seconds=30)))
    ),
    "a date": _set(["metadata", "createdAt"], dt.date(2026, 11, 1)),
    "tuple of roles": _set(["spec", "auth", "roles"], ("viewer", "admin")),
    "str subclass": _set(["metadata", "name"], Name("typical-ops-portal")),
    "IntEnum retention": _set(["spec", "datasets", 0, "retentionDays"], Level.HIGH),
    "bool retention": _set(["spec", "datasets", 0, "retentionDays"], True),
    "float retention": _set(["spec", "datasets", 0, "retentionDays"], 180.0),
    "huge int retention": _set(["spec", "datasets", 0, "retentionDays"], 10**30),
    "NaN in config": _set(["spec", "connectors", 0, "config", "ratio"], math.nan),
    "bytes in config": _set(["spec", "connectors", 0, "config", "blob"], b"\x00"),
    "nested config": _set(["spec", "connectors", 0, "config", "pool"], {"min": 1, "max": [4, 8]}),
    "non-str key in labels": _set(["metadata", "labels"], {1: "one"}),
    "lone surrogate in a name": _set(["metadata", "owner"], "jane\udc80@acme.example"),
    "mapping proxy inside": _set(["spec", "auth"], types.MappingProxyType({"sso": "oidc", "mfa": True})),
    "None for an optional member": _set(["spec", "purpose"], None),
    "None for a required member": _set(["spec", "datasets", 0, "classification"], None),
    "env with every scalar": _set(["spec", "env"], {"A": "x", "B": 1, "C": 1.5, "D": True, "E": None}),
    "env with a list": _set(["spec", "env"], {"A": [1]}),
    "datetimes in env": _set(
        ["spec", "env"],
        {"UTC": dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc), "NAIVE": dt.datetime(2026, 1, 2, 3, 4, 5, 6)},
    ),
    "datetimes in config": _set(
        ["spec", "connectors", 0, "config"],
        {"at": [dt.datetime(2026, 1, 2, tzinfo=dt.timezone(-dt.timedelta(hours=5))), dt.date(2026, 1, 2), dt.time(7, 30)]},
    ),
    "unknown key": _set(["spec", "colour"], "blue"),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_python_values_read_the_same_both_ways(engine: microgov.Engine, name: str) -> None:
    doc = copy.deepcopy(_base())
    MUTATIONS[name](doc)
    fast = _outcome(lambda: engine.parse(doc))
    general = _outcome(lambda: engine.parse(_general(doc)))
    assert fast == general
    assert _outcome(lambda: engine.validate(doc)) == _outcome(lambda: engine.validate(_general(doc)))


def test_the_mutations_cover_both_outcomes(engine: microgov.Engine) -> None:
    outcomes = set()
    for mutate in MUTATIONS.values():
        doc = copy.deepcopy(_base())
        mutate(doc)
        outcomes.add(_outcome(lambda: engine.parse(doc))[0] == "ok" and not engine.validate(doc))
    assert outcomes == {True, False}


def test_a_value_that_changes_the_dict_while_it_is_read_is_an_error_not_a_panic(engine: microgov.Engine) -> None:
    doc = copy.deepcopy(_base())

    class Sneaky(dt.datetime):
        @property
        def year(self) -> int:  # type: ignore[override]
            doc["metadata"]["sneaked"] = True
            return super().year

    doc["metadata"]["createdAt"] = Sneaky(2026, 11, 1, 9, tzinfo=dt.timezone.utc)
    with pytest.raises(microgov.errors.MicrogovError) as info:
        engine.evaluate(doc, now=NOW)
    assert any(p["path"] == "/metadata/sneaked" for p in info.value.problems)


def test_a_mapping_that_changes_its_parent_while_it_is_read_is_an_error_not_a_panic(engine: microgov.Engine) -> None:
    from collections.abc import Mapping
    from typing import Iterator

    doc = copy.deepcopy(_base())
    metadata = dict(doc["metadata"])

    class Sneaky(Mapping):  # type: ignore[type-arg]
        def __getitem__(self, key: str) -> Any:
            return metadata[key]

        def __iter__(self) -> Iterator[str]:
            doc["sneaked"] = True
            return iter(metadata)

        def __len__(self) -> int:
            return len(metadata)

    doc["metadata"] = Sneaky()
    with pytest.raises(microgov.errors.MicrogovError):
        engine.evaluate(doc, now=NOW)
