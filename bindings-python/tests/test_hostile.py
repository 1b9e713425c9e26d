"""Hostile values at the language boundary (fixtures/errors/hostile.json, issue 23): each
is refused with the table's code and path, the same as in the Node binding
(bindings-node/__test__/hostile.spec.mjs reads the same table), and none crashes the
interpreter. The cases run in a child interpreter, so a crash fails these tests instead
of ending the run; `python test_hostile.py` is that child."""

from __future__ import annotations

import collections.abc
import copy
import itertools
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterator

import pytest

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parents[1] / "fixtures"
TABLE = json.loads((FIXTURES / "errors" / "hostile.json").read_text(encoding="utf-8"))
CASES = [c for c in TABLE["cases"] if c["lang"] in ("both", "python")]


class Raising(collections.abc.Mapping):  # type: ignore[type-arg]
    """A mapping whose items cannot be read."""

    def __getitem__(self, key: str) -> Any:
        raise RuntimeError("no items today")

    def __iter__(self) -> Iterator[str]:
        raise RuntimeError("no items today")

    def __len__(self) -> int:
        return 1


class Thing:
    pass


class Float(float):
    pass


def raising_items() -> Iterator[int]:
    raise RuntimeError("the generator failed")
    yield 1  # pragma: no cover


def build(key: str) -> Any:
    """The hostile value the table names `key`, as Python writes it."""
    if key == "cycle":
        d: dict[str, Any] = {}
        d["self"] = d
        return d
    if key == "cycle_in_list":
        outer: list[Any] = []
        outer.append([outer])
        return outer
    if key == "deep":
        v: Any = 0
        for _ in range(40):
            v = {"a": v}
        return v
    return {
        "nan": lambda: float("nan"),
        "infinity": lambda: float("inf"),
        "-infinity": lambda: float("-inf"),
        "nan_in_list": lambda: [1, float("nan")],
        "int_2^53": lambda: 2**53,
        "int_-2^60": lambda: -(2**60),
        "int_2^70_in_list": lambda: [0, 1, 2**70],
        "many": lambda: [0] * 60_000,
        "long_string": lambda: "x" * ((1 << 20) + 1),
        "long_key": lambda: {"k" * ((1 << 20) + 1): 1},
        "lone_surrogate": lambda: "a\ud800b",
        "lone_surrogate_in_key": lambda: {"\udc00": 1},
        "non_string_key": lambda: {1: "x"},
        "bytes": lambda: b"hi",
        "set": lambda: {1, 2},
        "function": lambda: (lambda: 1),
        "class_instance": Thing,
        "raising_container": Raising,
        "raising_item": raising_items,
        "endless_iterator": itertools.count,
        "frozenset": lambda: frozenset({1}),
        "complex": lambda: complex(1, 2),
        "bytearray": lambda: bytearray(b"hi"),
        "tuple_key": lambda: {(1, 2): 1},
        "none_key": lambda: {None: 1},
        "float_subclass_nan": lambda: Float("nan"),
    }[key]()


def place(doc: Any, pointer: str, value: Any) -> Any:
    """`doc` with `value` set at `pointer`, creating what is missing (`/0` makes a list)."""
    tokens = pointer.split("/")[1:]
    here = doc
    for i, t in enumerate(tokens[:-1]):
        nxt = tokens[i + 1]
        if isinstance(here, list):
            here = here[int(t)]
            continue
        if t not in here:
            here[t] = [{}] if nxt == "0" else {}
        here = here[t]
    last = tokens[-1]
    if isinstance(here, list) and last.isdigit():
        here[int(last)] = value
    else:
        here[last] = value
    return doc


def run_case(case: dict[str, Any], engine: Any, manifest: dict[str, Any], log_dir: Path) -> dict[str, Any]:
    """Runs one case; returns the error as the table writes it (or what went wrong)."""
    import microgov

    value = build(case["value"])
    arg, at = case["arg"], case["at"]
    try:
        if arg == "manifest":
            engine.evaluate(place(copy.deepcopy(manifest), at, value), now=TABLE["now"])
        elif arg == "approvals":
            approval = {"id": "a", "app": "hr-onboarding", "approver": "x@acme.example", "roles": ["security"]}
            engine.evaluate(manifest, place([approval], at, value), TABLE["now"])
        elif arg == "extra":
            engine.evaluate(manifest, now=TABLE["now"], extra=place({}, at, value))
        elif arg == "record":
            engine.redact(manifest, "hris", place({}, at, value))
        elif arg == "event":
            with microgov.AuditLog.open(log_dir / f"{abs(hash(case['name']))}.jsonl") as log:
                log.append(place({"action": "app.deploy"}, at, value))
        else:
            return {"unexpected": f"unknown arg {arg}"}
    except microgov.MicrogovError as e:
        problems = list(getattr(e, "problems", None) or [])
        out: dict[str, Any] = {
            "class": type(e).__name__,
            "code": e.code,
            "message": str(e),
            "problems": [dict(p) for p in problems],
            "field": getattr(e, "field", None),
            "cause": type(e.__cause__).__name__ if e.__cause__ is not None else None,
        }
        return out
    except BaseException as e:  # noqa: BLE001 - reported to the parent as a failure
        return {"unexpected": f"{type(e).__name__}: {str(e)[:200]}"}
    return {"unexpected": "no error"}


def child() -> None:
    import microgov

    engine = microgov.Engine()
    manifest = json.loads((FIXTURES / TABLE["manifest"]).read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        results = {c["name"]: run_case(c, engine, manifest, Path(tmp)) for c in CASES}
    sys.stdout.write(json.dumps(results))


@pytest.fixture(scope="module")
def results() -> dict[str, Any]:
    proc = subprocess.run([sys.executable, __file__], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"the child interpreter ended with {proc.returncode}: {proc.stderr[-2000:]}"
    out: dict[str, Any] = json.loads(proc.stdout)
    return out


CLASSES = {"manifest.invalid": "ManifestError", "audit.bad_event": "AuditError", "input.invalid": "InputError"}


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_hostile_value(case: dict[str, Any], results: dict[str, Any]) -> None:
    got = results[case["name"]]
    want = case["error"]
    assert "unexpected" not in got, got["unexpected"]
    assert (got["class"], got["code"]) == (CLASSES[want["code"]], want["code"])
    assert len(got["problems"]) == 1, got["problems"]
    p = got["problems"][0]
    assert p["code"] == want["problem"]
    if "path" in want:
        assert p["path"] == want["path"]
    else:
        assert p["path"].startswith(want["path_prefix"]), p["path"]
    if "message" in want:
        assert p["message"] == want["message"]
    if "field" in want:
        assert got["field"] == want["field"]
    # One short line, whatever the value (no 1,300-character paths).
    assert len(got["message"]) < 200 and "\n" not in got["message"], got["message"]
    assert (got["cause"] is not None) == (want["problem"].endswith(".raised"))


def test_the_table_has_a_hundred_cases_for_python() -> None:
    assert len(CASES) >= 100


if __name__ == "__main__":
    child()
