#!/usr/bin/env bash
# Runs every test suite: Rust (core, CLI, bundled Rego tests), Python, Node.
# One compiled regorus serves all three: every cargo call (cargo test,
# maturin, napi) uses the host triple as an explicit target, so they share
# target/<triple>/debug.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_BUILD_TARGET="${CARGO_BUILD_TARGET:-$(rustc -vV | sed -n 's/^host: //p')}"
export CARGO_PROFILE_DEV_DEBUG=0
export CARGO_TARGET_DIR="$ROOT/target"

echo "== rego under OPA (the bundles must run unchanged in OPA too)"
OPA="$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin/opa"
if [ ! -x "$OPA" ]; then
  GOFLAGS=-mod=mod go install github.com/open-policy-agent/opa@v1.4.2
fi
BUNDLES=()
for b in policy-bundles/*/; do BUNDLES+=(-b "$b"); done
"$OPA" check --strict "${BUNDLES[@]}"
"$OPA" test "${BUNDLES[@]}"

echo "== rust: format, lints, module graph"
cargo fmt --all -- --check
python3 scripts/module-cycles.py core/src core/src/bin/microgov bindings-python/src bindings-node/src
cargo clippy --workspace --all-features --all-targets -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --all-features --no-deps --quiet

echo "== rust"
cargo test --workspace --all-features

echo "== witness cosignatures against Go's signed-note packages"
bash fixtures/audit/witness/check.sh

echo "== python"
VENV="$ROOT/.venv" bash bindings-python/tests/run.sh

echo "== node"
(cd bindings-node && npm ci --no-audit --no-fund --loglevel=error && npm run build:debug && npm test)
