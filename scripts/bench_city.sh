#!/usr/bin/env bash
# City-scale benchmark (issue 12): the whole pipeline as a user runs it, per stage and whole, on synthetic cities and
# Monaco. For each city it runs the stages one by one (`cimbase ingest|walk|indicators|tiles|score`, each reusing what
# the previous one wrote, each under /usr/bin/time for its own wall time and peak RSS), then `cimbase run` from
# scratch for the whole-run figures, prints output sizes, and the scaling exponent of every stage from the
# second-smallest to the largest synthetic city: log(t1/t0) / log(n1/n0) (1.0 = linear).
#
# Usage: scripts/bench_city.sh [N ...]          default: 10000 100000 1000000
# Env:   CITY_CACHE=dir   where synthetic cities are generated once and kept (default /tmp/cimbase-city-cache)
#        BENCH_OUT=dir    where outputs go (default a fresh /tmp folder, removed at the end)
#        CIMBASE_NATIVE=1 build for this CPU (see scripts/release-build)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@"); [ ${#sizes[@]} -eq 0 ] && sizes=(10000 100000 1000000)
bin="$(scripts/release-build cimbase)/cimbase"
cache="${CITY_CACHE:-/tmp/cimbase-city-cache}"
out="${BENCH_OUT:-}"
if [ -z "$out" ]; then out="$(mktemp -d /tmp/cimbase-bench-city.XXXXXX)"; trap 'rm -rf "$out"' EXIT; fi
mkdir -p "$cache" "$out"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%FT%TZ)"
echo "binary: $bin"

export CIMBASE_TIMINGS=1
stages=(ingest walk indicators tiles score)
declare -A T M
# timed NAME KEY cmd…: runs cmd under /usr/bin/time, records wall seconds and peak RSS (MB) under KEY.
timed() {
  local key=$1; shift
  if ! /usr/bin/time -f "%e %M" -o "$out/time.$key" "$@" > "$out/log.$key" 2>&1; then
    echo "  $key FAILED:"; tail -n 5 "$out/log.$key" | sed 's/^/    /'; return 1
  fi
  read -r T[$key] kb < "$out/time.$key"; M[$key]=$((kb / 1024))
}
size_mb() { du -sm "$1" 2>/dev/null | cut -f1; }

bench() { # NAME CONFIG-ARGS…  (a city.yaml path, or --osm FILE)
  local name=$1; shift
  local dir="$out/$name"; rm -rf "$dir"; mkdir -p "$dir"
  echo "== $name"
  for s in "${stages[@]}"; do
    if [ "$s" = score ]; then timed "$name.$s" "$bin" score "$dir/indicators.csv" --out "$dir" --quiet || return 0
    else timed "$name.$s" "$bin" "$s" "$@" --out "$dir" --quiet || return 0; fi
  done
  local whole="$out/$name.run"; rm -rf "$whole"
  timed "$name.run" "$bin" run "$@" --out "$whole" --quiet || return 0
  printf "  %-11s %9s %9s\n" stage wall_s peak_MB
  for s in "${stages[@]}" run; do printf "  %-11s %9s %9s\n" "$s" "${T[$name.$s]}" "${M[$name.$s]}"; done
  printf "  sizes (MB): base.gpkg %s · walk.gpkg %s · indicators.gpkg %s · grids %s · tiles %s\n" \
    "$(size_mb "$dir/base.gpkg")" "$(size_mb "$dir/walk.gpkg")" "$(size_mb "$dir/indicators.gpkg")" "$(size_mb "$dir/grids")" "$(size_mb "$dir/tiles")"
  grep -h "^timing" "$out/log.$name.indicators" 2>/dev/null | sort -k4 -nr | head -8 | sed 's/^/  /' || true
}

for n in "${sizes[@]}"; do
  city="$cache/synth$n"
  if [ ! -f "$city/city.yaml" ]; then
    echo "generating synthetic city of $n buildings into $city (kept for later runs)"
    "$bin" synth --buildings "$n" --seed 11 --out "$city" --quiet > /dev/null
  fi
  bench "synth$n" "$city/city.yaml"
done
pbf=../shared/data/monaco_osm/monaco.osm.pbf
if [ -f "$pbf" ]; then bench monaco --osm "$pbf"; else echo "== monaco: ../shared absent, skipped"; fi

# Scaling exponents between the two largest synthetic sizes.
if [ ${#sizes[@]} -ge 2 ]; then
  n0=${sizes[-2]}; n1=${sizes[-1]}
  echo "== scaling exponent ${n0} → ${n1} buildings (time; memory)"
  for s in "${stages[@]}" run; do
    a=${T[synth$n0.$s]:-}; b=${T[synth$n1.$s]:-}; ma=${M[synth$n0.$s]:-}; mb=${M[synth$n1.$s]:-}
    [ -n "$a" ] && [ -n "$b" ] || continue
    python3 -c "import math; n0,n1,a,b,ma,mb=$n0,$n1,max($a,0.01),max($b,0.01),$ma,$mb; r=math.log(n1/n0); print(f'  {\"$s\":<11} time {math.log(b/a)/r:5.2f}  memory {math.log(mb/ma)/r:5.2f}')"
  done
fi
