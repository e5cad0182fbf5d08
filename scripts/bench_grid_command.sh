#!/usr/bin/env bash
# Whole `cimbase grid rasterize` command vs the GDAL chain that makes the same file (issue 12 point 4):
#   ours: cimbase grid rasterize SRC ours.tif -l LAYER <burn> -ot T -tr C C -te … -co COMPRESS=DEFLATE   (→ COG)
#   GDAL: gdal_rasterize <burn> -ot T -tr C C -te … SRC tmp.tif && gdal_translate -of COG -co COMPRESS=DEFLATE tmp.tif gdal.tif
# for a Byte mask (-burn 1), UInt16 (-a year_built) and Float32 (-a height_m) on the same grid; the outputs are
# compared cell for cell (GDAL's Python bindings); prints wall and CPU time (min of RUNS), the ratios GDAL/ours and
# peak RSS. Ours compresses on all cores (NUM_THREADS=ALL_CPUS), GDAL's chain on one, as each runs by default.
#
# Usage: scripts/bench_grid_command.sh [workdir]
#   env: SRC (default /work/cache/synth1000000/city.gpkg), LAYER (buildings), CELL (2.5 → 140M cells), RUNS (3),
#        CIMBASE="path/to/cimbase" to skip the build; CIMBASE_NATIVE=1 builds with -march=native (.build-native).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${1:-/tmp/cimbase_bench_grid_command}"
SRC="${SRC:-/work/cache/synth1000000/city.gpkg}"
LAYER="${LAYER:-buildings}"
CELL="${CELL:-2.5}"
RUNS="${RUNS:-3}"
PY=/usr/bin/python3
mkdir -p "$WORK"; cd "$WORK"
if [[ -z "${CIMBASE:-}" ]]; then CIMBASE="$("$ROOT/scripts/release-build" cimbase)/cimbase"; fi

wall() { grep "Elapsed (wall" "$1" | awk '{print $NF}' | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }'; }
peak() { grep "Maximum resident" "$1" | awk '{printf "%.0f", $6/1024}'; }
cpu() { awk -F': ' '/User time|System time/ { s += $2 } END { print s }' "$1"; }
# best <prefix> <cmd…>: RUNS runs under /usr/bin/time -v; prints "min_wall min_cpu max_peak_MB" (cpu = user + sys of
# the process and its children: on a machine shared with other jobs the wall time measures the scheduler's share).
best() {
  local pre=$1; shift; local w=() c=() p=0
  for i in $(seq "$RUNS"); do
    /usr/bin/time -v "$@" 2> "$pre.$i" > /dev/null || { cat "$pre.$i" >&2; exit 1; }
    w+=("$(wall "$pre.$i")"); c+=("$(cpu "$pre.$i")"); p=$(( $(peak "$pre.$i") > p ? $(peak "$pre.$i") : p ))
  done
  echo "$(printf '%s\n' "${w[@]}" | sort -g | head -1) $(printf '%s\n' "${c[@]}" | sort -g | head -1) $p"
}
gdal_chain() {  # gdal_chain <out.tif> <gdal_rasterize args…>
  local out=$1; shift
  rm -f tmp_gdal.tif "$out"
  gdal_rasterize -q "$@" "$SRC" tmp_gdal.tif && gdal_translate -q -of COG -co COMPRESS=DEFLATE tmp_gdal.tif "$out"
}
export -f gdal_chain; export SRC

echo "== machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $(gdalinfo --version)"
read -r X0 Y0 X1 Y1 < <(ogrinfo -so "$SRC" "$LAYER" | grep '^Extent' | sed 's/[(),-]/ /g' | awk '{print $2, $3, $4, $5}')
TE="$X0 $Y0 $X1 $Y1"
echo "== $SRC layer $LAYER, extent $TE, cell $CELL m"
printf "%-8s %-20s %8s %8s %7s %9s %9s %7s %8s %8s %8s %8s\n" type burn "ours s" "GDAL s" ratio "ours cpu" "GDAL cpu" ratio "ours MB" "GDAL MB" "ours MiB" "GDAL MiB"
# The last case asks ours for GDAL's compression effort: libtiff makes GDAL's default DEFLATE level 6 libdeflate's
# level 7, ours uses libdeflate's 6 unless -co LEVEL is given (then the level GDAL would use): same-size files.
for case in "Byte|-burn 1" "UInt16|-a year_built" "Float32|-a height_m" "Byte|-burn 1|-co LEVEL=6"; do
  T=${case%%|*}; rest=${case#*|}; BURN=${rest%%|*}; EXTRA=""; [[ "$rest" == *"|"* ]] && EXTRA=${rest#*|}
  read -r OW OC OP < <(best ours_$T "$CIMBASE" grid rasterize "$SRC" "ours_$T.tif" -l "$LAYER" $BURN -ot "$T" -tr "$CELL" "$CELL" -te $TE -co COMPRESS=DEFLATE $EXTRA)
  read -r GW GC GP < <(best gdal_$T bash -c "gdal_chain gdal_$T.tif -l $LAYER $BURN -ot $T -tr $CELL $CELL -te $TE")
  [[ -n "$EXTRA" ]] && BURN="$BURN $EXTRA"
  printf "%-8s %-20s %8.2f %8.2f %6.2fx %9.2f %9.2f %6.2fx %8s %8s %8.1f %8.1f\n" "$T" "$BURN" "$OW" "$GW" "$(awk -v a="$GW" -v b="$OW" 'BEGIN{print a/b}')" \
    "$OC" "$GC" "$(awk -v a="$GC" -v b="$OC" 'BEGIN{print a/b}')" "$OP" "$GP" \
    "$(awk -v s="$(stat -c %s ours_$T.tif)" 'BEGIN{print s/1048576}')" "$(awk -v s="$(stat -c %s gdal_$T.tif)" 'BEGIN{print s/1048576}')"
  echo "   $($PY "$ROOT/scripts/bench_grid_prepare.py" compare_tif "ours_$T.tif" "gdal_$T.tif")"
done
echo "(GDAL peak = the larger of gdal_rasterize and gdal_translate, timed as one bash -c; load at end: $(cut -d' ' -f1-3 /proc/loadavg))"
