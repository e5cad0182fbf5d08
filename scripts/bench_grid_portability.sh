#!/usr/bin/env bash
# Default (portable) build vs -march=native build of the GridCore kernels (issue 14), interleaved so that both see
# the same machine load: for ROUNDS rounds, each build runs the streaming passes, the Monaco rasterization and the
# 10k × 10k distance transform with max distance (cimbase-bench grid …); the best figure of each build is kept and
# the default build's share of native speed printed per kernel.
#
# Usage: scripts/bench_grid_portability.sh [workdir]   (inputs as scripts/bench_grid.sh makes them; it runs it first
#        in WORK/inputs when they are missing)
#   env: DEFAULT_BENCH / NATIVE_BENCH = paths to cimbase-bench to skip the builds; ROUNDS (default 2).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${1:-/tmp/cimbase_bench_grid_portability}"
ROUNDS="${ROUNDS:-2}"
PY=/usr/bin/python3
mkdir -p "$WORK"; cd "$WORK"
[[ -f polys.bin ]] || $PY "$ROOT/scripts/bench_grid_prepare.py" polygons polys.bin polys.fgb > /dev/null
[[ -f edt.u8 ]] || $PY "$ROOT/scripts/bench_grid_prepare.py" edt edt.tif edt.u8 10000 7 > /dev/null
DEF="${DEFAULT_BENCH:-$("$ROOT/scripts/release-build" cimbase-bench)/cimbase-bench}"
NAT="${NATIVE_BENCH:-$(CIMBASE_NATIVE=1 "$ROOT/scripts/release-build" cimbase-bench)/cimbase-bench}"
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$ROUNDS"); do
  for b in default native; do
    exe=$DEF; [[ $b == native ]] && exe=$NAT
    "$exe" grid stream 100000000 >> "stream.$b"
    "$exe" grid rasterize polys.bin 1 >> "rast.$b"
    "$exe" grid edt edt.u8 10000 10000 1 100 none edt >> "edt.$b"
  done
done
# best <file> <key> <higher|lower>
best() { awk -v k="$2" -v h="$3" '$1 == k { if (n == 0 || (h == "higher" ? $2 > b : $2 < b)) b = $2; n++ } END { print b }' "$1"; }
printf "%-16s %12s %12s %10s\n" kernel default native "default/native"
for k in sum threshold maskedsum weightedsum count minmax and; do
  d=$(best stream.default ${k}_simd_gbs higher); n=$(best stream.native ${k}_simd_gbs higher)
  printf "%-16s %9.2f GB/s %6.2f GB/s %9.0f%%\n" "$k" "$d" "$n" "$(awk -v a="$d" -v b="$n" 'BEGIN{print 100*a/b}')"
done
for k in centre_s exact_s; do
  d=$(best rast.default $k lower); n=$(best rast.native $k lower)
  printf "%-16s %10.3f s %10.3f s %9.0f%%\n" "rasterize ${k%_s}" "$d" "$n" "$(awk -v a="$d" -v b="$n" 'BEGIN{print 100*b/a}')"
done
d=$(best edt.default edt_single_s lower); n=$(best edt.native edt_single_s lower)
printf "%-16s %10.3f s %10.3f s %9.0f%%\n" "edt maxdist 100" "$d" "$n" "$(awk -v a="$d" -v b="$n" 'BEGIN{print 100*b/a}')"
echo "(best of $ROUNDS interleaved rounds; load at end $(cut -d' ' -f1-3 /proc/loadavg))"
