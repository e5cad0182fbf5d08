#!/usr/bin/env bash
# Walk network benchmark (issue 5, Speed): Swift `cimbase-bench walk` vs scipy's multi-source dijkstra and pandana's
# nearest_pois on the same synthetic street-like graph (grid with 30 % of links removed, ~100 m spacing,
# 7 categories at 1 facility per km², cutoff 1,200 m), plus graph build + snapping of 1M origins with peak memory.
#
#   scripts/bench_walk.sh                      # 1000×1000 (1M nodes); pandana at 300×300 (90k nodes)
#   PANDANA_SIDE=1000 scripts/bench_walk.sh    # pandana at 1M nodes too (its setup takes minutes)
#   BENCH_BIN=path/to/binary scripts/bench_walk.sh   # use an already built binary (called as `BIN walk …`)
# Env: SIDE (1000), PANDANA_SIDE (300), THREADS (2), OUT (/tmp/cimbase_walk_bench).
set -euo pipefail
cd "$(dirname "$0")/.."
SIDE=${SIDE:-1000}
PANDANA_SIDE=${PANDANA_SIDE:-300}
THREADS=${THREADS:-2}
OUT=${OUT:-/tmp/cimbase_walk_bench}
if [ -z "${BENCH_BIN:-}" ]; then
    BENCH_BIN="$(scripts/release-build cimbase-bench)/cimbase-bench"
fi
VENV=scripts/.venv
if ! "$VENV/bin/python" -c "import scipy, pandana" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q numpy scipy pandas pandana
fi
mkdir -p "$OUT"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== graph build + snapping of 1M origins (peak memory of this phase alone)"
/usr/bin/time -v "$BENCH_BIN" walk --side "$SIDE" --threads "$THREADS" --origins 1000000 --phase build 2> "$OUT/time_build.txt"
grep -E "Maximum resident set size|Elapsed \(wall" "$OUT/time_build.txt"

echo "== Swift: all phases, export for the anchors"
/usr/bin/time -v "$BENCH_BIN" walk --side "$SIDE" --threads "$THREADS" --origins 1000000 --repeats 5 --export "$OUT/g$SIDE" 2> "$OUT/time_full.txt"
grep -E "Maximum resident set size" "$OUT/time_full.txt"

echo "== scipy on the same graph"
if [ "$PANDANA_SIDE" = "$SIDE" ]; then
    "$VENV/bin/python" scripts/bench_walk_anchor.py "$OUT/g$SIDE" --pandana
else
    "$VENV/bin/python" scripts/bench_walk_anchor.py "$OUT/g$SIDE"
    echo "== pandana at ${PANDANA_SIDE}×${PANDANA_SIDE} (its setup is too slow at 1M nodes for a routine run)"
    "$BENCH_BIN" walk --side "$PANDANA_SIDE" --threads "$THREADS" --origins 100000 --repeats 5 --export "$OUT/g$PANDANA_SIDE" | grep -E "walk bench|search:"
    "$VENV/bin/python" scripts/bench_walk_anchor.py "$OUT/g$PANDANA_SIDE" --pandana
fi
echo "machine after: load average $(cut -d' ' -f1-3 /proc/loadavg)"
