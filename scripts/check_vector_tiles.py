#!/usr/bin/env python3
"""Decodes a run's vector tiles (DIR/web/vector/{z}/{x}/{y}.pbf) with an independent decoder, the mapbox-vector-tile
package (not GDAL, which wrote them), and compares them with the GeoPackages:
- zones: at the highest zoom every zone of base.gpkg is present and carries every indicator of indicators.csv for
  it with the same value (1e-9 relative; absent = not computed);
- facilities: the same ids and categories as base.gpkg, each point within one tile unit (tile / 4096, in metres of
  Web Mercator) of base.gpkg's point reprojected by ogr2ogr to EPSG:3857;
- zones_points and gaps_points at the lowest zoom: one point for every zone and every gap part.
Needs: pip install mapbox-vector-tile; gdal-bin (ogr2ogr). Usage: check_vector_tiles.py DIR
Prints 'N passed, M failed' and exits 1 on a failure.
"""
import csv, gzip, io, json, math, os, subprocess, sys
import mapbox_vector_tile

D = sys.argv[1]
V = os.path.join(D, "web", "vector")
meta = json.load(open(os.path.join(D, "web", "data.json")))
zmin, zmax = meta["minzoom"], meta["maxzoom"]
S = math.pi * 6378137.0
passed, failed = [], []


def check(ok, what):
    (passed if ok else failed).append(what)
    print(("ok   " if ok else "FAIL ") + what)


def features(layer, z):
    """Every feature of `layer` in the tiles of zoom z, with geometry in EPSG:3857 metres."""
    out = []
    zd = os.path.join(V, str(z))
    for x in os.listdir(zd):
        for yf in os.listdir(os.path.join(zd, x)):
            data = open(os.path.join(zd, x, yf), "rb").read()
            if not data:
                continue
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            tile = mapbox_vector_tile.decode(data)
            if layer not in tile:
                continue
            ext = tile[layer].get("extent", 4096)
            size = 2 * S / (1 << z)
            x0, y0 = -S + int(x) * size, S - (int(yf[:-4]) + 1) * size  # tile's south-west corner
            for f in tile[layer]["features"]:
                g = f["geometry"]
                def conv(c):  # decoded with y up (the package's default): origin at the south-west corner
                    return (x0 + c[0] / ext * size, y0 + c[1] / ext * size)
                coords = g["coordinates"]
                if g["type"] == "Point":
                    # Points in the tile's buffer belong to the neighbouring tile: half-open [0, extent) in tile
                    # coordinates (y down), i.e. (0, extent] for the y the package decodes (y up = extent - y).
                    if not (0 <= coords[0] < ext and 0 < coords[1] <= ext):
                        continue
                    coords = conv(coords)
                out.append((f["properties"], g["type"], coords))
    return out


def ogr_csv(path, *args):
    r = subprocess.run(["ogr2ogr", "-f", "CSV", "/vsistdout/", path, *args], capture_output=True, text=True, check=True)
    return list(csv.DictReader(io.StringIO(r.stdout)))


# Zones and indicators.
want = {}
with open(os.path.join(D, "indicators.csv"), encoding="utf-8") as fh:
    for r in csv.DictReader(fh):
        if r["zone_id"]:
            want.setdefault(r["zone_id"], {})[r["indicator"]] = r["value"]
zones = ogr_csv(os.path.join(D, "base.gpkg"), "zones", "-select", "zone_id")
ids = {z["zone_id"] for z in zones}
got = {}
for props, _, _ in features("zones", zmax):
    got.setdefault(str(props["zone_id"]), []).append(props)
check(set(got) == ids, "zones at z%d: %d of %d zones" % (zmax, len(got), len(ids)))
bad = []
for zid, pieces in got.items():
    for p in pieces:
        for ind, v in want.get(zid, {}).items():
            if v == "":
                if ind in p: bad.append((zid, ind, p[ind], v))
            elif ind not in p or abs(float(p[ind]) - float(v)) > 1e-9 * max(1, abs(float(v))):
                bad.append((zid, ind, p.get(ind), v))
check(not bad and sum(len(w) for w in want.values()) > 0, "every zone piece carries every indicator value of indicators.csv (%d mismatches %s)" % (len(bad), bad[:3]))

# Facilities: ids, categories and positions.
ref = {int(r["id"]): (r["category"], float(r["X"]), float(r["Y"]))
       for r in ogr_csv(os.path.join(D, "base.gpkg"), "facilities", "-t_srs", "EPSG:3857", "-lco", "GEOMETRY=AS_XY", "-select", "id,category")}
fac = features("facilities", zmax)
unit = 2 * S / (1 << zmax) / 4096
ids_got = sorted(int(p["id"]) for p, _, _ in fac)
check(ids_got == sorted(ref), "facilities: %d decoded, %d in base.gpkg, each once" % (len(ids_got), len(ref)))
far = [(p["id"], c) for p, t, c in fac if int(p["id"]) in ref and (ref[int(p["id"])][0] != p["category"] or
       math.hypot(c[0] - ref[int(p["id"])][1], c[1] - ref[int(p["id"])][2]) > unit)]
check(not far, "facilities: category equal and position within one tile unit (%.2f m) of base.gpkg (%d off: %s)" % (unit, len(far), far[:3]))

# Low zoom: a point for every zone and every gap part.
zp = {str(p["zone_id"]) for p, _, _ in features("zones_points", zmin)}
check(zp == ids, "zones_points at z%d: every zone (%d of %d)" % (zmin, len(zp), len(ids)))
gaps = ogr_csv(os.path.join(D, "walk.gpkg"), "-sql", "SELECT category, ST_NumGeometries(geom) AS n FROM walk_gaps", "-dialect", "SQLite")
nparts = sum(int(g["n"] or 0) for g in gaps)
gp = [p for p, _, _ in features("gaps_points", zmin) if p.get("kind") == "walk"]
check(len(gp) == nparts and nparts > 0, "gaps_points at z%d: %d points for %d walk gap parts" % (zmin, len(gp), nparts))

print("%d passed, %d failed" % (len(passed), len(failed)))
sys.exit(1 if failed else 0)
