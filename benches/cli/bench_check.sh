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
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/$CARGO_BUILD_TARGET/release/microgov"

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
echo "cores: $(nproc), load average: $(cut -d' ' -f1-3 /proc/loadavg)"
# The policies must run in the compiled VM; the interpreter is ~3x slower.
if MICROGOV_DEBUG=1 "$BIN" check "$APPS/${names[0]}-0.yaml" --now 2026-11-26T10:00:00Z 2>&1 >/dev/null | grep -q "compiled VM unavailable"; then
  echo "warning: the bundled policies do not compile for regorus's VM here; timings are the interpreter's"
fi

times=()
cpus=()
TIMEFORMAT='%R %U %S'
for ((r = 1; r <= RUNS; r++)); do
  set +e
  { time "$BIN" check "$APPS" --format json --now 2026-11-26T10:00:00Z >"$WORK/out.json" 2>"$WORK/err.txt"; } 2>"$WORK/time.txt"
  code=$?
  set -e
  read -r wall user sys <"$WORK/time.txt"
  cpu=$(echo "$user + $sys" | bc -l)
  times+=("$wall")
  cpus+=("$cpu")
  printf 'run %d: %.3f s wall, %.3f s CPU (exit %d, %s of JSON)\n' "$r" "$wall" "$cpu" "$code" "$(du -h "$WORK/out.json" | cut -f1)"
done
python3 - "$COUNT" "${#times[@]}" "${times[@]}" "${cpus[@]}" <<'EOF'
import statistics, sys
count, n = int(sys.argv[1]), int(sys.argv[2])
t = sorted(float(x) for x in sys.argv[3:3 + n]); c = sorted(float(x) for x in sys.argv[3 + n:])
print(f"best {t[0]:.3f} s, median {statistics.median(t):.3f} s wall for {count} manifests "
      f"({count / t[0]:.0f} manifests/s at best); CPU median {statistics.median(c):.3f} s")
EOF
