#!/usr/bin/env python3
"""Issue 17 cross-check: the Swift maximal-covering solver (greedy with lazy evaluation + 1-swap / iterated local
search, Sources/Planning) against the exact optimum of the same instances solved as integer programs with HiGHS.

Reads the JSON written by `cimbase-bench plan-instances` (seeded random planar instances and the Swift results) and
solves, per instance,
    max  sum_i w_i y_i
    s.t. y_i <= sum_{j covers i} x_j      (a point counts only when a chosen site covers it)
         sum_j x_j <= k
         x_j in {0, 1},  0 <= y_i <= 1
(y may be continuous: at an optimum with binary x it is integral). With a capacity Q (instances written with
`--capacity`), the capacitated MCLP (Current & Storbeck 1988) with a free, possibly split, assignment:
    max  sum_ij a_ij
    s.t. sum_j a_ij <= w_i                 (a point's weight served at most once in all)
         sum_i a_ij <= Q x_j               (a site serves at most Q, and only when built)
         a_ij <= w_i x_j                   (redundant with the above for the LP bound; kept for tightness)
         sum_j x_j <= k,  x_j in {0, 1},  a_ij >= 0 for j covering i
Prints one line per instance and a summary; exit status 1 if any Swift objective is below 98 % of the optimum or
above it.

Usage: check_plan_optimum.py INSTANCES.json
"""
import json
import sys

import highspy
import numpy as np


def optimum(inst):
    w = inst["weights"]
    rows = inst["rows"]
    k = inst["k"]
    n, m = len(w), len(rows)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 0.0)
    inf = highspy.kHighsInf
    # Columns: x_0..x_{m-1} (binary), then y_0..y_{n-1} (continuous, 0..1). HiGHS minimises: cost -w on y.
    for _ in range(m):
        h.addVar(0.0, 1.0)
    for i in range(n):
        h.addVar(0.0, 1.0)
    h.changeColsIntegrality(m, np.arange(m, dtype=np.int32), np.array([highspy.HighsVarType.kInteger] * m))
    h.changeColsCost(n, np.arange(m, m + n, dtype=np.int32), np.array([-float(x) for x in w]))
    covering = [[] for _ in range(n)]
    for j, r in enumerate(rows):
        for i in r:
            covering[i].append(j)
    for i in range(n):
        idx = [m + i] + covering[i]
        val = [1.0] + [-1.0] * len(covering[i])
        h.addRow(-inf, 0.0, len(idx), np.array(idx, dtype=np.int32), np.array(val))
    h.addRow(-inf, float(k), m, np.arange(m, dtype=np.int32), np.ones(m))
    h.run()
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"HiGHS status {h.modelStatusToString(status)}")
    return -h.getInfo().objective_function_value


def optimum_capacitated(inst):
    w = inst["weights"]
    rows = inst["rows"]
    k = inst["k"]
    cap = float(inst["capacity"])
    m = len(rows)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 0.0)
    inf = highspy.kHighsInf
    for _ in range(m):
        h.addVar(0.0, 1.0)
    h.changeColsIntegrality(m, np.arange(m, dtype=np.int32), np.array([highspy.HighsVarType.kInteger] * m))
    # a_ij columns, one per row entry.
    col = {}
    for j, r in enumerate(rows):
        for i in r:
            col[(i, j)] = m + len(col)
            h.addVar(0.0, float(w[i]))
    na = len(col)
    h.changeColsCost(na, np.arange(m, m + na, dtype=np.int32), np.array([-1.0] * na))
    by_point = {}
    for (i, j), c in col.items():
        by_point.setdefault(i, []).append(c)
    for i, cs in by_point.items():
        h.addRow(-inf, float(w[i]), len(cs), np.array(cs, dtype=np.int32), np.ones(len(cs)))
    for j, r in enumerate(rows):
        cs = [col[(i, j)] for i in r]
        h.addRow(-inf, 0.0, len(cs) + 1, np.array(cs + [j], dtype=np.int32), np.array([1.0] * len(cs) + [-cap]))
        for i in r:
            h.addRow(-inf, 0.0, 2, np.array([col[(i, j)], j], dtype=np.int32), np.array([1.0, -float(w[i])]))
    h.addRow(-inf, float(k), m, np.arange(m, dtype=np.int32), np.ones(m))
    h.run()
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"HiGHS status {h.modelStatusToString(status)}")
    return -h.getInfo().objective_function_value


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    data = json.load(open(sys.argv[1]))
    worst, equal, bad = 1.0, 0, 0
    print(f"# highspy {getattr(highspy, '__version__', '?')}; {len(data['instances'])} instances")
    print("instance points candidates k optimum swift ratio")
    for n, inst in enumerate(data["instances"]):
        opt = optimum_capacitated(inst) if inst.get("capacity") is not None else optimum(inst)
        sw = inst["swift_objective"]
        ratio = sw / opt if opt > 0 else 1.0
        worst = min(worst, ratio)
        if abs(sw - opt) < 1e-6 * max(1.0, opt):
            equal += 1
        if ratio < 0.98 or sw > opt + 1e-6 * max(1.0, opt):
            bad += 1
        print(f"{n} {len(inst['weights'])} {len(inst['rows'])} {inst['k']} {opt:.0f} {sw:.0f} {ratio:.4f}")
    print(f"# optimal on {equal} of {len(data['instances'])}; worst ratio {worst:.4f}; below 98 % or above optimum: {bad}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
