#!/usr/bin/env bash
# Issue 17: Swift greedy + local search vs the HiGHS integer-program optimum on seeded random MCLP instances.
# Usage: scripts/check_plan_optimum.sh [SEED] [COUNT] [MAX_CANDIDATES] [CAPACITY_FACTORS]   (defaults 17, 200, 40, none)
#   CAPACITY_FACTORS e.g. 0.25,0.5,1: capacitated instances, capacity = factor × demand weight / k (cycled).
# Needs .build/{release,debug}/cimbase-bench and scripts/.venv with highspy (python3 -m venv scripts/.venv &&
# scripts/.venv/bin/pip install highspy numpy). Writes the instances to a temporary file; exit 1 on any failure.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BENCH="$ROOT/.build/release/cimbase-bench"; [ -x "$BENCH" ] || BENCH="$ROOT/.build/debug/cimbase-bench"
PY="$ROOT/scripts/.venv/bin/python"
[ -x "$BENCH" ] || { echo "missing cimbase-bench (swift build --product cimbase-bench)" >&2; exit 2; }
"$PY" -c "import highspy" 2>/dev/null || { echo "highspy missing: $PY -m pip install highspy numpy" >&2; exit 2; }
TMP="$(mktemp /tmp/plan_instances.XXXXXX.json)"
CAP=(); [ -n "${4:-}" ] && CAP=(--capacity "$4")
"$BENCH" plan-instances --seed "${1:-17}" --count "${2:-200}" --max-candidates "${3:-40}" "${CAP[@]}" --out "$TMP"
echo "# instances: cimbase-bench plan-instances --seed ${1:-17} --count ${2:-200} --max-candidates ${3:-40} ${CAP[*]} ($TMP)"
"$PY" "$ROOT/scripts/check_plan_optimum.py" "$TMP"
