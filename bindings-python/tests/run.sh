#!/usr/bin/env bash
# Builds the package in the dev profile into a virtualenv and runs the suite
# (pytest, which also runs mypy.stubtest on the hand-written stubs).
# Shares target/<host triple>/debug with `cargo test` and the Node build, so
# regorus compiles once. Extra arguments go to pytest.
set -euo pipefail
PKG=$(cd "$(dirname "$0")/.." && pwd)
ROOT=$(dirname "$PKG")
export CARGO_BUILD_TARGET="${CARGO_BUILD_TARGET:-$(rustc -vV | sed -n 's/^host: //p')}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
export CARGO_PROFILE_DEV_DEBUG="${CARGO_PROFILE_DEV_DEBUG:-0}"
VENV="${VENV:-$ROOT/.venv}"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
MATURIN_PEP517_ARGS="--profile dev" "$VENV/bin/python" -m pip install --quiet "$PKG[test]"
cd "$PKG"
exec "$VENV/bin/python" -m pytest -q tests "$@"
