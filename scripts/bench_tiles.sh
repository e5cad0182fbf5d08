#!/usr/bin/env bash
# 3D Tiles export benchmark (issue 7): synthetic cities of N buildings → TilesetWriter, buildings/s and peak memory,
# with the input-only memory as baseline; the smallest size is also validated and compared with py3dtiles.
# Usage: scripts/bench_tiles.sh [N ...]            (default: 23000 1000000)
# Env:   CIMBASE_BENCH=path/to/binary  use a prebuilt binary that dispatches `tiles` to runTilesBench
#        TILES_BENCH_DIR=dir           where outputs go (default: a fresh /tmp dir, removed at the end)
#        NO_ANCHOR=1                   skip py3dtiles
# Anchor: py3dtiles (PyPI) `export -d DIR`, which reads one MultiPolygon Z WKB per building (the same extruded
# solids, dumped by `cimbase-bench tiles --dump-wkb`), triangulates and tiles them (no georeferencing, no metadata).
# It is installed into scripts/.venv/anchors/py3dtiles (its own venv: it pins numpy).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
sizes="${*:-23000 1000000}"
if [ -n "${CIMBASE_BENCH:-}" ]; then
  bin="$CIMBASE_BENCH"
else
  bin="$("$root/scripts/release-build" cimbase-bench)/cimbase-bench"
fi
work="${TILES_BENCH_DIR:-}"
if [ -z "$work" ]; then work="$(mktemp -d /tmp/cimbase-tiles-bench.XXXXXX)"; trap 'rm -rf "$work"' EXIT; fi
mkdir -p "$work"
peak() { awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$1"; }
echo "machine: $(nproc) cores; $(date -u +%FT%TZ)"
smallest=""
for n in $sizes; do
  [ -z "$smallest" ] && smallest="$n"
  /usr/bin/time -v "$bin" tiles --n "$n" --gen-only >/dev/null 2>"$work/gen_$n.time"
  /usr/bin/time -v "$bin" tiles --n "$n" --out "$work/cimbase_$n" >"$work/run_$n.log" 2>"$work/run_$n.time"
  line="$(grep '^tiles:' "$work/run_$n.log")"
  echo "$line"
  echo "  N=$n peak RSS: export run $(peak "$work/run_$n.time") MB, input only $(peak "$work/gen_$n.time") MB"
  if [ "$n" = "$smallest" ]; then
    "$here/validate_tiles.sh" "$work/cimbase_$n" -q | sed 's/^/  validator: /'
  fi
  rm -rf "$work/cimbase_$n"
done
if [ -z "${NO_ANCHOR:-}" ]; then
  n="$smallest"
  anchor="$here/.venv/anchors/py3dtiles"
  if [ ! -x "$anchor/bin/py3dtiles" ]; then
    python3 -m venv "$anchor" && "$anchor/bin/python" -m pip install -q py3dtiles
  fi
  "$bin" tiles --n "$n" --dump-wkb "$work/wkb_$n" >/dev/null
  (cd "$work" && /usr/bin/time -v "$anchor/bin/py3dtiles" export -d "$work/wkb_$n" -s "$work/py3dtiles_$n" --spec-version 1.1 \
      >"$work/py3dtiles_$n.log" 2>"$work/py3dtiles_$n.time")
  pys="$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$work/py3dtiles_$n.time")"
  ours="$(grep '^tiles:' "$work/run_$n.log" | sed -E 's/.*export_s=([0-9.]+).*/\1/')"
  echo "py3dtiles export N=$n: ${pys} s wall, peak $(peak "$work/py3dtiles_$n.time") MB (its input: WKB files of the same solids)"
  awk -v a="$pys" -v b="$ours" 'BEGIN { if (b > 0) printf "ratio py3dtiles / cimbase (N=%s): %.1fx\n", "'"$n"'", a / b }'
fi
