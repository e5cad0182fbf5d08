#!/usr/bin/env python3
"""Checks the level-of-detail triangle bound on a built tileset (issue 15, item 3), as TilesTests/LODTests does on a
small one: a CesiumJS-style traversal (maximum screen-space error 16 px, 1080 px tall, 60° field of view, distance to
the bounding region, no frustum culling, so an upper bound; every visited tile's content counted as loaded) from
random cameras, 20 m to 60 km above the city. At each level L ≥ 1 the triangles loaded must stay under
4π(cK + √2 + m)² × (most triangles of a level-L tile), cK = lodErrorPerSide × K / 16 = 2, m = 200 m / parent cell side.
Triangles per content come from content/index.json (written by TilesetWriter).
Usage: scripts/check_lod_bound.py TILESET_DIR [cameras, default 2000]"""
import json, math, os, random, sys

d = sys.argv[1]
cams = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
ts = json.load(open(os.path.join(d, "tileset.json")))
idx = json.load(open(os.path.join(d, "content", "index.json")))["contents"]
tris_of = {f"content/{h}.glb": int(v[-4], 16) for h, v in idx.items()}
r0 = ts["root"]["boundingVolume"]["region"]
lon0, lat0, R = (r0[0] + r0[2]) / 2, (r0[1] + r0[3]) / 2, 6378137.0
nodes = []

def add(t, level):
    r = t["boundingVolume"]["region"]
    lo = ((r[0] - lon0) * R * math.cos(lat0), (r[1] - lat0) * R, r[4])
    hi = ((r[2] - lon0) * R * math.cos(lat0), (r[3] - lat0) * R, r[5])
    tris = tris_of[t["content"]["uri"]] if "content" in t else 0
    me = len(nodes)
    nodes.append([lo, hi, t["geometricError"], tris, level, []])
    nodes[me][5] = [add(c, level + 1) for c in t.get("children", [])]
    return me

add(ts["root"], -1)
K = 1080 / (2 * math.tan(math.pi / 6))
cK = 2.0
side0 = max(n[1][0] - n[0][0] for n in nodes)
max_tris = {}
for n in nodes:
    max_tris[n[4]] = max(max_tris.get(n[4], 0), n[3])
half = side0 / 2
rng = random.Random(15)
worst_ratio, worst_total, worst_level = 0.0, 0, {}
total_tris = sum(n[3] for n in nodes)
for _ in range(cams):
    cam = (rng.uniform(-1.2 * half, 1.2 * half), rng.uniform(-1.2 * half, 1.2 * half), math.exp(rng.uniform(math.log(20), math.log(60000))))
    loaded, total, stack = {}, 0, [0]
    while stack:
        n = nodes[stack.pop()]
        loaded[n[4]] = loaded.get(n[4], 0) + n[3]
        total += n[3]
        q = [max(n[0][k], min(cam[k], n[1][k])) for k in range(3)]
        dist = max(math.dist(cam, q), 1e-9)
        if n[2] * K / dist > 16:
            stack += n[5]
    for level, t in loaded.items():
        if level < 1:
            continue
        bound = 4 * math.pi * (cK + math.sqrt(2) + 200 / (side0 / 2 ** (level - 1))) ** 2 * max_tris[level]
        worst_ratio = max(worst_ratio, t / bound)
        worst_level[level] = max(worst_level.get(level, 0), t)
    worst_total = max(worst_total, total)
print(f"{len(nodes)} tiles, {total_tris:,} triangles in all; {cams} cameras")
for level in sorted(worst_level):
    bound = 4 * math.pi * (cK + math.sqrt(2) + 200 / (side0 / 2 ** (level - 1))) ** 2 * max_tris[level]
    print(f"  level {level}: most loaded {worst_level[level]:,} triangles; bound {bound:,.0f} (largest tile {max_tris[level]:,})")
print(f"most triangles loaded at one camera: {worst_total:,} ({worst_total / total_tris:.1%} of the city); "
      f"worst level/bound ratio {worst_ratio:.3f}")
sys.exit(0 if worst_ratio <= 1 else 1)
