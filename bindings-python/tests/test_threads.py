"""One Engine shared by many Python threads, as a web service shares it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import List, Tuple

import microgov

from conftest import FIXTURES, NOW

APPS = sorted((FIXTURES / "apps").glob("*.yaml"))
APPROVALS = FIXTURES / "approvals" / "hr-onboarding.yaml"


def _key(d: microgov.Decision) -> Tuple[str, str, str, str]:
    return (d.app, d.outcome, d.tier, d.input_digest)


def test_many_threads_one_engine(engine: microgov.Engine) -> None:
    expected = {p.name: _key(engine.evaluate(p, approvals=APPROVALS, now=NOW)) for p in APPS}
    work = [p for _ in range(20) for p in APPS]

    def run(p):  # type: ignore[no-untyped-def]
        return p.name, _key(engine.evaluate(p, approvals=APPROVALS, now=NOW))

    with ThreadPoolExecutor(max_workers=8) as pool:
        results: List[Tuple[str, Tuple[str, str, str, str]]] = list(pool.map(run, work))
    assert len(results) == len(work)
    for name, key in results:
        assert key == expected[name]


def test_threads_mixing_calls(engine: microgov.Engine) -> None:
    def mixed(i: int) -> int:
        if i % 3 == 0:
            return len(engine.evaluate_many(APPS, now=NOW))
        if i % 3 == 1:
            return len(engine.validate(APPS[i % len(APPS)]))
        return len(engine.evaluate(APPS[i % len(APPS)], now=NOW).violations) * 0

    with ThreadPoolExecutor(max_workers=6) as pool:
        out = list(pool.map(mixed, range(60)))
    assert out == [len(APPS) if i % 3 == 0 else 0 for i in range(60)]


def test_engines_built_concurrently() -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        engines = list(pool.map(lambda _: microgov.Engine(), range(4)))
    assert len({e.evaluate(APPS[0], now=NOW, decision_id="x").to_json() for e in engines}) == 1


def test_gil_is_released_while_evaluating(engine: microgov.Engine) -> None:
    # A pure-Python thread can only advance while the GIL is free. If
    # evaluate_many held the GIL, the counter could not move during the call.
    import threading

    manifests = [APPS[i % len(APPS)] for i in range(200)]
    stop = threading.Event()
    ticks = [0]

    def spin() -> None:
        while not stop.is_set():
            ticks[0] += 1

    t = threading.Thread(target=spin)
    t.start()
    try:
        before = ticks[0]
        engine.evaluate_many(manifests, now=NOW)
        during = ticks[0] - before
    finally:
        stop.set()
        t.join()
    assert during > 0
