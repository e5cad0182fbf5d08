#!/usr/bin/env bash
# 3D Tiles compression benchmark (issue 15): `cimbase tiles` per tiles.compression mode (none = the anchor, the
# export as it was before compression; quantize; meshopt) on Monaco and on synthetic cities, all in the same run:
# tileset size, whole-command wall time, buildings/s, peak RSS, the ratio to `none`; then an unchanged re-run (content
# reuse) per city, the offline validator on the compressed tilesets, and the geometry bytes of the largest tile
# against `gltfpack -cc` (scripts/tiles_gltfpack_compare.py).
# Usage: scripts/bench_tiles_compression.sh [N ...]    synthetic city sizes (default 100000; 0 = Monaco only)
# Env:   CIMBASE=path/to/cimbase  a prebuilt binary (default: scripts/release-build cimbase)
#        WORK=dir                 where cities and outputs go (default a fresh /tmp folder, removed at the end)
#        MONACO=0                 skip Monaco
#        ROUNDS=3                 runs per mode (alternating; medians reported)
#        VALIDATE=0               skip the validator (needs scripts/.venv with numpy jsonschema pyproj meshoptimizer)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; root="$(cd "$here/.." && pwd)"
sizes=("$@"); [ ${#sizes[@]} -eq 0 ] && sizes=(100000)
bin="${CIMBASE:-$("$root/scripts/release-build" cimbase)/cimbase}"
work="${WORK:-}"
if [ -z "$work" ]; then work="$(mktemp -d /tmp/cimbase-tiles-compression.XXXXXX)"; trap 'rm -rf "$work"' EXIT; fi
mkdir -p "$work"
modes=(none quantize meshopt)
rounds="${ROUNDS:-3}"
py="$root/scripts/.venv/bin/python"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%FT%TZ); binary $bin"

# city NAME CONFIG: CONFIG is a city.yaml without a tiles section; one ingest, then `tiles` per mode on a copy of it.
city() {
  local name=$1 cfg=$2 dir="$work/$1"
  mkdir -p "$dir"
  for m in "${modes[@]}"; do { cat "$cfg"; printf 'tiles:\n  compression: %s\n' "$m"; } > "$(dirname "$cfg")/bench_$m.yaml"; done
  sleep 1
  "$bin" ingest "$(dirname "$cfg")/bench_none.yaml" --out "$dir/base" --quiet >/dev/null
  local n; n=$(sqlite3 "$dir/base/base.gpkg" "select count(*) from buildings" 2>/dev/null || echo 0)
  echo "== $name: $n buildings"
  printf "  %-9s %10s %8s %9s %9s %8s %8s %s\n" mode bytes ratio wall_s export_s bldg/s peak_MB "(median of $rounds rounds, modes alternating)"
  declare -A W E P
  for r in $(seq "$rounds"); do
    for m in "${modes[@]}"; do
      rm -rf "$dir/$m"; mkdir -p "$dir/$m"; cp "$dir/base/base.gpkg" "$dir/$m/"
      /usr/bin/time -f "%e %M" -o "$dir/$m.time" "$bin" tiles "$(dirname "$cfg")/bench_$m.yaml" --out "$dir/$m" > "$dir/$m.log" 2>&1
      read -r t kb < "$dir/$m.time"
      W[$m]="${W[$m]:-} $t"; P[$m]=$((kb / 1024))
      E[$m]="${E[$m]:-} $(grep '^tiles ' "$dir/$m.log" | sed -E 's/.* ([0-9.]+) s → .*/\1/')"
    done
  done
  med() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
  local nb="" ne=""
  for m in "${modes[@]}"; do
    local b; b=$(du -sb "$dir/$m/tiles" | cut -f1); [ -z "$nb" ] && nb=$b
    local w e; w=$(echo "${W[$m]}" | med); e=$(echo "${E[$m]}" | med); [ -z "$ne" ] && ne=$e
    printf "  %-9s %10s %7.2fx %9s %9s %8.0f %8d  export time vs none %.2fx; walls:%s\n" "$m" "$b" "$(echo "$nb / $b" | bc -l)" "$w" "$e" \
      "$(echo "$n / $w" | bc -l)" "${P[$m]}" "$(echo "$e / $ne" | bc -l)" "${W[$m]}"
  done
  echo "  tiles line: $(grep '^tiles ' "$dir/meshopt.log" | sed -E 's/ → .*//; s/  +/ /g')"
  /usr/bin/time -f "%e %M" -o "$dir/rerun.time" "$bin" tiles "$(dirname "$cfg")/bench_meshopt.yaml" --out "$dir/meshopt" > "$dir/rerun.log" 2>&1
  read -r t kb < "$dir/rerun.time"
  echo "  unchanged re-run (meshopt): $t s — $(grep '^tiles ' "$dir/rerun.log" | sed -E 's/ → .*//; s/  +/ /g')"
  if [ "${VALIDATE:-1}" = 1 ] && [ -x "$py" ]; then
    for m in quantize meshopt; do
      echo "  validator ($m): $("$py" "$root/../shared/tools/3dtiles/validate_3dtiles.py" "$dir/$m/tiles/buildings/tileset.json" -q 2>&1 | tail -n 1 | sed 's/.*tileset.json: //')"
    done
  fi
  python3 "$here/tiles_gltfpack_compare.py" "$dir/none/tiles/buildings" "$dir/meshopt/tiles/buildings" | sed 's/^/  /'
}

pbf="$root/../shared/data/monaco_osm/monaco.osm.pbf"
if [ "${MONACO:-1}" = 0 ]; then echo "== monaco: skipped (MONACO=0)"
elif [ -f "$pbf" ]; then
  mkdir -p "$work/cfg_monaco"
  printf 'city: Monaco\nyear: 2024\ncrs: EPSG:32632\npreset: osm\nosm: %s\n' "$pbf" > "$work/cfg_monaco/city.yaml"
  city monaco "$work/cfg_monaco/city.yaml"
else echo "== monaco: ../shared absent, skipped"; fi
for n in "${sizes[@]}"; do
  [ "$n" = 0 ] && continue
  if [ -f "/work/cache/synth$n/city.yaml" ]; then src="/work/cache/synth$n"; else src="$work/synth$n"; fi
  if [ ! -f "$src/city.yaml" ]; then "$bin" synth --buildings "$n" --seed 11 --out "$src" --quiet >/dev/null; fi
  # The cache is read-only: configs go into a folder of ours whose paths point at the city's sources.
  mkdir -p "$work/cfg_synth$n"
  sed -E "s#(source: *)([^ /][^ ]*)#\1$src/\2#" "$src/city.yaml" | grep -v '^tiles:' > "$work/cfg_synth$n/city.yaml"
  city "synth$n" "$work/cfg_synth$n/city.yaml"
done
