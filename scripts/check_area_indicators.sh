#!/usr/bin/env bash
# Issue 6: CIMBase's area indicators against an independent shapely/GEOS reference (scripts/check_area_indicators.py).
#
# Usage: scripts/check_area_indicators.sh [WORK_DIR]     (default: a fresh mktemp -d; kept for inspection)
#
# Runs the already built release binary (.build/release/cimbase; this script does not build) on
#   (a) the shipped sample data/helsinki/city.yaml
#   (b) Helsinki with the HSY 250 m population grid (../shared/data/helsinki_centre)
#   (c) Helsinki with the population grid cells also used as zones (exercises the per-zone scopes)
#   (d) Monaco (cimbase run --osm ../shared/data/monaco_osm/monaco.osm.pbf)
#   (f) the synthetic 100k-building city (SYNTH_CITY, default /work/cache/synth100000/city.yaml)
#   (e) the Bellinge combined sewer network (../shared/data/bellinge_sewer, converted by scripts/bellinge_to_gpkg.py;
#       subcatchments = built-up area), reference built-up area and pipes taken from the converted source layers
# and the reference check on each. Cases whose ../shared data is absent are skipped. Exit 1 if any check fails.
set -u
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SHARED="$(cd "$ROOT/.." && pwd)/shared/data"
BIN="$ROOT/.build/release/cimbase"
PY="$ROOT/scripts/.venv/bin/python"
CHECK="$ROOT/scripts/check_area_indicators.py"
WORK="${1:-$(mktemp -d /tmp/cimbase_area_check.XXXXXX)}"
mkdir -p "$WORK"

[ -x "$BIN" ] || { echo "missing $BIN (build it first: swift build -c release)" >&2; exit 2; }
"$PY" -c "import shapely" 2>/dev/null || { echo "shapely missing: $PY -m pip install shapely" >&2; exit 2; }

echo "# CIMBase area indicators vs shapely reference — $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "# binary: $BIN ($(stat -c '%y' "$BIN" | cut -d. -f1)); work dir: $WORK"
"$PY" -c "import shapely, sys; print(f'# python {sys.version.split()[0]}, shapely {shapely.__version__}, GEOS {shapely.geos_version_string}')"
echo

status=0
run_case() {  # name, extra check args..., then -- and the cimbase arguments
    local name="$1"; shift
    local check_args=()
    while [ "$1" != "--" ]; do check_args+=("$1"); shift; done; shift
    echo "## $name"
    echo
    echo '```'
    echo "\$ cimbase run $* --out $WORK/$name --quiet"
    if ! "$BIN" run "$@" --out "$WORK/$name" --quiet; then
        echo "cimbase run failed"; echo '```'; echo; status=1; return
    fi
    echo "\$ check_area_indicators.py $WORK/$name ${check_args[*]}"
    echo '```'
    echo
    "$PY" "$CHECK" "$WORK/$name" "${check_args[@]}" || status=1
    echo
}

# (a) shipped sample (built-up area derived from the footprints: the reference closes them in one piece)
run_case helsinki_sample --derive-builtup 50 -- "$ROOT/data/helsinki/city.yaml"

# (b), (c) Helsinki with the population grid
POP="$SHARED/helsinki_centre/helsinki_population_grid_2020.gpkg"
if [ -f "$POP" ]; then
    cat > "$WORK/helsinki_pop.yaml" <<EOF
city: Helsinki centre (HSY population grid)
year: 2026
crs: auto
preset: osm
osm: $ROOT/data/helsinki/Helsinki.osm.pbf
layers:
  population: {source: $POP, value: population}
EOF
    run_case helsinki_pop -- "$WORK/helsinki_pop.yaml"
    cat > "$WORK/helsinki_zones.yaml" <<EOF
city: Helsinki centre (grid cells as zones)
year: 2026
crs: auto
preset: osm
osm: $ROOT/data/helsinki/Helsinki.osm.pbf
layers:
  population: {source: $POP, value: population}
  zones: {source: $POP, id: id}
EOF
    run_case helsinki_zones -- "$WORK/helsinki_zones.yaml"
else
    echo "## helsinki_pop, helsinki_zones: skipped ($POP absent)"; echo
fi

# (d) Monaco
MONACO="$SHARED/monaco_osm/monaco.osm.pbf"
if [ -f "$MONACO" ]; then
    run_case monaco -- --osm "$MONACO"
else
    echo "## monaco: skipped ($MONACO absent)"; echo
fi

# (e) Bellinge
INP="$SHARED/bellinge_sewer/BellingeSWMM_v021_nopervious.inp"
if [ -f "$INP" ]; then
    mkdir -p "$WORK/bellinge_in"
    echo '```'
    echo "\$ /usr/bin/python3 scripts/bellinge_to_gpkg.py $WORK/bellinge_in"
    /usr/bin/python3 "$ROOT/scripts/bellinge_to_gpkg.py" "$WORK/bellinge_in" --inp "$INP" || status=1
    echo '```'
    run_case bellinge --builtup-from "$WORK/bellinge_in/bellinge.gpkg:subcatchments" \
        --pipes-from "$WORK/bellinge_in/bellinge.gpkg:pipes" -- "$WORK/bellinge_in/city.yaml"
else
    echo "## bellinge: skipped ($INP absent)"; echo
fi

# (f) the synthetic 100k-building city (seed 11; its boundary is the study area, so the built-up area is derived from
#     the footprints by the tiled closing, which the reference redoes in one piece), and the same without the boundary
SYNTH="${SYNTH_CITY:-/work/cache/synth100000/city.yaml}"
if [ -f "$SYNTH" ]; then
    run_case synth100k --derive-builtup 50 -- "$SYNTH"
    # the same city without its boundary layer: the built-up area is derived (tiled closing), the reference closes
    # the footprints in one piece
    sed -e '/^  boundary:/d' -e "s|source: city.gpkg|source: $(dirname "$SYNTH")/city.gpkg|" -e "s|source: dem.tif|source: $(dirname "$SYNTH")/dem.tif|" "$SYNTH" > "$WORK/synth100k_derived.yaml"
    run_case synth100k_derived --derive-builtup 50 -- "$WORK/synth100k_derived.yaml"
else
    echo "## synth100k: skipped ($SYNTH absent; make it with cimbase synth --buildings 100000 --seed 11 --out DIR)"; echo
fi

if [ $status -eq 0 ]; then echo "ALL CASES PASS"; else echo "SOME CASES FAIL"; fi
exit $status
