#!/usr/bin/env bash
# Times the web step (`cimbase web DIR`: vector tiles folder + MBTiles, PNG tiles of every grid, the page) on a run
# folder, against an anchor measured in the same run: GDAL's own ogr2ogr writing the same vector layers (zones,
# walk_gaps, facilities, walkable roads) to an MVT folder at the same zooms (no indicator properties, no points layers,
# no MBTiles, no raster tiles: the least the step must do). Peak memory from /usr/bin/time -v; the step's own
# timings (CIMBASE_TIMINGS: vector features, vector tiles per zoom, raster tiles) and the load average are printed too.
# The run folder is copied first (cimbase web writes DIR/web/), so a read-only folder (/work/cache) can be given.
# Usage: scripts/bench_web.sh DIR [cimbase binary, default .build/release/cimbase]
#   ANCHOR_TIMEOUT=s stops the anchor after s seconds (default 600; at 1M GDAL's writer runs for tens of minutes) and
#   reports it as "> s"; NO_ANCHOR=1 skips it.
set -euo pipefail
src="$1"; bin="${2:-.build/release/cimbase}"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
dir="$tmp/run"; mkdir -p "$dir"
for f in "$src"/*; do case "$(basename "$f")" in web|tiles) ;; *) cp -r "$f" "$dir/";; esac; done
[ -d "$src/tiles" ] && ln -s "$(realpath "$src/tiles")" "$dir/tiles"
measure() { /usr/bin/time -v "$@" 2>"$tmp/time" >"$tmp/out"; awk -F': ' '/Elapsed \(wall clock\)/{t=$2} /Maximum resident/{m=$2} END{print t, m}' "$tmp/time"; }
echo "load before: $(cat /proc/loadavg)"
read -r web_t web_m < <(CIMBASE_TIMINGS=1 measure "$bin" web "$dir" --quiet)
summary="$(cat "$tmp/out")"
grep '^timing web' "$tmp/time" || true
echo "load after cimbase web: $(cat /proc/loadavg)"
zmin=$(python3 -c "import json;print(json.load(open('$dir/web/data.json'))['minzoom'])")
zmax=$(python3 -c "import json;print(json.load(open('$dir/web/data.json'))['maxzoom'])")
echo "cimbase web: $web_t (peak $web_m KB) — $summary"
[ "${NO_ANCHOR:-0}" = 1 ] && exit 0
anchor() {
  ogr2ogr -f MVT "$tmp/mvt" "$dir/base.gpkg" zones facilities -dsco MINZOOM=$zmin -dsco MAXZOOM=$zmax -dsco COMPRESS=NO -dsco MAX_SIZE=2000000 -dsco MAX_FEATURES=400000
  ogr2ogr -f MVT "$tmp/mvt2" "$dir/walk.gpkg" walk_gaps -dsco MINZOOM=$zmin -dsco MAXZOOM=$zmax -dsco COMPRESS=NO -dsco MAX_SIZE=2000000
  ogr2ogr -f MVT "$tmp/mvt3" "$dir/base.gpkg" -sql "SELECT * FROM roads WHERE walkable = 1" -nln walk -dsco MINZOOM=$((zmax > zmin + 3 ? zmax - 3 : zmin)) -dsco MAXZOOM=$zmax -dsco COMPRESS=NO -dsco MAX_SIZE=2000000
}
export -f anchor; export tmp dir zmin zmax
to="${ANCHOR_TIMEOUT:-600}"
set +e
read -r a_t a_m < <(measure timeout "$to" bash -c anchor)
rc=$?
set -e
echo "load after anchor: $(cat /proc/loadavg)"
if grep -q "Command exited with non-zero status 124" "$tmp/time"; then
  echo "anchor ogr2ogr -f MVT (same vector layers, z$zmin–$zmax): > $to s (stopped by timeout; peak $a_m KB)"
  python3 -c "import sys;p=[float(x) for x in '$web_t'.split(':')];w=p[-1]+60*p[-2]+(3600*p[-3] if len(p)>2 else 0);print(f'ratio cimbase web / anchor: < {w/$to:.3f} ({w:.1f} s / > $to s)')"
  exit 0
fi
echo "anchor ogr2ogr -f MVT (same vector layers, z$zmin–$zmax): $a_t (peak $a_m KB)"
python3 - "$web_t" "$a_t" <<'PY'
import sys
def s(t):
    p = [float(x) for x in t.split(":")]
    return p[-1] + 60 * p[-2] + (3600 * p[-3] if len(p) > 2 else 0)
w, a = s(sys.argv[1]), s(sys.argv[2])
print(f"ratio cimbase web / anchor: {w / a:.2f} ({w:.1f} s / {a:.1f} s)")
PY
