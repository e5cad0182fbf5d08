#!/usr/bin/env python3
"""Buildings of a CIMBase 3D Tiles tileset: every feature of class `building` in the GLB property tables
(EXT_structural_metadata), following external tilesets (a joined partitioned tileset), with its numeric properties.

Usage: scripts/tileset_buildings.py TILESET.json [OTHER.json]
One tileset: prints the building count. Two: checks that they hold the same buildings (ids, each exactly once) with
the same numeric properties (height_m, ground_m, floors, d_<category>, …) bit for bit, and exits 1 when not.
"""
import json, os, struct, sys

TYPES = {"FLOAT32": "f", "FLOAT64": "d", "INT32": "i", "UINT8": "B", "INT16": "h", "UINT16": "H", "UINT32": "I"}


def meshopt_attributes(ext, data, path):
    """An EXT_meshopt_compression ATTRIBUTES bufferView (filter NONE), decoded with the PyPI package meshoptimizer."""
    try:
        import meshoptimizer as mo, numpy as np
    except ImportError:
        raise SystemExit(f"{path}: compressed metadata needs the meshoptimizer decoder (run with scripts/.venv/bin/python; "
                         "scripts/validate_tiles.sh installs it)")
    if ext["mode"] != "ATTRIBUTES" or ext.get("filter", "NONE") != "NONE":
        raise SystemExit(f"{path}: metadata bufferView mode {ext['mode']} filter {ext.get('filter')}")
    return np.ascontiguousarray(mo.decode_vertex_buffer(ext["count"], ext["byteStride"], bytes(data))).view(np.uint8).tobytes()


def glb_buildings(path):
    b = open(path, "rb").read()
    if b[:4] != b"glTF":
        raise SystemExit(f"{path}: not a GLB")
    jl = struct.unpack_from("<I", b, 12)[0]
    j = json.loads(b[20:20 + jl])
    off = 20 + jl
    bl = struct.unpack_from("<I", b, off)[0]
    binc = b[off + 8: off + 8 + bl]
    meta = j.get("extensions", {}).get("EXT_structural_metadata")
    if not meta:
        return []
    classes = meta["schema"]["classes"]
    out = []
    for t in meta.get("propertyTables", []):
        if t["class"] != "building":
            continue
        n = t["count"]
        cols = {}
        for name, p in t["properties"].items():
            spec = classes["building"]["properties"][name]
            if spec.get("type") != "SCALAR" or spec.get("componentType") not in TYPES:
                continue
            bv = j["bufferViews"][p["values"]]
            fmt = "<%d%s" % (n, TYPES[spec["componentType"]])
            ext = bv.get("extensions", {}).get("EXT_meshopt_compression")
            if ext:
                data = meshopt_attributes(ext, binc[ext.get("byteOffset", 0): ext.get("byteOffset", 0) + ext["byteLength"]], path)
                cols[name] = struct.unpack_from(fmt, data, 0)
            else:
                cols[name] = struct.unpack_from(fmt, binc, bv.get("byteOffset", 0))
        for i in range(n):
            out.append({k: v[i] for k, v in cols.items()})
    return out


def tileset_buildings(path, depth=0):
    if depth > 8:
        raise SystemExit(f"{path}: external tilesets nested too deep")
    ts = json.load(open(path))
    base = os.path.dirname(path)
    out = []
    stack = [ts["root"]]
    while stack:
        t = stack.pop()
        for c in ([t["content"]] if "content" in t else []) + t.get("contents", []):
            uri = os.path.join(base, c["uri"])
            out += tileset_buildings(uri, depth + 1) if uri.endswith(".json") else glb_buildings(uri)
        stack += t.get("children", [])
    return out


def by_id(rows, name):
    d = {}
    for r in rows:
        if r["id"] in d:
            raise SystemExit(f"{name}: building id {r['id']} appears twice")
        d[r["id"]] = r
    return d


if __name__ == "__main__":
    a = tileset_buildings(sys.argv[1])
    if len(sys.argv) < 3:
        print(len(a)); sys.exit(0)
    b = tileset_buildings(sys.argv[2])
    da, db = by_id(a, sys.argv[1]), by_id(b, sys.argv[2])
    only_a, only_b = set(da) - set(db), set(db) - set(da)
    diff = {}
    for k in set(da) & set(db):
        x, y = da[k], db[k]
        for p in set(x) | set(y):
            u, v = x.get(p), y.get(p)
            if u != v and not (isinstance(u, float) and isinstance(v, float) and u != u and v != v):
                diff[p] = diff.get(p, 0) + 1
    ok = not only_a and not only_b and not diff
    print(f"  tiles: {len(da)} vs {len(db)} buildings; only in the first {len(only_a)}, only in the second {len(only_b)}; "
          f"differing properties: {diff or 'none'} ({len(next(iter(da.values()), {}))} numeric properties each)")
    sys.exit(0 if ok else 1)
