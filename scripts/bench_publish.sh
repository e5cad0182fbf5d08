#!/usr/bin/env bash
# Publishing to PostGIS (issue 16): `cimbase publish` of a run folder against `ogr2ogr -f PostgreSQL` of the same
# layers (every layer of base.gpkg, plus walk.gpkg and indicators.gpkg when the folder has them), into the same server
# in the same run; then `cimbase diff` of two years of the same city (the second with edits: buildings removed, raised
# by 3 floors).
# Usage: scripts/bench_publish.sh [N]   N buildings (default 1000000). The city is /work/cache/synthN (its out/ run
# folder when there, else its city.yaml ingested here), else `cimbase synth --buildings N --seed 11` made in a temp dir.
# The server: $CIMBASE_BENCH_PG when set, else one started with scripts/pg_test_server.sh on 127.0.0.1:55441.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000000}"
bin="${CIMBASE_BIN_DIR:-$(scripts/release-build cimbase)}"  # CIMBASE_BIN_DIR: a folder with a release cimbase already built
work=$(mktemp -d /tmp/cimbase-bench-publish.XXXXXX); chmod 755 "$work"
pgdata="$work/pgdata"
cleanup() { [ -z "${CIMBASE_BENCH_PG:-}" ] && scripts/pg_test_server.sh stop "$pgdata" >/dev/null 2>&1; rm -rf "$work"; }
trap cleanup EXIT
if [ -n "${CIMBASE_BENCH_PG:-}" ]; then pg="$CIMBASE_BENCH_PG"; else pg=$(scripts/pg_test_server.sh start "$pgdata" 55441); fi
psqlc() { psql -X -q -tA "$(echo "${pg#PG:}")" -c "$1"; }
src="${CIMBASE_BENCH_CITY:-/work/cache/synth$n}"  # CIMBASE_BENCH_CITY: a synth folder (city.yaml; out/ when run) to use instead
if [ -f "$src/out/base.gpkg" ]; then run="$src/out"; echo "city: $run (cached run)"
else
  if [ ! -f "$src/city.yaml" ]; then src="$work/synth"; "$bin/cimbase" synth --buildings "$n" --seed 11 --out "$src" --quiet >/dev/null; fi
  run="$work/run"; "$bin/cimbase" ingest "$src/city.yaml" --out "$run" --quiet >/dev/null
  echo "city: $src ingested here (base.gpkg only: no walk/indicators at this size in the benchmark)"
fi
files=()
for f in base.gpkg walk.gpkg indicators.gpkg; do [ -f "$run/$f" ] && files+=("$f"); done
rows=$(for f in "${files[@]}"; do for l in $(ogrinfo -ro -q "$run/$f" | awk -F': ' '{print $2}' | awk '{print $1}'); do ogrinfo -ro -so "$run/$f" "$l" | awk -F': ' '/Feature Count/ {print $2}'; done; done | python3 -c "import sys; print(sum(int(x) for x in sys.stdin.read().split()))")
timed() { /usr/bin/time -f "%e %M" -o "$work/t" "$@" >"$work/out.txt" 2>"$work/err.txt" || { cat "$work/err.txt" >&2; exit 1; }; cat "$work/t"; }
# Anchor: ogr2ogr of the same files into a schema of its own (COPY, GiST index, as ogr2ogr does by default).
psqlc "DROP SCHEMA IF EXISTS anchor CASCADE; CREATE SCHEMA anchor" >/dev/null
export pg run files_s="${files[*]}"
psqlc "DROP SCHEMA IF EXISTS bench CASCADE" >/dev/null
read a_s a_kb < <(timed bash -c 'files=($files_s); for f in "${files[@]}"; do ogr2ogr -f PostgreSQL "$pg" "$run/$f" -lco SCHEMA=anchor -lco LAUNDER=NO -overwrite -gt 65536 || exit 1; done')
read p_s p_kb < <(timed "$bin/cimbase" publish "$run" --to "$pg" --schema bench --city bench --year 2024 --quiet)
head -1 "$work/out.txt"
read r_s r_kb < <(timed "$bin/cimbase" publish "$run" --to "$pg" --schema bench --city bench --year 2024 --quiet)
read y_s y_kb < <(timed "$bin/cimbase" publish "$run" --to "$pg" --schema bench --city bench --year 2025 --quiet)
b=$(psqlc "SELECT count(*) FROM bench.buildings WHERE year = 2024")
echo "rows in the published files: $rows; buildings per year in PostGIS: $b"
echo "ogr2ogr -f PostgreSQL:            ${a_s} s, peak $((a_kb/1024)) MB"
echo "cimbase publish (first year):     ${p_s} s, peak $((p_kb/1024)) MB"
echo "cimbase publish (same year again): ${r_s} s, peak $((r_kb/1024)) MB"
echo "cimbase publish (second year):    ${y_s} s, peak $((y_kb/1024)) MB"
echo "RATIO ogr2ogr_time/publish_time $(python3 -c "print(round($a_s/$p_s,2))")x (first year), $(python3 -c "print(round($a_s/$r_s,2))")x (re-run), $(python3 -c "print(round($a_s/$y_s,2))")x (second year)"
# Diff: two years, the second with buildings removed (id % 997 = 1) and raised by 3 floors (id % 1000 = 0).
mkdir -p "$work/new"; cp "$run/base.gpkg" "$work/new/base.gpkg"
ogrinfo -q "$work/new/base.gpkg" -sql "UPDATE buildings SET floors = COALESCE(floors, 3) + 3, height_m = height_m + 9 WHERE id % 1000 = 0" >/dev/null
ogrinfo -q "$work/new/base.gpkg" -sql "DELETE FROM buildings WHERE id % 997 = 1" >/dev/null
read d_s d_kb < <(timed "$bin/cimbase" diff "$run" "$work/new" --out "$work/diff" --quiet)
echo "cimbase diff (folders):           ${d_s} s, peak $((d_kb/1024)) MB: $(cat "$work/out.txt")"
read e_s e_kb < <(timed "$bin/cimbase" diff "$pg#bench/2024" "$pg#bench/2025" --out "$work/diff2" --quiet)
echo "cimbase diff (PostGIS 2024 vs 2025, same content): ${e_s} s, peak $((e_kb/1024)) MB: $(cat "$work/out.txt")"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
