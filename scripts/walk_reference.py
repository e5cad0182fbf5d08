#!/usr/bin/env python3
"""Independent cross-check of walk coverage (issue 5) with networkx on the same snapped graph.

Reads DIR/walk_graph/*.csv (written by `cimbase run` with `walk: {export_graph: true}`) and DIR/indicators.csv, builds a
networkx DiGraph in which every snapped origin and facility is inserted as a node on its edge (so the straight legs,
the partial edge pieces, one-way edges and stairs cost factors are all modelled), runs networkx's multi-source Dijkstra
per category on the reversed graph (distance from each origin to its nearest facility), and compares the
resident-weighted coverage per category and threshold with CIMBase's `walk_cov.<category>.<threshold>` rows.

    python3 scripts/walk_reference.py OUT_DIR [--tolerance-pp 0.5]

Exit status 1 when any category × threshold differs by more than the tolerance (percentage points).
"""
import csv
import sys
from collections import defaultdict

import networkx as nx


def main():
    out = sys.argv[1]
    tol = float(sys.argv[sys.argv.index("--tolerance-pp") + 1]) if "--tolerance-pp" in sys.argv else 0.5
    g = f"{out}/walk_graph"
    edges = list(csv.DictReader(open(f"{g}/edges.csv")))
    origins = list(csv.DictReader(open(f"{g}/origins.csv")))
    facilities = list(csv.DictReader(open(f"{g}/facilities.csv")))
    thresholds = defaultdict(list)
    for r in csv.DictReader(open(f"{g}/thresholds.csv")):
        thresholds[r["category"]].append(float(r["threshold_m"]))

    # Points on each edge: ("o", index) or ("f", category, index) with their offsets.
    on_edge = defaultdict(list)
    for o in origins:
        if int(o["edge"]) >= 0:
            on_edge[int(o["edge"])].append((float(o["offset"]), ("o", int(o["origin"]))))
    for i, f in enumerate(facilities):
        if int(f["edge"]) >= 0:
            on_edge[int(f["edge"])].append((float(f["offset"]), ("f", i)))

    G = nx.DiGraph()

    def arc(a, b, w):
        if G.has_edge(a, b):
            G[a][b]["weight"] = min(G[a][b]["weight"], w)
        else:
            G.add_edge(a, b, weight=w)

    for e in edges:
        i, a, b = int(e["edge"]), ("n", int(e["from"])), ("n", int(e["to"]))
        length, cf, oneway = float(e["length"]), float(e["cost_factor"]), e["oneway"] == "1"
        chain = [(0.0, a)] + sorted(((off, ("p", i, k)) for k, (off, _) in enumerate(on_edge.get(i, [])))) + [(length, b)]
        for (o1, n1), (o2, n2) in zip(chain, chain[1:]):
            w = max(o2 - o1, 0.0) * cf
            arc(n1, n2, w)
            if not oneway:
                arc(n2, n1, w)
        for k, (off, who) in enumerate(on_edge.get(i, [])):
            p = ("p", i, k)
            if who[0] == "o":
                arc(("O", who[1]), p, float(origins[who[1]]["leg"]))
            else:
                arc(p, ("F", who[1]), float(facilities[who[1]]["leg"]))

    R = G.reverse(copy=False)
    by_cat = defaultdict(list)
    for i, f in enumerate(facilities):
        if int(f["edge"]) >= 0:
            by_cat[f["category"]].append(("F", i))

    ours = {}
    for r in csv.DictReader(open(f"{out}/indicators.csv")):
        if r["zone_id"] == "" and r["indicator"].startswith("walk_cov.") and r["indicator"].count(".") == 2 and r["value"]:
            ours[r["indicator"]] = float(r["value"])

    residents = [float(o["residents"]) for o in origins]
    total = sum(residents)
    worst = 0.0
    rows = []
    for cat, srcs in sorted(by_cat.items()):
        cutoff = max(thresholds[cat])
        dist = nx.multi_source_dijkstra_path_length(R, srcs, cutoff=cutoff + 1e-6, weight="weight")
        d = [dist.get(("O", i), float("inf")) for i in range(len(origins))]
        for t in sorted(thresholds[cat]):
            ref = 100 * sum(r for r, x in zip(residents, d) if x <= t) / total if total > 0 else 0
            key = f"walk_cov.{cat}.{int(round(t))}"
            got = ours.get(key)
            diff = abs(got - ref) if got is not None else float("nan")
            worst = max(worst, diff) if got is not None else worst
            rows.append((key, ref, got, diff))
    print(f"{'indicator':42s} {'networkx %':>11s} {'cimbase %':>10s} {'diff pp':>8s}")
    for key, ref, got, diff in rows:
        print(f"{key:42s} {ref:11.4f} {got if got is not None else float('nan'):10.4f} {diff:8.4f}")
    print(f"origins {len(origins)}, facilities {len(facilities)}, edges {len(edges)}; largest difference {worst:.6f} pp (tolerance {tol})")
    sys.exit(0 if worst <= tol else 1)


if __name__ == "__main__":
    main()
