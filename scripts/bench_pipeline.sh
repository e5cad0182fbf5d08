#!/usr/bin/env bash
# Whole-pipeline and indicator-stage benchmark (issue 6): `cimbase run` on the Monaco extract and on a synthetic city
# of 100k buildings, with the time of each stage (its summary line), the seconds per indicator (CIMBASE_TIMINGS) and
# the peak memory of the run.
# Usage: scripts/bench_pipeline.sh [N_SYNTH]       (default 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-100000}"
bin=$(scripts/release-build cimbase)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
run() { # name config-or-args…
  local name=$1; shift
  echo "== $name"
  CIMBASE_TIMINGS=1 /usr/bin/time -f "peak %M KB, wall %e s" -o "$work/t" "$bin/cimbase" run "$@" --out "$work/$name" --quiet 2> "$work/err" | sed 's/^/  /'
  grep '^timing' "$work/err" | sed 's/^timing indicator/  indicator/' | head -25
  echo "  run: $(cat "$work/t" | awk '{printf "peak %d MB, wall %s s\n", $2/1024, $5}')"
}
pbf=../shared/data/monaco_osm/monaco.osm.pbf
if [ -f "$pbf" ]; then run monaco --osm "$pbf"; else echo "== monaco: ../shared absent, skipped"; fi
"$bin/cimbase" synth --buildings "$n" --seed 42 --out "$work/synth" --quiet | sed 's/^/  /'
run "synth$n" "$work/synth/city.yaml"
