#!/usr/bin/env bash
# microgov against stock OPA on the same policies and the same input:
# `opa bench` of the bundled policies on microgov's prebuilt input document of
# fixtures/bench/typical.yaml, beside the criterion benches decision/microgov_typical
# (the full decision: input built, detectors, Rego, assembly) and
# decision/microgov_typical_prepared (a prepared app), and both with every rule in Rego
# (`_rego_only`, when the bench has them), in alternating rounds.
#
#   benches/opa/bench.sh [ROUNDS]        # default 3 rounds
#
# OPA evaluates `data.microgov.decision.result` when policy-bundles/decision exists (the whole
# decision in Rego), else the entry module's `data.microgov_entry.result` (every
# package's violations, warnings, obligations and required approvals, what microgov's
# VM evaluates). Prints each round, then OPA's median, microgov's medians and the
# ratios (OPA's time / microgov's: above 1, microgov is faster).
#
# OPA: MICROGOV_OPA, else `opa` on PATH, else $(go env GOPATH)/bin/opa. The first run
# builds the bench profile (regorus in release: minutes on two cores).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
ROUNDS="${1:-3}"
export CARGO_BUILD_TARGET="${CARGO_BUILD_TARGET:-$(rustc -vV | sed -n 's/^host: //p')}"
export CARGO_PROFILE_DEV_DEBUG=0
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

OPA="${MICROGOV_OPA:-$(command -v opa || echo "$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin/opa")}"
if [ ! -x "$OPA" ]; then
  echo "stock OPA not found at $OPA: go install github.com/open-policy-agent/opa@v1.4.2 (or set MICROGOV_OPA)" >&2
  exit 2
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# The input document and entry module exactly as the engine builds them (the example's
# debug build: the document does not depend on the profile).
cargo build --quiet --workspace --all-features --examples
"$CARGO_TARGET_DIR/$CARGO_BUILD_TARGET/debug/examples/input_document" fixtures/bench/typical.yaml \
  --entry "$WORK/microgov_entry.rego" >"$WORK/input.json"
BUNDLES=()
for b in policy-bundles/*/; do BUNDLES+=(-b "$b"); done
if [ -d policy-bundles/decision ]; then QUERY=data.microgov.decision.result; else QUERY=data.microgov_entry.result; fi

cargo bench --quiet --workspace --all-features --bench engine --no-run
CRITERION="$CARGO_TARGET_DIR/criterion/decision"

echo "opa: $("$OPA" version | head -n 1), query $QUERY"
echo "input: $(wc -c <"$WORK/input.json") bytes; cores: $(nproc), load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for ((r = 1; r <= ROUNDS; r++)); do
  "$OPA" bench --format json "${BUNDLES[@]}" -d "$WORK/microgov_entry.rego" -i "$WORK/input.json" "$QUERY" \
    >"$WORK/opa-$r.json"
  cargo bench --quiet --workspace --all-features --bench engine -- --noplot --warm-up-time 1 \
    --measurement-time 5 '^decision/microgov_typical(_prepared)?(_rego_only)?$' >"$WORK/criterion-$r.txt" 2>&1
  for b in microgov_typical microgov_typical_prepared microgov_typical_rego_only microgov_typical_prepared_rego_only; do
    if [ -f "$CRITERION/$b/new/estimates.json" ]; then cp "$CRITERION/$b/new/estimates.json" "$WORK/$b-$r.json"; fi
  done
  python3 - "$WORK" "$r" <<'EOF'
import json, sys
work, r = sys.argv[1], sys.argv[2]
opa = json.load(open(f"{work}/opa-{r}.json"))
def med(b):
    try:
        return json.load(open(f"{work}/{b}-{r}.json"))["median"]["point_estimate"] / 1e3
    except FileNotFoundError:
        return float("nan")
eval_med = opa["Extra"]["histogram_timer_rego_query_eval_ns_median"]
print(f"round {r}: opa query eval median {eval_med / 1e3:.1f} µs ({opa['T'] / opa['N'] / 1e3:.1f} µs/op with "
      f"setup, {opa['N']} ops); microgov full {med('microgov_typical'):.1f} µs, prepared "
      f"{med('microgov_typical_prepared'):.1f} µs; every rule in Rego: full {med('microgov_typical_rego_only'):.1f} µs, "
      f"prepared {med('microgov_typical_prepared_rego_only'):.1f} µs")
EOF
done
python3 - "$WORK" "$ROUNDS" <<'EOF'
import json, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
rs = range(1, rounds + 1)
opa = [json.load(open(f"{work}/opa-{r}.json"))["Extra"]["histogram_timer_rego_query_eval_ns_median"] for r in rs]
def series(b):
    try:
        return [json.load(open(f"{work}/{b}-{r}.json"))["median"]["point_estimate"] for r in rs]
    except FileNotFoundError:
        return None
o = statistics.median(opa)
print(f"\nmedians of {rounds} rounds: opa {o / 1e3:.1f} µs")
for label, b in [("full decision", "microgov_typical"), ("prepared", "microgov_typical_prepared"),
                 ("full decision, every rule in Rego", "microgov_typical_rego_only"),
                 ("prepared, every rule in Rego", "microgov_typical_prepared_rego_only")]:
    s = series(b)
    if s is None:
        continue
    m = statistics.median(s)
    per = ", ".join(f"{a / x:.2f}" for a, x in zip(opa, s))
    print(f"{label}: {m / 1e3:.1f} µs, {o / m:.2f}x faster than opa (per round {per})")
EOF
