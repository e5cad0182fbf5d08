#!/usr/bin/env bash
# Issue 17 benchmark: `cimbase plan` on a synthetic city — kindergartens, about 2,000 candidates generated in the
# gaps (candidate_spacing_m, default 670 m: 2,0xx candidates on the 1M city), target 80 %, whatif: false — against the
# walk stage on the same city as the anchor (`cimbase walk`, same DIR, same run). Prints, per command, the whole
# command's wall time and peak RSS (/usr/bin/time), the stage timings (CIMBASE_TIMINGS=1), and the ratio plan / walk.
#
# Usage: scripts/bench_plan.sh [CITY_YAML] [WORK_DIR] [CANDIDATE_SPACING_M] [RUN_DIR]
#   CITY_YAML default /work/cache/synth1000000/city.yaml; RUN_DIR (default /work/cache/run1m when CITY_YAML is the
#   default) is a finished run of that city whose base.gpkg is copied into WORK_DIR/out instead of ingesting again
#   (never written). Without one the city is ingested into WORK_DIR/out first (not timed).
# Uses the release binary (.build/release/cimbase; build it first).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${CIMBASE_BIN:-$ROOT/.build/release/cimbase}"
WORK="${2:-/tmp/plan_bench}"
SPACING="${3:-670}"
[ -x "$BIN" ] || { echo "missing $BIN (swift build -c release)" >&2; exit 2; }
mkdir -p "$WORK"
CITY="${1:-/work/cache/synth1000000/city.yaml}"
RUN="${4:-}"
[ -z "$RUN" ] && [ -z "${1:-}" ] && [ -f /work/cache/run1m/base.gpkg ] && RUN=/work/cache/run1m
[ -f "$CITY" ] || { echo "missing $CITY" >&2; exit 2; }
# The city's config plus a plan: section (its sources resolved against the city's folder).
SRC_DIR="$(cd "$(dirname "$CITY")" && pwd)"
CFG="$WORK/plan_city.yaml"
OUT="$WORK/out"
mkdir -p "$OUT"
if [ ! -f "$CFG" ] || ! grep -q "candidate_spacing_m: $SPACING}" "$CFG"; then
  sed "s#source: \([^/][^,}]*\)#source: $SRC_DIR/\1#" "$CITY" > "$CFG"
  printf 'plan:\n  kindergarten: {target_pct: 80, candidate_spacing_m: %s}\n  whatif: false\n' "$SPACING" >> "$CFG"
  rm -f "$OUT/base.gpkg"   # a newer config makes DIR/base.gpkg stale
fi
if [ ! -f "$OUT/base.gpkg" ]; then
  # indicators.gpkg too: the plan's pipe-gap treatment reads its pipe_gaps layer.
  if [ -n "$RUN" ]; then cp "$RUN/base.gpkg" "$OUT/base.gpkg"; touch "$OUT/base.gpkg"
    [ -f "$RUN/indicators.gpkg" ] && cp "$RUN/indicators.gpkg" "$OUT/indicators.gpkg"
  else "$BIN" ingest "$CFG" --out "$OUT" --quiet > /dev/null; fi
fi
echo "# bench_plan $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg), city $CITY, candidate_spacing_m $SPACING"
echo "# binary $BIN ($(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?'))"
run() {
  local name="$1"; shift
  CIMBASE_TIMINGS=1 /usr/bin/time -f "TIME %e %M %U %S" "$@" --quiet > "$WORK/$name.log" 2>&1 || { cat "$WORK/$name.log"; exit 1; }
  grep -v '^progress' "$WORK/$name.log" | grep -v '^TIME' | sed "s/^/  $name: /"
  local t; t=$(grep '^TIME' "$WORK/$name.log" | tail -1)
  set -- $t
  echo "$name: whole command wall $2 s, peak RSS $(( $3 / 1024 )) MB, CPU user $4 s + sys $5 s"
  eval "WALL_${name//-/_}=$2"
}
run walk "$BIN" walk "$CFG" --out "$OUT"     # the anchor; also leaves a fresh walk.gpkg for the plan to reuse
run plan "$BIN" plan "$CFG" --out "$OUT"
echo "ratio plan / walk (whole commands): $(python3 -c "print(f'{$WALL_plan / $WALL_walk:.3f}')")"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
