#!/usr/bin/env bash
# Province batch benchmark (issue 12, point 6): `cimbase batch` over 10 synthetic cities of 100k–500k buildings
# (3M in all, seeds 21–30), wall time and peak memory of the whole process tree (the batch and every `cimbase run`
# child, summed: /usr/bin/time alone reports only the largest process).
#
#   scripts/bench_batch.sh                       # the 10 cities, cached under $CACHE
#   SIZES="20000 30000" scripts/bench_batch.sh   # other city sizes (a quick check)
#   BIN=path/to/cimbase scripts/bench_batch.sh   # an already built binary
# Env: CACHE (/work/cache/walk/province), OUT (/tmp/cimbase_batch_bench), JOBS (cores), MEMORY_GB (7.5), POLL (0.5 s).
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE=${CACHE:-/work/cache/walk/province}
OUT=${OUT:-/tmp/cimbase_batch_bench}
JOBS=${JOBS:-$(nproc)}
MEMORY_GB=${MEMORY_GB:-7.5}
POLL=${POLL:-0.5}
SIZES=${SIZES:-"100000 150000 200000 250000 300000 300000 350000 400000 450000 500000"}
if [ -z "${BIN:-}" ]; then BIN="$(scripts/release-build cimbase)/cimbase"; fi

mkdir -p "$CACHE" "$OUT"
echo "machine: $(nproc) cores, $(awk '/MemAvailable/ {printf "%.1f GiB available", $2/1048576}' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg)"

# The cities (made once; a city is reused when its city.yaml exists).
cities=()
seed=21
total=0
for n in $SIZES; do
    d="$CACHE/c$(printf %02d $((seed - 20)))_$n"
    if [ ! -f "$d/city.yaml" ]; then
        echo "== synth $n buildings (seed $seed) → $d"
        "$BIN" synth --buildings "$n" --seed "$seed" --out "$d" --quiet > /dev/null
    fi
    cities+=("$d")
    total=$((total + n))
    seed=$((seed + 1))
done
{
    echo "province: Synthetic province (${#cities[@]} cities, $total buildings)"
    echo "jobs: $JOBS"
    echo "memory_gb: $MEMORY_GB"
    echo "cities:"
    for d in "${cities[@]}"; do echo "  - $d"; done
} > "$OUT/province.yaml"

# Sum of VmRSS over a process and all its descendants (kB), from /proc.
tree_rss() {
    ps -e -o pid=,ppid=,rss= | awk -v root="$1" '
        { pid[NR] = $1; ppid[NR] = $2; rss[NR] = $3 }
        END {
            inTree[root] = 1; changed = 1
            while (changed) { changed = 0; for (i = 1; i <= NR; i++) if (!(pid[i] in inTree) && (ppid[i] in inTree)) { inTree[pid[i]] = 1; changed = 1 } }
            s = 0; for (i = 1; i <= NR; i++) if (pid[i] in inTree) s += rss[i]; print s
        }'
}

echo "== cimbase batch (${#cities[@]} cities, $total buildings, jobs $JOBS, memory_gb $MEMORY_GB)"
rm -rf "$OUT/run"
start=$(date +%s.%N)
/usr/bin/time -v "$BIN" batch "$OUT/province.yaml" --out "$OUT/run" --force > "$OUT/batch.log" 2> "$OUT/time.txt" &
pid=$!
peak=0
peak_at=0
while kill -0 "$pid" 2> /dev/null; do
    s=$(tree_rss "$pid")
    if [ "$s" -gt "$peak" ]; then peak=$s; peak_at=$(date +%s.%N); fi
    sleep "$POLL"
done
status=0
wait "$pid" || status=$?
end=$(date +%s.%N)
cat "$OUT/batch.log"
echo "exit status: $status"
awk -v s="$start" -v e="$end" 'BEGIN { printf "wall time: %.1f s (target ≤ 600 s)\n", e - s }'
awk -v p="$peak" -v s="$start" -v t="$peak_at" 'BEGIN { printf "peak RSS of the process tree (sum, polled every '"$POLL"' s): %.2f GiB at %.0f s (target < 8 GiB)\n", p / 1048576, t - s }'
grep -E "Maximum resident set size" "$OUT/time.txt" | sed 's/^\s*/\/usr\/bin\/time, largest single process: /'
echo "per city (run.log of each):"
for d in "$OUT"/run/*/; do
    [ -f "$d/run.log" ] && printf "  %-16s %s\n" "$(basename "$d")" "$(grep -E '^done' "$d/run.log" || echo 'not done')"
done
echo "machine after: load average $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$status"
