#!/usr/bin/env bash
# Times `microgov check <folder> --format json` on a folder of generated
# manifests (default 10,000): the seed-scenario fixtures, each copied under
# many names. Release build; runs on all cores.
#
#   benches/cli/bench_check.sh [COUNT] [RUNS]
#
# Prints one line per run and the best and median wall-clock times.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
COUNT="${1:-10000}"
RUNS="${2:-3}"
export CARGO_BUILD_TARGET="${CARGO_BUILD_TARGET:-$(rustc -vV | sed -n 's/^host: //p')}"

cargo build --quiet --release -p microgov --features cli
BIN="$ROOT/target/$CARGO_BUILD_TARGET/release/microgov"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
APPS="$WORK/apps"
mkdir -p "$APPS"

# Read each YAML fixture once; write copies with bash builtins only (no
# process per file), renaming metadata.name: <name> to <name>-<i>.
texts=()
names=()
for f in fixtures/apps/*.yaml; do
  text="$(<"$f")"
  name="$(sed -n 's/^  name: *\([a-z0-9-]*\).*/\1/p' "$f" | head -n 1)"
  texts+=("$text")
  names+=("$name")
done
n=${#texts[@]}
for ((i = 0; i < COUNT; i++)); do
  k=$((i % n))
  name="${names[$k]}"
  text="${texts[$k]}"
  printf '%s\n' "${text/  name: $name/  name: $name-$i}" >"$APPS/$name-$i.yaml"
done
echo "generated $COUNT manifests from $n fixtures in $APPS ($(du -sh "$APPS" | cut -f1))"
echo "cores: $(nproc)"

times=()
for ((r = 1; r <= RUNS; r++)); do
  start=$(date +%s.%N)
  set +e
  "$BIN" check "$APPS" --format json --now 2026-11-26T10:00:00Z >"$WORK/out.json"
  code=$?
  set -e
  end=$(date +%s.%N)
  t=$(echo "$end - $start" | bc -l)
  times+=("$t")
  printf 'run %d: %.3f s (exit %d, %s of JSON)\n' "$r" "$t" "$code" "$(du -h "$WORK/out.json" | cut -f1)"
done
python3 - "$COUNT" "${times[@]}" <<'EOF'
import statistics, sys
count = int(sys.argv[1]); t = sorted(float(x) for x in sys.argv[2:])
print(f"best {t[0]:.3f} s, median {statistics.median(t):.3f} s for {count} manifests "
      f"({count / t[0]:.0f} manifests/s at best)")
EOF
