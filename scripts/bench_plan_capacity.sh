#!/usr/bin/env bash
# Issue 17 benchmark of the capacitated planner: `cimbase plan` on synthetic cities, kindergartens to 80 %
# (whatif: false, default candidates), with and without `plan.default_capacity: gb50180` (12,000 residents per
# kindergarten), for one or two binaries (OLD vs NEW). Per run: whole-command wall time, peak RSS (/usr/bin/time -v),
# the plan stage's solve time (CIMBASE_TIMINGS=1), and from plan.csv the sites, the coverage and the weight served.
#
# Usage: scripts/bench_plan_capacity.sh [SIZE:SEED ...]      (default 2000:3 100000:11)
#   NEW_BIN (default .build/release/cimbase) and OLD_BIN (optional: a release binary of the tree before the change;
#   omitted, only NEW runs); WORK (default /tmp/plan_capacity_bench).
# Per city: `cimbase synth --buildings N --seed S --out WORK/cN`, then `cimbase ingest` and `cimbase walk` with NEW
# (not timed), so both plan commands reuse the same fresh base.gpkg and walk.gpkg.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
NEW_BIN="${NEW_BIN:-$ROOT/.build/release/cimbase}"
OLD_BIN="${OLD_BIN:-}"
WORK="${WORK:-/tmp/plan_capacity_bench}"
[ -x "$NEW_BIN" ] || { echo "missing $NEW_BIN (swift build -c release --product cimbase)" >&2; exit 2; }
[ -z "$OLD_BIN" ] || [ -x "$OLD_BIN" ] || { echo "missing $OLD_BIN" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "missing /usr/bin/time (apt-get install time)" >&2; exit 2; }
CITIES=("$@"); [ ${#CITIES[@]} -gt 0 ] || CITIES=(2000:3 100000:11)
mkdir -p "$WORK"
echo "# bench_plan_capacity $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
echo "# NEW $NEW_BIN ($(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?'))${OLD_BIN:+, OLD $OLD_BIN}"

# One plan command: prints a table row. $1 label, $2 binary, $3 config, $4 out dir.
plan() {
  local label="$1" bin="$2" cfg="$3" out="$4" log="$WORK/run.log"
  rm -f "$out/plan.csv" "$out/plan.gpkg"
  CIMBASE_TIMINGS=1 /usr/bin/time -v "$bin" plan "$cfg" --out "$out" --quiet > "$log" 2>&1 || { cat "$log"; exit 1; }
  local wall rss solve
  wall=$(grep 'Elapsed (wall clock)' "$log" | awk '{print $NF}')
  rss=$(grep 'Maximum resident set size' "$log" | awk '{print $NF}')
  solve=$(grep '^timing plan solve kindergarten' "$log" | awk '{print $5}')
  # plan.csv: category,threshold_m,weighting,sites,coverage_pct,newly_covered,served,target_pct,capacity (row 0 = today).
  local summary
  summary=$(awk -F, '$1 == "kindergarten" && $4 == 0 { c0 = $5 } $1 == "kindergarten" { s += $7; n = $4; c = $5; cap = $9 }
    END { printf "%d sites, %.2f %% → %.2f %%, served %.0f, capacity %s", n, c0, c, s, (cap == "" ? "none" : cap) }' "$out/plan.csv")
  cp "$out/plan.csv" "$WORK/$label.plan.csv"
  echo "| $label | $summary | ${solve:-?} s | $wall | $(( rss / 1024 )) MB |"
}

for spec in "${CITIES[@]}"; do
  n="${spec%%:*}"; seed="${spec##*:}"
  dir="$WORK/c$n"; out="$dir/out"
  if [ ! -f "$dir/city.yaml" ]; then "$NEW_BIN" synth --buildings "$n" --seed "$seed" --out "$dir" --quiet; fi
  mkdir -p "$out"
  # Both configs first, then ingest + walk: base.gpkg and walk.gpkg are newer than either, so both plans reuse them.
  if [ ! -f "$out/walk.gpkg" ] || [ "$out/walk.gpkg" -ot "$dir/city.yaml" ]; then
    { cat "$dir/city.yaml"; printf 'plan:\n  kindergarten: {target_pct: 80}\n  whatif: false\n'; } > "$dir/plan_none.yaml"
    { cat "$dir/city.yaml"; printf 'plan:\n  default_capacity: gb50180\n  kindergarten: {target_pct: 80}\n  whatif: false\n'; } > "$dir/plan_gb.yaml"
    "$NEW_BIN" ingest "$dir/plan_none.yaml" --out "$out" --quiet > /dev/null
    "$NEW_BIN" walk "$dir/plan_none.yaml" --out "$out" --quiet > /dev/null
  fi
  echo
  echo "## $n buildings, seed $seed (cimbase synth --buildings $n --seed $seed), kindergarten target_pct 80, whatif false"
  echo "| run | result (plan.csv) | solve (CIMBASE_TIMINGS) | whole command wall | peak RSS |"
  echo "|---|---|---|---|---|"
  for cap in none gb; do
    [ -z "$OLD_BIN" ] || plan "old-$n-$cap" "$OLD_BIN" "$dir/plan_$cap.yaml" "$out"
    plan "new-$n-$cap" "$NEW_BIN" "$dir/plan_$cap.yaml" "$out"
  done
done
echo
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
