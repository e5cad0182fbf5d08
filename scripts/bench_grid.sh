#!/usr/bin/env bash
# GridCore benchmark (issue 4, Speed): builds cimbase-bench in release, measures memory bandwidth with Swift copy/triad
# loops, streaming map-algebra passes on a 100M-cell Float32 grid (SIMD vs scalar, % of triad), the distance transform
# with a max distance vs gdal_proximity.py -maxdist on a 10k×10k grid, and centre / exact rasterization of the Monaco
# buildings at 1 m vs gdal_rasterize (outputs compared cell for cell). Peak memory of each run via /usr/bin/time -v.
#
# Usage: scripts/bench_grid.sh [workdir]      env: BENCH="path/to/cimbase-bench grid" to skip the build,
#        EDT_N (default 10000), EDT_MAXDIST (default 100, metres = cells), STREAM_CELLS (default 100000000).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${1:-/tmp/cimbase_bench_grid}"
PY=/usr/bin/python3                      # Debian's python3-gdal lives here
PREP="$ROOT/scripts/bench_grid_prepare.py"
EDT_N="${EDT_N:-10000}"
EDT_MAXDIST="${EDT_MAXDIST:-100}"
STREAM_CELLS="${STREAM_CELLS:-100000000}"
mkdir -p "$WORK"
cd "$WORK"

if [[ -z "${BENCH:-}" ]]; then
  BENCH="$("$ROOT/scripts/release-build" cimbase-bench)/cimbase-bench grid"
fi

peak() { grep "Maximum resident" "$1" | awk '{printf "%.0f MB", $6/1024}'; }
wall() { grep "Elapsed (wall" "$1" | awk '{print $NF}' | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }'; }
val() { grep "^$1 " "$2" | awk '{print $2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# min3 <timefile-prefix> <command…>: runs the command 3 times under /usr/bin/time -v (files PREFIX.1..3); prints min wall.
min3() {
  local pre=$1; shift
  for i in 1 2 3; do /usr/bin/time -v "$@" 2> "$pre.$i" > /dev/null; done
  for i in 1 2 3; do wall "$pre.$i"; done | sort -g | head -1
}

echo "== machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== inputs"
[[ -f polys.bin ]] || $PY "$PREP" polygons polys.bin polys.fgb
[[ -f edt.u8 ]] || $PY "$PREP" edt edt.tif edt.u8 "$EDT_N" 7

echo "== memory bandwidth (Swift copy / triad, STREAM byte counting)"
/usr/bin/time -v $BENCH bandwidth "$STREAM_CELLS" > bw.txt 2> bw.time
cat bw.txt | grep gbs
TRIAD=$(val triad_gbs bw.txt)

echo "== streaming passes on a ${STREAM_CELLS}-cell Float32 grid"
/usr/bin/time -v $BENCH stream "$STREAM_CELLS" > stream.txt 2> stream.time
printf "%-14s %10s %10s %8s %10s\n" kernel "SIMD GB/s" "% triad" "ms" "SIMD gain"
for k in sum threshold maskedsum weightedsum count minmax and; do
  s=$(val ${k}_simd_gbs stream.txt); c=$(val ${k}_scalar_gbs stream.txt); ms=$(val ${k}_simd_ms stream.txt)
  printf "%-14s %10.1f %9.0f%% %8.1f %9.1fx\n" "$k" "$s" "$(awk -v s="$s" -v t="$TRIAD" 'BEGIN{print 100*s/t}')" "$ms" "$(ratio "$s" "$c")"
done
echo "threshold incl. allocating a new output grid: $(val threshold_alloc_simd_gbs stream.txt) GB/s"
echo "peak memory (stream): $(peak stream.time)"

echo "== polygon rasterization: Monaco buildings at 1 m"
/usr/bin/time -v $BENCH rasterize polys.bin 1 ours.u8 > rast.txt 2> rast.time
read -r _ R C X0 Y1 < <(grep '^grid ' rast.txt)
TE=$(awk -v r="$R" -v c="$C" -v x="$X0" -v y="$Y1" 'BEGIN { printf "%.10f %.10f %.10f %.10f", x, y - r, x + c, y }')
GT=$(min3 gdal_rast gdal_rasterize -q -burn 1 -ot Byte -tr 1 1 -te $TE -of GTiff -co TILED=NO polys.fgb gdal.tif)
GM=$(min3 gdal_rast_mem gdal_rasterize -q -burn 1 -ot Byte -tr 1 1 -te $TE -of MEM polys.fgb mem)
cat rast.txt | grep -v '^grid'
CENTRE=$(val centre_s rast.txt); EXACT=$(val exact_s rast.txt); OURS_WALL=$(wall rast.time)
echo "gdal_rasterize wall (min of 3): GTiff ${GT}s, MEM ${GM}s; peak $(peak gdal_rast.1)"
echo "ours centre kernel ${CENTRE}s -> $(ratio "$GM" "$CENTRE")x faster than gdal_rasterize -of MEM, $(ratio "$GT" "$CENTRE")x vs GTiff"
echo "exact coverage / centre: $(ratio "$EXACT" "$CENTRE")x   (ours whole process incl. 5+5 runs: ${OURS_WALL}s, peak $(peak rast.time))"
$PY "$PREP" compare ours.u8 gdal.tif

echo "== distance transform ${EDT_N}x${EDT_N}, max distance ${EDT_MAXDIST} m"
/usr/bin/time -v $BENCH edt edt.u8 "$EDT_N" "$EDT_N" 1 "$EDT_MAXDIST" ours.f32 > edt.txt 2> edt.time
cat edt.txt
PX=$(min3 prox sh -c "rm -f prox.tif && gdal_proximity.py edt.tif prox.tif -values 1 -distunits GEO -maxdist $EDT_MAXDIST -ot Float32 -nodata -1 -q")
echo "gdal_proximity.py -maxdist (min of 3): ${PX}s wall, peak $(peak prox.1)"
echo "ours (best of 3, incl. output allocation): $(val edt_maxdist_s edt.txt)s -> $(ratio "$PX" "$(val edt_maxdist_s edt.txt)")x faster; within(): $(val within_s edt.txt)s -> $(ratio "$PX" "$(val within_s edt.txt)")x; peak $(peak edt.time) (whole bench process: input, output, temp of within)"
echo "ours into a reused output grid (no allocation / page faults): $(val edt_maxdist_reused_output_s edt.txt)s -> $(ratio "$PX" "$(val edt_maxdist_reused_output_s edt.txt)")x"
$PY "$PREP" compare_f32 ours.f32 prox.tif "$EDT_MAXDIST"
/usr/bin/time -v $BENCH edt edt.u8 "$EDT_N" "$EDT_N" 1 "$EDT_MAXDIST" none edt > /dev/null 2> edt1.time
/usr/bin/time -v $BENCH edt edt.u8 "$EDT_N" "$EDT_N" 1 "$EDT_MAXDIST" none within > /dev/null 2> within1.time
echo "peak memory, one call per process: distanceTransform $(peak edt1.time), within $(peak within1.time) (input mask $((EDT_N * EDT_N / 1048576)) MB)"
