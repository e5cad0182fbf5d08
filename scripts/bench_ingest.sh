#!/usr/bin/env bash
# Ingest throughput (issue 2): `cimbase ingest --osm` on the Monaco extract (23k buildings) against
# `ogr2ogr -t_srs EPSG:32632` of the same OSM layers (points, lines, multipolygons) to a GeoPackage, in the same run.
# Ours reads, reprojects with PROJ, validates every feature with GEOS (repairs, rejects, duplicates) and writes base.gpkg.
# Usage: scripts/bench_ingest.sh [osm.pbf] [city.yaml …]   (default ../shared/data/monaco_osm/monaco.osm.pbf)
# Each extra city.yaml (e.g. /work/cache/synth1000000/city.yaml) is ingested once more, with wall time and peak RSS.
# CIMBASE_TIMINGS=1 prints the time of every ingest step on stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
pbf="${1:-../shared/data/monaco_osm/monaco.osm.pbf}"
shift || true
[ -f "$pbf" ] || { echo "bench_ingest: $pbf not found (../shared absent?)"; exit 0; }
# CIMBASE_BIN_DIR=DIR times DIR/cimbase instead (e.g. main's release binary as the "before" anchor).
bin=${CIMBASE_BIN_DIR:-$(scripts/release-build cimbase)}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
# Runs alternate (ours, ogr2ogr, ours, …) so that both see the same machine load.
bestpair() {
  local ob=999999 oc=999999 gb=999999 gc=999999 t
  for i in 1 2 3; do
    rm -rf "$work/o"; mkdir -p "$work/o"
    /usr/bin/time -f "%e %M %U %S" -o "$work/t" "$bin/cimbase" ingest --osm "$pbf" --out "$work/o" --quiet >/dev/null 2>&1
    ob=$(python3 -c "print(min($ob,$(cut -d' ' -f1 "$work/t")))"); oc=$(python3 -c "print(round(min($oc, $(cut -d' ' -f3 "$work/t") + $(cut -d' ' -f4 "$work/t")), 2))"); okb=$(cut -d' ' -f2 "$work/t")
    rm -f "$work/gdal.gpkg"
    /usr/bin/time -f "%e %M %U %S" -o "$work/t" ogr2ogr -f GPKG -t_srs EPSG:32632 "$work/gdal.gpkg" "$pbf" points lines multipolygons >/dev/null 2>&1
    gb=$(python3 -c "print(min($gb,$(cut -d' ' -f1 "$work/t")))"); gc=$(python3 -c "print(round(min($gc, $(cut -d' ' -f3 "$work/t") + $(cut -d' ' -f4 "$work/t")), 2))"); gkb=$(cut -d' ' -f2 "$work/t")
  done
  echo "$ob $okb $oc $gb $gkb $gc"
}
read ours_s ours_kb ours_cpu gdal_s gdal_kb gdal_cpu < <(bestpair)
rm -rf "$work/o"; mkdir -p "$work/o"
"$bin/cimbase" ingest --osm "$pbf" --out "$work/o" --quiet > "$work/summary.txt"
mkdir -p "$work/o"; ogr2ogr -f GPKG -t_srs EPSG:32632 "$work/o/gdal.gpkg" "$pbf" points lines multipolygons >/dev/null 2>&1
feats=$(ogrinfo -ro -q "$work/o/base.gpkg" -sql "SELECT (SELECT COUNT(*) FROM buildings)+(SELECT COUNT(*) FROM roads)+(SELECT COUNT(*) FROM facilities)+(SELECT COUNT(*) FROM green)+(SELECT COUNT(*) FROM water)+(SELECT COUNT(*) FROM pipes)+(SELECT COUNT(*) FROM zones)+(SELECT COUNT(*) FROM rejects) AS n" | awk -F'= ' '/n \(Integer/ {print $2}')
gdal_feats=$(for l in points lines multipolygons; do ogrinfo -ro -so "$work/o/gdal.gpkg" "$l" | awk -F': ' '/Feature Count/ {print $2}'; done | python3 -c "import sys; print(sum(int(x) for x in sys.stdin.read().split()))")
echo "input: $pbf"
cat "$work/summary.txt" | head -1
echo "cimbase ingest:      ${ours_s} s (CPU ${ours_cpu} s), $feats features kept or rejected → $(python3 -c "print(round($feats/$ours_s))") features/s, peak $((ours_kb/1024)) MB"
echo "ogr2ogr -t_srs GPKG: ${gdal_s} s (CPU ${gdal_cpu} s), $gdal_feats features copied → $(python3 -c "print(round($gdal_feats/$gdal_s))") features/s, peak $((gdal_kb/1024)) MB"
echo "RATIO ogr2ogr_time/cimbase_time $(python3 -c "print(round($gdal_s/$ours_s,2))")x  CPU $(python3 -c "print(round($gdal_cpu/$ours_cpu,2))")x  (features/s ratio cimbase/ogr2ogr $(python3 -c "print(round(($feats/$ours_s)/($gdal_feats/$gdal_s),2))")x)"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
for cfg in "$@"; do
  rm -rf "$work/c"; mkdir -p "$work/c"
  /usr/bin/time -f "%e %M %U %S" -o "$work/t" "$bin/cimbase" ingest "$cfg" --out "$work/c" --quiet > "$work/csummary.txt"
  echo "$cfg: $(cut -d' ' -f1 "$work/t") s (CPU $(python3 -c "print(round($(cut -d' ' -f3 "$work/t") + $(cut -d' ' -f4 "$work/t"), 2))") s), peak $(( $(cut -d' ' -f2 "$work/t") / 1024 )) MB, base.gpkg $(( $(stat -c %s "$work/c/base.gpkg") / 1048576 )) MB"
  head -1 "$work/csummary.txt"
done
