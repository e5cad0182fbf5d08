#!/usr/bin/env bash
# Terrain benchmark (issue 15, item 2): `cimbase ingest` of a synthetic city with its DEM (layers.dem: dem.tif, the
# minimum under each footprint) against the anchor, the same command on the same city without layers.dem, measured
# in the same run. Prints both wall times, the ratio, the terrain step (CIMBASE_TIMINGS) and the peak memory.
#
#   scripts/bench_terrain.sh                 # 100k buildings (seed 11), cached under $CACHE
#   SIZES="100000 1000000" scripts/bench_terrain.sh
#   BIN=path/to/cimbase scripts/bench_terrain.sh
# Env: CACHE (/work/cache/terrain), OUT (/tmp/cimbase_terrain_bench).
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE=${CACHE:-/work/cache/terrain}
OUT=${OUT:-/tmp/cimbase_terrain_bench}
SIZES=${SIZES:-100000}
if [ -z "${BIN:-}" ]; then BIN="$(scripts/release-build cimbase)/cimbase"; fi
mkdir -p "$CACHE" "$OUT"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for n in $SIZES; do
    city="$CACHE/synth$n"
    if [ ! -f "$city/dem.tif" ]; then
        echo "== synth $n buildings (seed 11) → $city"
        "$BIN" synth --buildings "$n" --seed 11 --out "$city" --quiet > /dev/null
    fi
    # The anchor's config: the same city without layers.dem.
    grep -v '^  dem:' "$city/city.yaml" > "$city/city-nodem.yaml"
    dem_cells=$(gdalinfo "$city/dem.tif" 2>/dev/null | awk '/^Size is/ {gsub(",", ""); print $3 "×" $4}')
    for variant in nodem dem; do
        cfg="$city/city.yaml"; [ "$variant" = nodem ] && cfg="$city/city-nodem.yaml"
        rm -rf "$OUT/$variant"
        start=$(date +%s.%N)
        CIMBASE_TIMINGS=1 /usr/bin/time -v "$BIN" ingest "$cfg" --out "$OUT/$variant" --quiet 2> "$OUT/$variant.err" > /dev/null
        end=$(date +%s.%N)
        wall=$(echo "$end - $start" | bc -l)
        rss=$(awk -F: '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$OUT/$variant.err")
        eval "wall_$variant=$wall; rss_$variant=$rss"
    done
    terrain=$(awk '/^timing ingest terrain / {print $4 " s"}' "$OUT/dem.err" | head -1)
    printf "%s buildings, DEM %s cells (10 m)\n" "$n" "$dem_cells"
    printf "  ingest without dem (anchor): %6.2f s  peak %s MB\n" "$wall_nodem" "$rss_nodem"
    printf "  ingest with dem            : %6.2f s  peak %s MB\n" "$wall_dem" "$rss_dem"
    printf "  ratio %.3f · terrain step %s\n" "$(echo "$wall_dem / $wall_nodem" | bc -l)" "${terrain:-?}"
    ogrinfo -q -sql "select ground_source, count(*) from buildings group by ground_source" "$OUT/dem/base.gpkg" 2>/dev/null \
        | awk '/ground_source|count/ {printf "  %s", $0} END {print ""}'
done
