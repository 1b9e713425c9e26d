"""Python binding benchmarks, beside the Rust ones (benches/benches/engine.rs).

    pip install ./bindings-python pyyaml        # release build (no dev profile)
    python benches/python/bench_evaluate.py

Measures
  1. ``evaluate(dict)`` on fixtures/bench/typical.yaml: median per call, against
     the Rust median of ``decision/microgov_typical`` from target/criterion
     (run ``cargo bench -p microgov-benches --bench engine`` first to have it);
  2. ``evaluate_many`` of 10,000 manifests against a Python loop calling
     ``evaluate`` on the same 10,000: throughput ratio.

On a shared, noisy machine a median measured minutes apart says little; so
when the Rust timing example is built (``cargo build --release -p microgov
--features cli --example timing``) the script also runs it in turns with its
own measurement, and reports the ratio of each pair (``interleaved``).

Speed is reported, never asserted (STYLE.md). Output: a human summary and one
JSON line (prefix ``RESULT ``) for scripts. ``BENCH_QUICK=1`` for a short smoke run.
"""

from __future__ import annotations

import copy
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import microgov

REPO = Path(__file__).resolve().parents[2]
NOW = "2026-11-26T10:00:00Z"
QUICK = os.environ.get("BENCH_QUICK") == "1"


def generated_manifest() -> Dict[str, Any]:
    """A manifest of the typical shape: 10 connectors, 20 datasets, 60 fields, 10 egress hosts."""
    datasets = [
        {
            "name": f"ds{i:02d}",
            "classification": ["internal", "confidential", "restricted"][i % 3],
            "residency": "EU",
            "encryption": "byok" if i % 2 else "platform",
            "retentionDays": 180 + i,
            "fields": [{"name": f"employee_email_{i}", "categories": ["pii"]}, {"name": f"amount_{i}"}, {"name": f"cost_center_{i}"}],
        }
        for i in range(20)
    ]
    connectors = [
        {
            "name": f"c{i}",
            "type": "api",
            "endpoint": f"https://svc{i}.internal.acme.example",
            "region": "aws:eu-west-1",
            "access": "read" if i % 3 else "write",
            "datasets": [datasets[2 * i]["name"], datasets[2 * i + 1]["name"]],
            "secretRef": f"vault://secret/c{i}",
        }
        for i in range(10)
    ]
    return {
        "apiVersion": "microgov.dev/v1",
        "kind": "MicroApp",
        "metadata": {
            "name": "typical-ops-portal",
            "owner": "jane.doe@acme.example",
            "tenant": "acme",
            "createdAt": "2026-11-01T09:00:00Z",
            "expiresAt": "2027-01-30T09:00:00Z",
        },
        "spec": {
            "builtBy": "ai-assistant",
            "environment": "production",
            "auth": {"sso": "oidc", "mfa": True, "localAccounts": False, "roles": ["viewer", "operator"]},
            "datasets": datasets,
            "connectors": connectors,
            "egress": [f"https://api{i}.partner.example" for i in range(10)],
        },
    }


def typical_manifest() -> tuple[str, Dict[str, Any]]:
    """The lead's fixture as a dict (as ``yaml.safe_load`` gives it), or one of the same shape."""
    path = REPO / "fixtures" / "bench" / "typical.yaml"
    if path.is_file():
        try:
            import yaml
        except ImportError:
            print("(PyYAML not installed: using the generated manifest of the same shape)")
        else:
            return str(path.relative_to(REPO)), yaml.safe_load(path.read_text(encoding="utf-8"))
    return "generated (10 connectors, 20 datasets, 60 fields, 10 egress hosts)", generated_manifest()


def rust_median_us() -> Optional[float]:
    """Median of the Rust bench ``decision/microgov_typical`` from criterion, if it has run."""
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    rel = Path("criterion/decision/microgov_typical/new/estimates.json")
    for path in [target / rel, *sorted(target.glob("*/" + str(rel)))]:
        try:
            return float(json.loads(path.read_text())["median"]["point_estimate"]) / 1000.0
        except (OSError, KeyError, ValueError):
            continue
    return None


def rust_p50_us() -> Optional[float]:
    """The median per-call time of the Rust timing example (same manifest, same `now`), if it is built."""
    import subprocess

    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    for exe in [target / "release" / "examples" / "timing", *sorted(target.glob("*/release/examples/timing"))]:
        if exe.is_file():
            out = subprocess.run(
                [str(exe)], cwd=REPO, env={**os.environ, "ONLY_EVALUATE": "1", "N": "500"},
                capture_output=True, text=True, check=True,
            ).stdout
            for line in out.splitlines():
                if line.startswith("evaluate per call: p50 "):
                    return _duration_us(line.split("p50 ", 1)[1].split(",", 1)[0])
    return None


def _duration_us(text: str) -> float:
    """`123.4µs` or `1.2ms` (Rust's Debug of a Duration) in microseconds."""
    for unit, scale in (("ns", 0.001), ("µs", 1.0), ("ms", 1000.0), ("s", 1e6)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * scale
    raise ValueError(text)


def median_us(fn: Any, runs: int, warmup: int) -> float:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        t = time.perf_counter_ns()
        fn()
        samples.append(time.perf_counter_ns() - t)
    return statistics.median(samples) / 1000.0


def main() -> int:
    engine = microgov.Engine()
    source, manifest = typical_manifest()
    d = engine.evaluate(manifest, now=NOW, decision_id="bench")
    print(f"microgov {microgov.__version__}  python {sys.version.split()[0]}  cores {os.cpu_count()}  compiled VM {engine.compiled}")
    print(f"typical manifest: {source}  -> {d!r}")

    runs, warmup = (200, 20) if QUICK else (3000, 200)
    py_dict = median_us(lambda: engine.evaluate(manifest, now=NOW, decision_id="bench"), runs, warmup)
    text = (REPO / "fixtures" / "bench" / "typical.yaml").read_text(encoding="utf-8") if source.endswith(".yaml") else json.dumps(manifest)
    py_text = median_us(lambda: engine.evaluate(text, now=NOW, decision_id="bench"), runs, warmup)
    prepared = engine.prepare(manifest)
    py_prepared = median_us(lambda: engine.evaluate(prepared, now=NOW, decision_id="bench"), runs, warmup)
    rust = rust_median_us()
    print(f"\n1. evaluate(dict) median {py_dict:8.1f} us   (evaluate(text) {py_text:.1f} us, evaluate(prepared) {py_prepared:.1f} us)")
    if rust is not None:
        print(f"   Rust engine.evaluate median {rust:8.1f} us   ratio {py_dict / rust:.2f}x (target <= 1.5x)")
    else:
        print("   Rust median: not found (run `cargo bench -p microgov-benches --bench engine` first)")

    interleaved: List[float] = []
    quietest: Optional[float] = None
    if rust_p50_us() is not None:
        # Many short turns: the machine's speed drifts over seconds. The
        # quietest turn of each side is the least disturbed figure of it.
        rs, ps = [], []
        for _ in range(3 if QUICK else 21):
            rs.append(rust_p50_us() or float("nan"))
            ps.append(median_us(lambda: engine.evaluate(manifest, now=NOW, decision_id="bench"), 500, 50))
            interleaved.append(ps[-1] / rs[-1])
        quietest = min(ps) / min(rs)
        print(f"   in turns with the Rust timing example: ratio median {statistics.median(interleaved):.2f}x "
              f"(range {min(interleaved):.2f}-{max(interleaved):.2f}); quietest turns {min(ps):.1f} vs {min(rs):.1f} us: {quietest:.2f}x")

    n = 1000 if QUICK else 10_000
    manifests: List[Dict[str, Any]] = []
    for i in range(n):
        m = copy.deepcopy(manifest)
        m["metadata"]["name"] = f"app-{i:05d}"
        manifests.append(m)
    engine.evaluate_many(manifests[:50], now=NOW)  # warm the VM pool on every core
    t = time.perf_counter()
    loop = [engine.evaluate(m, now=NOW) for m in manifests]
    t_loop = time.perf_counter() - t
    t = time.perf_counter()
    many = engine.evaluate_many(manifests, now=NOW)
    t_many = time.perf_counter() - t
    assert [x.outcome for x in loop] == [x.outcome for x in many]
    ratio = t_loop / t_many
    print(f"\n2. {n} manifests: Python loop {t_loop:.2f} s ({n / t_loop:,.0f}/s), evaluate_many {t_many:.2f} s ({n / t_many:,.0f}/s)")
    print(f"   throughput ratio {ratio:.2f}x on {os.cpu_count()} cores (target >= 1.7x on 2 cores)")

    result = {
        "evaluate_dict_median_us": round(py_dict, 1),
        "evaluate_text_median_us": round(py_text, 1),
        "evaluate_prepared_median_us": round(py_prepared, 1),
        "rust_median_us": None if rust is None else round(rust, 1),
        "dict_vs_rust": None if rust is None else round(py_dict / rust, 3),
        "dict_vs_rust_interleaved": round(statistics.median(interleaved), 3) if interleaved else None,
        "dict_vs_rust_quietest": None if quietest is None else round(quietest, 3),
        "manifests": n,
        "loop_s": round(t_loop, 3),
        "many_s": round(t_many, 3),
        "many_vs_loop": round(ratio, 3),
        "cores": os.cpu_count(),
        "source": source,
    }
    print("RESULT " + json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
