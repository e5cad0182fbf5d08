#!/usr/bin/env bash
# Equality of partitioned runs (issue 18): for each city and split, `cimbase partition` + every part
# (`cimbase run --partition K`, sequentially) + `cimbase merge`, against one `cimbase run` of the same config.
# Checks: walk.gpkg `access` rows identical (every column: d_<category>, snap, fire_drive_m), indicators.csv within
# 1e-9 relative, the merged (joined) tileset passing scripts/validate_tiles.sh and holding the single run's buildings with the
# same numeric properties (scripts/tileset_buildings.py).
# Also prints wall time and peak RSS (/usr/bin/time) of every step, and the load.
# Usage: scripts/check_partitions.sh [WORK=/tmp/part/check] [BIN=.build/release/cimbase]
#   CITIES="100k:4,9,16 monaco:4" (default); 100k = /work/cache/synth100000, 1m = /work/cache/synth1000000
#   (cimbase synth --buildings N --seed 11), both with web: false added.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; root="$(cd "$here/.." && pwd)"
work="${1:-/tmp/part/check}"; bin="$(realpath "${2:-$root/.build/release/cimbase}")"
cities="${CITIES:-100k:4,9,16 monaco:4}"
mkdir -p "$work"
timed() { # timed LABEL cmd… : appends "LABEL wall peak_kb" to $work/times.txt
  local label="$1"; shift
  /usr/bin/time -f "%e %M" -o "$work/.t" "$@" > "$work/$label.log" 2>&1 || { echo "FAILED: $label (see $work/$label.log)"; tail -5 "$work/$label.log"; exit 1; }
  read -r wall kb < "$work/.t"; echo "$label wall ${wall} s peak ${kb} KB load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$work/times.txt"
}
compare() { # compare SINGLE MERGED
  python3 - "$1" "$2" <<'PY'
import csv, json, math, sqlite3, sys
a, b = sys.argv[1], sys.argv[2]
def rows(p):
    c = sqlite3.connect(p + "/walk.gpkg")
    cols = [r[1] for r in c.execute("PRAGMA table_info(access)")]
    return cols, c.execute("SELECT * FROM access ORDER BY fid").fetchall()
ca, ra = rows(a); cb, rb = rows(b)
assert ca == cb, f"access columns differ: {set(ca) ^ set(cb)}"
assert len(ra) == len(rb), f"access rows {len(ra)} vs {len(rb)}"
bad = {}
for x, y in zip(ra, rb):
    for n, u, v in zip(ca, x, y):
        if u != v and not (isinstance(u, float) and isinstance(v, float) and math.isnan(u) and math.isnan(v)):
            bad[n] = bad.get(n, 0) + 1
dcols = [n for n in ca if n.startswith("d_")]
print(f"  access: {len(ra)} rows x {len(dcols)} d_<category> columns; differing values per column: {bad or 'none'}")
ok = not bad
def ind(p):
    with open(p + "/indicators.csv", newline="") as f:
        return list(csv.DictReader(f))
ia, ib = ind(a), ind(b)
worst, nbad = 0.0, 0
assert len(ia) == len(ib), f"indicator rows {len(ia)} vs {len(ib)}"
for x, y in zip(ia, ib):
    assert (x["indicator"], x["zone_id"]) == (y["indicator"], y["zone_id"]), (x["indicator"], y["indicator"])
    for k in ("value", "numerator", "denominator"):
        u, v = x.get(k, ""), y.get(k, "")
        if u == v: continue
        if u == "" or v == "": nbad += 1; continue
        u, v = float(u), float(v)
        r = abs(u - v) / max(abs(u), abs(v), 1e-300)
        worst = max(worst, r); nbad += r > 1e-9
print(f"  indicators: {len(ia)} rows; largest relative difference {worst:.3g}; beyond 1e-9: {nbad}")
ok = ok and nbad == 0
print("  EQUAL" if ok else "  DIFFERENT"); sys.exit(0 if ok else 1)
PY
}
status=0
for spec in $cities; do
  name="${spec%%:*}"; splits="${spec#*:}"
  d="$work/$name"; mkdir -p "$d"
  case "$name" in
    100k|1m) src=/work/cache/synth100000; [ "$name" = 1m ] && src=/work/cache/synth1000000; [ -f "$src/city.yaml" ] || { echo "== 100k: $src absent, skipped"; continue; }
          sed "s#source: city.gpkg#source: $src/city.gpkg#; s#source: dem.tif#source: $src/dem.tif#" "$src/city.yaml" > "$d/city.yaml"
          echo "web: false" >> "$d/city.yaml" ;;
    monaco) pbf="$root/../shared/data/monaco_osm/monaco.osm.pbf"; [ -f "$pbf" ] || pbf=/work/shared/data/monaco_osm/monaco.osm.pbf
          [ -f "$pbf" ] || { echo "== monaco: ../shared/data absent, skipped"; continue; }
          printf 'city: Monaco\nyear: 2026\npreset: osm\nosm: %s\nweb: false\n' "$(realpath "$pbf")" > "$d/city.yaml" ;;
    *) echo "unknown city $name"; exit 2 ;;
  esac
  echo "== $name"
  # A fresh folder: a re-run would reuse the earlier run's tile contents (the tiles' content cache) and look faster.
  rm -rf "$d/single"
  (cd "$root" && timed "$name-single" "$bin" run "$d/city.yaml" --out "$d/single" --quiet)
  for n in ${splits//,/ }; do
    p="$d/p$n"; rm -rf "$p"
    (cd "$root" && timed "$name-p$n-partition" "$bin" partition "$d/city.yaml" --cells "$n" --out "$p" --k8s --quiet)
    for k in $(python3 -c "import json;print(' '.join(str(x['id']) for x in json.load(open('$p/partitions.json'))['partitions']))"); do
      (cd "$root" && timed "$name-p$n-part$k" "$bin" run "$d/city.yaml" --partition "$k" --out "$p/parts/$k" --quiet)
    done
    (cd "$root" && timed "$name-p$n-merge" "$bin" merge "$p" --quiet)
    echo "-- $name split into $n"
    compare "$d/single" "$p" || status=1
    "$here/validate_tiles.sh" "$p/tiles/buildings" -q > "$work/$name-p$n-validate.log" 2>&1 && echo "  validator: passed ($p/tiles/buildings, the joined root and every part's tileset)" || { echo "  validator: FAILED (see $work/$name-p$n-validate.log)"; status=1; }
    # The merged tileset joins the parts' tilesets: the same buildings (ids, once each) with the same numeric
    # properties as the single run's (the venv of validate_tiles.sh holds the meshopt decoder).
    "$here/.venv/bin/python" "$here/tileset_buildings.py" "$d/single/tiles/buildings/tileset.json" "$p/tiles/buildings/tileset.json" || status=1
  done
done
exit $status
