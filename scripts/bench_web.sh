#!/usr/bin/env bash
# Times the web step (`cimbase web DIR`: vector tiles folder + MBTiles, PNG tiles of every grid, the page) on a run
# folder, against an anchor measured in the same run: GDAL's own ogr2ogr writing the same vector layers (zones,
# walk_gaps, facilities, walkable roads) to an MVT folder at the same zooms (no indicator properties, no points layers,
# no MBTiles, no raster tiles: the least the step must do). Peak memory from /usr/bin/time -v.
# Usage: scripts/bench_web.sh DIR [cimbase binary, default .build/release/cimbase]
set -euo pipefail
dir="$1"; bin="${2:-.build/release/cimbase}"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
measure() { /usr/bin/time -v "$@" 2>"$tmp/time" >"$tmp/out"; awk -F': ' '/Elapsed \(wall clock\)/{t=$2} /Maximum resident/{m=$2} END{print t, m}' "$tmp/time"; }
read -r web_t web_m < <(measure "$bin" web "$dir" --quiet)
summary="$(cat "$tmp/out")"
zmin=$(python3 -c "import json;print(json.load(open('$dir/web/data.json'))['minzoom'])")
zmax=$(python3 -c "import json;print(json.load(open('$dir/web/data.json'))['maxzoom'])")
anchor() {
  ogr2ogr -f MVT "$tmp/mvt" "$dir/base.gpkg" zones facilities -dsco MINZOOM=$zmin -dsco MAXZOOM=$zmax -dsco COMPRESS=NO -dsco MAX_SIZE=2000000 -dsco MAX_FEATURES=400000
  ogr2ogr -f MVT "$tmp/mvt2" "$dir/walk.gpkg" walk_gaps -dsco MINZOOM=$zmin -dsco MAXZOOM=$zmax -dsco COMPRESS=NO -dsco MAX_SIZE=2000000
  ogr2ogr -f MVT "$tmp/mvt3" "$dir/base.gpkg" -sql "SELECT * FROM roads WHERE walkable = 1" -nln walk -dsco MINZOOM=$((zmax > zmin + 3 ? zmax - 3 : zmin)) -dsco MAXZOOM=$zmax -dsco COMPRESS=NO -dsco MAX_SIZE=2000000
}
export -f anchor; export tmp dir zmin zmax
read -r a_t a_m < <(measure bash -c anchor)
echo "cimbase web: $web_t (peak $web_m KB) — $summary"
echo "anchor ogr2ogr -f MVT (same vector layers, z$zmin–$zmax): $a_t (peak $a_m KB)"
python3 - "$web_t" "$a_t" <<'PY'
import sys
def s(t):
    p = [float(x) for x in t.split(":")]
    return p[-1] + 60 * p[-2] + (3600 * p[-3] if len(p) > 2 else 0)
w, a = s(sys.argv[1]), s(sys.argv[2])
print(f"ratio cimbase web / anchor: {w / a:.2f} ({w:.1f} s / {a:.1f} s)")
PY
