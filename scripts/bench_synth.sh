#!/usr/bin/env bash
# Benchmark of the synthetic city generator (module Synth): time and peak memory for 10k, 100k, 1M buildings.
#
#   scripts/bench_synth.sh [sizes…]        default sizes: 10000 100000 1000000
#   BENCH_BIN=/path/to/cimbase-bench scripts/bench_synth.sh   use an already built cimbase-bench (called as `BIN synth N`)
#   HASH=1 scripts/bench_synth.sh          also FNV-1a-hash every feature's WKB and values (the cost of a real sink)
#
# Builds `cimbase-bench` in release (it dispatches `cimbase-bench synth …` to Synth.runSynthBench) and runs each size
# in its own process under /usr/bin/time -v, so each peak RSS belongs to one size. There is no external anchor tool
# for a generator; the figures to watch are buildings/s and peak RSS (streaming: it must stay flat as N grows).
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=("$@")
[ ${#SIZES[@]} -eq 0 ] && SIZES=(10000 100000 1000000)
if [ -z "${BENCH_BIN:-}" ]; then
  BIN=("$(scripts/release-build cimbase-bench)/cimbase-bench" synth)
else
  BIN=("$BENCH_BIN" synth)
fi
EXTRA=()
[ "${HASH:-0}" = "1" ] && EXTRA=(--hash)
printf "%-9s %-9s %-10s %-12s %-10s %s\n" "N" "side_km" "total_s" "buildings/s" "peakMiB" "layers"
for n in "${SIZES[@]}"; do
  out=$( { /usr/bin/time -v "${BIN[@]}" "$n" "${EXTRA[@]}" ; } 2>&1 )
  line=$(grep '^synth N=' <<<"$out")
  rss=$(grep 'Maximum resident set size' <<<"$out" | awk '{print $6}')
  get() { sed -E "s/.* $1=([^ ]+).*/\1/" <<<"$line"; }
  side=$(get side_km); sz=$(get sizing_s); gen=$(get generate_s); rate=$(get buildings_per_s)
  total=$(awk -v a="$sz" -v b="$gen" 'BEGIN{printf "%.3f", a+b}')
  layers=$(sed -E 's/.*buildings_per_s=[0-9]+ //' <<<"$line")
  printf "%-9s %-9s %-10s %-12s %-10s %s\n" "$n" "$side" "$total" "$rate" "$(awk -v k="$rss" 'BEGIN{printf "%.1f", k/1024}')" "$layers"
done
