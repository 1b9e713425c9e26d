#!/usr/bin/env bash
# Regenerates the diagram the README shows (core/docs/diagrams/hr-onboarding.svg) with the CLI.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export CARGO_BUILD_TARGET="${CARGO_BUILD_TARGET:-$(rustc -vV | sed -n 's/^host: //p')}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
cargo build --quiet --workspace --all-features --bin microgov
"$CARGO_TARGET_DIR/$CARGO_BUILD_TARGET/debug/microgov" diagram fixtures/apps/hr-onboarding.yaml \
  --data fixtures/approvals/directory.json --approvals fixtures/approvals/hr-onboarding.yaml \
  --now 2026-11-26T10:00:00Z -o core/docs/diagrams/hr-onboarding.svg
