#!/usr/bin/env bash
# Issue 17 benchmark: `cimbase plan` on a synthetic city — kindergartens, about 2,000 candidates generated in the
# gaps, target 80 % — against the walk stage on the same city as the anchor (`cimbase walk`, same run, same DIR).
#
# Usage: scripts/bench_plan.sh [CITY_YAML] [WORK_DIR] [CANDIDATE_SPACING_M]
#   CITY_YAML default /work/cache/synth1000000/city.yaml, else /work/cache/synth100000/city.yaml, else a city made
#   with `cimbase synth --buildings 1000000 --seed 11` in WORK_DIR (default /tmp/plan_bench).
# Uses the release binary (.build/release/cimbase; build it first). Prints wall time and peak memory of each command.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="$ROOT/.build/release/cimbase"
WORK="${2:-/tmp/plan_bench}"
SPACING="${3:-150}"
[ -x "$BIN" ] || { echo "missing $BIN (swift build -c release)" >&2; exit 2; }
mkdir -p "$WORK"
CITY="${1:-}"
if [ -z "$CITY" ]; then
  for c in /work/cache/synth1000000/city.yaml /work/cache/synth100000/city.yaml; do [ -f "$c" ] && { CITY="$c"; break; }; done
fi
if [ -z "$CITY" ]; then
  [ -f "$WORK/synth/city.yaml" ] || "$BIN" synth --buildings 1000000 --seed 11 --out "$WORK/synth" --quiet
  CITY="$WORK/synth/city.yaml"
fi
# The city's config plus a plan: section (its sources resolved against the city's folder).
SRC_DIR="$(cd "$(dirname "$CITY")" && pwd)"
CFG="$WORK/plan_city.yaml"
if [ ! -f "$CFG" ]; then   # written once: a newer config would make DIR/base.gpkg stale
  sed "s#source: \([^/][^,}]*\)#source: $SRC_DIR/\1#" "$CITY" > "$CFG"
  printf 'plan:\n  kindergarten: {target_pct: 80, candidate_spacing_m: %s}\n  whatif: false\n' "$SPACING" >> "$CFG"
fi
OUT="$WORK/out"
echo "# bench_plan $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg), city $CITY"
[ -f "$OUT/base.gpkg" ] || "$BIN" ingest "$CFG" --out "$OUT" --quiet > /dev/null
run() { local name="$1"; shift; /usr/bin/time -f "$name: wall %e s, peak %M KB" "$@" --quiet 2>&1 | grep -v '^progress' ; }
CIMBASE_TIMINGS=1 run "walk (anchor)" "$BIN" walk "$CFG" --out "$OUT"
CIMBASE_TIMINGS=1 run "plan" "$BIN" plan "$CFG" --out "$OUT"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
