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
--features cli --example timing``) the script also runs it as a server and
alternates with it in batches of ten decisions, a few milliseconds each, and
reports both medians and the ratio of each pair (``alternating``).

Speed is reported, never asserted. Output: a human summary and one
JSON line (prefix ``RESULT ``) for scripts. ``BENCH_QUICK=1`` for a short smoke run.
"""

from __future__ import annotations

import copy
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

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


def rust_server() -> Optional["subprocess.Popen[str]"]:
    """The Rust timing example in serve mode (same manifest, `now` and
    decision id), if it is built: it runs as many decisions as each line
    asks for and answers with the nanoseconds they took."""
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    for exe in [target / "release" / "examples" / "timing", *sorted(target.glob("*/release/examples/timing"))]:
        if exe.is_file():
            proc = subprocess.Popen(
                [str(exe)], cwd=REPO, env={**os.environ, "SERVE": "1"},
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            )
            assert proc.stdout is not None
            proc.stdout.readline()  # the decision's outcome line
            return proc
    return None


def paired_batches(fn: Any, rust: "subprocess.Popen[str]", pairs: int, batch: int) -> Tuple[List[float], List[float]]:
    """Per-call times (us) of `fn` and of the Rust decision, in alternating
    batches a few milliseconds long: both sides run on the machine as it is
    in the same moment, where runs seconds apart saw it up to 2x faster or
    slower (the machine is shared)."""
    assert rust.stdin is not None and rust.stdout is not None
    py: List[float] = []
    rs: List[float] = []
    for _ in range(pairs):
        t = time.perf_counter_ns()
        for _ in range(batch):
            fn()
        py.append((time.perf_counter_ns() - t) / batch / 1000.0)
        rust.stdin.write(f"{batch}\n")
        rust.stdin.flush()
        rs.append(int(rust.stdout.readline()) / batch / 1000.0)
    return py, rs


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

    paired: Optional[Dict[str, float]] = None
    rust_proc = rust_server()
    if rust_proc is not None:
        call = lambda: engine.evaluate(manifest, now=NOW, decision_id="bench")  # noqa: E731
        paired_batches(call, rust_proc, 20, 10)  # warm both sides
        py, rs = paired_batches(call, rust_proc, 60 if QUICK else 600, 10)
        rust_proc.stdin.close()  # type: ignore[union-attr]
        rust_proc.wait()
        ratios = sorted(p / r for p, r in zip(py, rs))
        # The fastest tenth of each side's batches: what each costs when the
        # machine is not slowed by its neighbours (bursts that the medians,
        # even of alternating batches, do not escape).
        p10 = lambda xs: sorted(xs)[len(xs) // 10]  # noqa: E731
        paired = {
            "python_us": statistics.median(py),
            "rust_us": statistics.median(rs),
            "ratio_of_medians": statistics.median(py) / statistics.median(rs),
            "median_ratio": statistics.median(ratios),
            "python_p10_us": p10(py),
            "rust_p10_us": p10(rs),
            "ratio_of_p10": p10(py) / p10(rs),
        }
        print(f"   alternating with the Rust timing example in batches of 10: medians Python {paired['python_us']:.1f} us, "
              f"Rust {paired['rust_us']:.1f} us: {paired['ratio_of_medians']:.2f}x (ratio of each pair: median {paired['median_ratio']:.2f}x); "
              f"fastest tenth {paired['python_p10_us']:.1f} vs {paired['rust_p10_us']:.1f} us: {paired['ratio_of_p10']:.2f}x")
    else:
        print("   (build the Rust timing example to compare in alternation: "
              "cargo build --release -p microgov --features cli --example timing)")

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
        "dict_vs_rust_alternating": None if paired is None else {k: round(v, 3) for k, v in paired.items()},
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
