#!/usr/bin/env bash
# Partition overhead (issue 18): one `cimbase run` against partition + 4 parts run one after another + merge, on the
# same machine in the same session; prints the ratio (sum of the partitioned steps / single run) and peak RSS per step.
# Usage: scripts/bench_partition.sh [CITY=1m|100k] [N=4] [WORK=/tmp/part/bench] [BIN=.build/release/cimbase]
# (equality of the outputs is checked on the way, by scripts/check_partitions.sh).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
city="${1:-1m}"; n="${2:-4}"; work="${3:-/tmp/part/bench}"; bin="${4:-$here/../.build/release/cimbase}"
rm -f "$work/times.txt"
CITIES="$city:$n" "$here/check_partitions.sh" "$work" "$bin"; st=$?
python3 - "$work/times.txt" "$city" "$n" <<'PY'
import sys
t = {}
for l in open(sys.argv[1]):
    f = l.split(); t[f[0]] = (float(f[2]), int(f[5]))
c, n = sys.argv[2], sys.argv[3]
single = t[f"{c}-single"][0]
steps = {k: v for k, v in t.items() if k.startswith(f"{c}-p{n}-")}
total = sum(v[0] for v in steps.values())
parts = [v for k, v in steps.items() if "-part" in k]
print(f"single {single:.1f} s (peak {t[f'{c}-single'][1]/1024:.0f} MiB)")
for k, v in steps.items(): print(f"  {k}: {v[0]:.1f} s, peak {v[1]/1024:.0f} MiB")
print(f"partitioned total {total:.1f} s = {total/single:.2f} x single; largest part {max(p[0] for p in parts):.1f} s, {max(p[1] for p in parts)/1024:.0f} MiB")
PY
exit $st
