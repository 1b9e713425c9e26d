#!/usr/bin/env bash
# Runs every fuzz target for a bounded time on its seed corpus (nightly and cargo-fuzz:
# `cargo install cargo-fuzz`). Usage: fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
# The seeds come from fixtures/ (written by the stable test, so both use the same ones);
# findings land in fuzz/artifacts/<target>/. Exit status is non-zero on the first crash.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${1:-60}"
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(manifest approvals audit_lines egress_url canonical_json pii_text)
export CARGO_BUILD_TARGET="${CARGO_BUILD_TARGET:-$(rustc -vV | sed -n 's/^host: //p')}"
MICROGOV_FUZZ_SEEDS_OUT="$PWD/fuzz/corpus" cargo test --workspace --all-features --test detect_fuzz -q >/dev/null
cd fuzz
for t in "${TARGETS[@]}"; do
  echo "== $t: ${SECS}s"
  cargo +nightly fuzz run "$t" "corpus/$t" -- -max_total_time="$SECS" -max_len=65536 -rss_limit_mb=4096 \
    -print_final_stats=1 2>&1 | grep -E "^(#[0-9]+\s+DONE|stat::|==|SUMMARY|Done)|cov:" | tail -8
done
