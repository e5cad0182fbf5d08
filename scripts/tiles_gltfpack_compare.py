#!/usr/bin/env python3
"""Geometry bytes of our compressed tile vs `gltfpack -cc` on the same tile (issue 15, 3D Tiles item 1).

Usage: tiles_gltfpack_compare.py NONE_DIR MESHOPT_DIR [--gltfpack gltfpack]
NONE_DIR / MESHOPT_DIR hold tileset.json of the same city written with tiles.compression none and meshopt (same plan,
so the n-th content in tree order is the same tile). Takes the largest `none` content, runs `gltfpack -cc` on it (which
drops EXT_mesh_features / EXT_structural_metadata), and compares the bytes of the buffer views the meshes use
(compressed size for EXT_meshopt_compression views) with those of our meshopt tile, whose metadata is counted apart.
Standard library only; gltfpack is Debian's `gltfpack` package (meshoptimizer 0.18)."""
import json, os, struct, subprocess, sys, tempfile

def glb(path):
    d = open(path, "rb").read()
    jl = struct.unpack_from("<I", d, 12)[0]
    return json.loads(d[20:20 + jl]), len(d)

def sizes(path):
    j, total = glb(path)
    used = set()
    for m in j.get("meshes", []):
        for p in m["primitives"]:
            for a in list(p["attributes"].values()) + [p["indices"]]:
                used.add(j["accessors"][a]["bufferView"])
    geo = meta = 0
    for i, v in enumerate(j["bufferViews"]):
        e = (v.get("extensions") or {}).get("EXT_meshopt_compression")
        n = e["byteLength"] if e else v["byteLength"]
        if i in used: geo += n
        else: meta += n
    return total, geo, meta, j

def contents(d):
    ts = json.load(open(os.path.join(d, "tileset.json")))
    out = []
    def walk(t):
        c = t.get("content")
        if c: out.append(os.path.join(d, c["uri"]))
        for ch in t.get("children", []): walk(ch)
    walk(ts["root"])
    return out

def main():
    args = sys.argv[1:]
    gp = "gltfpack"
    if "--gltfpack" in args:
        k = args.index("--gltfpack"); gp = args[k + 1]; del args[k:k + 2]
    none_dir, mo_dir = args
    a, b = contents(none_dir), contents(mo_dir)
    assert len(a) == len(b), "the two tilesets have different plans"
    k = max(range(len(a)), key=lambda i: os.path.getsize(a[i]))
    with tempfile.TemporaryDirectory() as t:
        out = os.path.join(t, "gltfpack.glb")
        subprocess.run([gp, "-i", a[k], "-o", out, "-cc"], check=True, capture_output=True)
        nt, ng, nm, _ = sizes(a[k])
        gt, gg, gm, gj = sizes(out)
        mt, mg, mm, mj = sizes(b[k])
    print(f"sample tile {os.path.basename(a[k])} (largest of {len(a)}): none {nt} B (geometry {ng}, metadata {nm})")
    print(f"  gltfpack -cc: {gt} B, geometry {gg} B, metadata kept: {'EXT_structural_metadata' in (gj.get('extensions') or {})}")
    print(f"  cimbase meshopt: {mt} B, geometry {mg} B, metadata {mm} B kept: {'EXT_structural_metadata' in (mj.get('extensions') or {})}")
    print(f"  geometry ratio cimbase / gltfpack: {mg / gg:.2f}x (target <= 1.3x); whole tile none / cimbase meshopt: {nt / mt:.1f}x")

if __name__ == "__main__":
    main()
