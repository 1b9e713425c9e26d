"""The package as shipped: stubs match the compiled module, the Python part
type-checks, and the README's examples run as written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

README = REPO / "bindings-python" / "README.md"


def _run(args: list, cwd: Path) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    # Run outside the source tree so the installed package (with its compiled
    # module) is the one imported.
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def test_stubs_match_the_compiled_module(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    r = _run(["-m", "mypy.stubtest", "microgov._microgov", "--mypy-config-file", os.devnull], tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr


def test_package_type_checks(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    r = _run(["-m", "mypy", "--strict", "--config-file", os.devnull, "--cache-dir", str(tmp_path / "cache"), "-p", "microgov"], tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr


def _python_blocks() -> list:  # type: ignore[type-arg]
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)


def test_readme_has_examples() -> None:
    assert len(_python_blocks()) >= 2


@pytest.mark.parametrize("index", range(len(_python_blocks())))
def test_readme_example_runs(index: int, capsys: pytest.CaptureFixture[str]) -> None:
    if index == 1:
        pytest.importorskip("pandas")
    code = _python_blocks()[index]
    old = os.getcwd()
    os.chdir(REPO)  # the examples use paths relative to the repository root
    try:
        exec(compile(code, f"README.md[python block {index}]", "exec"), {"__name__": "__readme__"})
    finally:
        os.chdir(old)
    out = capsys.readouterr().out
    if index == 0:
        assert out.startswith("<Decision app='hr-onboarding'")
    if index == 1:
        assert "edited_record" in out, "the notebook example names the tampered record"


def test_every_public_name_has_a_docstring() -> None:
    import inspect

    import microgov
    import microgov.errors
    import microgov.types

    missing = []
    for mod in (microgov, microgov.errors, microgov.types):
        if not (mod.__doc__ or "").strip():
            missing.append(mod.__name__)
        for name in getattr(mod, "__all__", []):
            obj = getattr(mod, name)
            if isinstance(obj, str) or inspect.ismodule(obj):
                continue
            if not (getattr(obj, "__doc__", None) or "").strip():
                missing.append(f"{mod.__name__}.{name}")
            if inspect.isclass(obj) and not issubclass(obj, BaseException) and mod is not microgov.types:
                for attr, member in vars(obj).items():
                    if attr.startswith("_"):
                        continue
                    if not (getattr(member, "__doc__", None) or "").strip():
                        missing.append(f"{mod.__name__}.{name}.{attr}")
    assert not missing, missing
