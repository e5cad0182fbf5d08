#!/usr/bin/env python3
"""Cross-check and time the walk-network search against scipy and pandana on the graph exported by
`cimbase-bench walk --export DIR` (issue 5, Speed).

scipy: scipy.sparse.csgraph.dijkstra(directed=True, indices=<facility nodes>, min_only=True, limit=cutoff) per category,
on the same incoming-arc CSR the Swift search walks. pandana: Network(...) + precompute(cutoff) (setup), then
set_pois + nearest_pois(cutoff, num_pois=1) per category (query). Facilities sit exactly on nodes, so all three solve the
same problem; per-node distances are compared with the Swift result (max |difference| over nodes reached by both, and
count of nodes reached by one only).

usage: bench_walk_anchor.py DIR [--no-scipy] [--pandana]
"""
import json
import sys
import time

import numpy as np


def load(d):
    g = {k: np.load(f"{d}/{k}.npy") for k in
         ["arc_src", "arc_dst", "arc_cost", "edge_from", "edge_to", "edge_cost", "node_x", "node_y",
          "facility_nodes", "swift_dist"]}
    g["meta"] = json.load(open(f"{d}/swift.json"))
    return g


def compare(name, swift, other, cutoff):
    """Max abs difference where both reached; nodes reached by exactly one (beyond rounding at the cutoff)."""
    sf = np.isfinite(swift)
    of = np.isfinite(other) & (other <= cutoff)
    both = sf & of
    diff = float(np.max(np.abs(swift[both].astype(np.float64) - other[both]))) if both.any() else 0.0
    only = sf ^ of
    # Nodes within 1e-3 m of the cutoff may fall on either side after Float32 rounding.
    edge = only & (np.abs(np.where(sf, swift, other) - cutoff) < 1e-3)
    return diff, int(only.sum() - edge.sum())


def main():
    d = sys.argv[1]
    run_scipy = "--no-scipy" not in sys.argv
    run_pandana = "--pandana" in sys.argv
    g = load(d)
    cutoff = float(g["meta"]["cutoff"])
    swift_s = float(g["meta"]["swift_search_s"])
    swift_cpu = float(g["meta"].get("swift_search_cpu_s", swift_s))
    fac = g["facility_nodes"]
    n = len(g["node_x"])
    ncat = fac.shape[0]
    print(f"graph {d}: {n} nodes, {len(g['edge_from'])} edges, {len(g['arc_src'])} arcs, {ncat} categories × "
          f"{fac.shape[1]} facilities, cutoff {cutoff:.0f} m; Swift search {swift_s:.3f} s wall, {swift_cpu:.3f} s CPU "
          f"(threads {g['meta']['threads']})")

    if run_scipy:
        import scipy
        import scipy.sparse as sp
        from scipy.sparse.csgraph import dijkstra
        t0 = time.perf_counter()
        m = sp.csr_matrix((g["arc_cost"], (g["arc_src"], g["arc_dst"])), shape=(n, n))
        t_setup = time.perf_counter() - t0
        t_query, c_query = 0.0, 0.0
        worst, mismatched = 0.0, 0
        for c in range(ncat):
            t0, c0 = time.perf_counter(), time.process_time()
            dist = dijkstra(m, directed=True, indices=np.unique(fac[c]), min_only=True, limit=cutoff)
            t_query += time.perf_counter() - t0
            c_query += time.process_time() - c0
            diff, only = compare("scipy", g["swift_dist"][c], dist, cutoff)
            worst, mismatched = max(worst, diff), mismatched + only
        print(f"scipy {scipy.__version__}: csr build {t_setup:.3f} s, dijkstra (all categories) {t_query:.3f} s; "
              f"max |Swift − scipy| {worst:.2e} m, nodes reached by one only: {mismatched}")
        print(f"RATIO scipy_query/swift {t_query / swift_s:.1f}x  (scipy setup+query)/swift {(t_setup + t_query) / swift_s:.1f}x  "
              f"[CPU time: scipy {c_query:.3f} s / Swift {swift_cpu:.3f} s = {c_query / swift_cpu:.1f}x]")

    if run_pandana:
        import pandas as pd
        import pandana
        t0 = time.perf_counter()
        net = pandana.Network(pd.Series(g["node_x"]), pd.Series(g["node_y"]), pd.Series(g["edge_from"]),
                              pd.Series(g["edge_to"]), pd.DataFrame({"w": g["edge_cost"]}), twoway=True)
        net.precompute(cutoff)
        t_setup = time.perf_counter() - t0
        t_query = 0.0
        worst, mismatched = 0.0, 0
        for c in range(ncat):
            t0 = time.perf_counter()
            net.set_pois(f"c{c}", cutoff, 1, pd.Series(g["node_x"][fac[c]]), pd.Series(g["node_y"][fac[c]]))
            r = net.nearest_pois(cutoff, f"c{c}", num_pois=1)
            t_query += time.perf_counter() - t0
            dist = r[1].to_numpy(dtype=np.float64)
            dist = np.where(dist >= cutoff, np.inf, dist)   # pandana fills "none" with maxdist
            diff, only = compare("pandana", g["swift_dist"][c], dist, cutoff)
            worst, mismatched = max(worst, diff), mismatched + only
        print(f"pandana {pandana.__version__}: setup (Network + precompute) {t_setup:.3f} s, set_pois+nearest_pois "
              f"(all categories) {t_query:.3f} s; max |Swift − pandana| {worst:.2e} m, nodes reached by one only: {mismatched}")
        print(f"RATIO pandana_query/swift {t_query / swift_s:.1f}x  (pandana setup+query)/swift {(t_setup + t_query) / swift_s:.1f}x")


if __name__ == "__main__":
    main()
