#!/usr/bin/env bash
# Issue 17: Swift greedy + local search vs the HiGHS integer-program optimum on seeded random MCLP instances.
# Usage: scripts/check_plan_optimum.sh [SEED] [COUNT] [MAX_CANDIDATES]   (defaults 17, 200, 40)
# Needs .build/{release,debug}/cimbase-bench and scripts/.venv with highspy (python3 -m venv scripts/.venv &&
# scripts/.venv/bin/pip install highspy numpy). Writes the instances to a temporary file; exit 1 on any failure.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BENCH="$ROOT/.build/release/cimbase-bench"; [ -x "$BENCH" ] || BENCH="$ROOT/.build/debug/cimbase-bench"
PY="$ROOT/scripts/.venv/bin/python"
[ -x "$BENCH" ] || { echo "missing cimbase-bench (swift build --product cimbase-bench)" >&2; exit 2; }
"$PY" -c "import highspy" 2>/dev/null || { echo "highspy missing: $PY -m pip install highspy numpy" >&2; exit 2; }
TMP="$(mktemp /tmp/plan_instances.XXXXXX.json)"
"$BENCH" plan-instances --seed "${1:-17}" --count "${2:-200}" --max-candidates "${3:-40}" --out "$TMP"
echo "# instances: cimbase-bench plan-instances --seed ${1:-17} --count ${2:-200} --max-candidates ${3:-40} ($TMP)"
"$PY" "$ROOT/scripts/check_plan_optimum.py" "$TMP"
