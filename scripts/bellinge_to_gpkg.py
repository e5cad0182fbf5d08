#!/usr/bin/python3
"""Converts the Bellinge SWMM 5 model into a GeoPackage + city.yaml that CIMBase can run (pipe-coverage check, issue 6).

Usage: /usr/bin/python3 scripts/bellinge_to_gpkg.py OUT_DIR [--inp PATH]
  (default PATH: ../shared/data/bellinge_sewer/BellingeSWMM_v021_nopervious.inp relative to the repository)

Writes OUT_DIR/bellinge.gpkg in EPSG:25832 (ETRS89 / UTM 32N, the model's CRS) with layers
  pipes          LineString, one per [CONDUITS] entry: from-node, the link's [VERTICES] in file order, to-node;
                 fields name, type = "combined" (Bellinge is a combined sewer system)
  subcatchments  Polygon, one per [SUBCATCHMENTS] entry with >= 3 [Polygons] vertices; field name
  buildings      Polygon, no features (CIMBase needs layers.buildings or layers.roads; an empty layer satisfies that
                 without inventing data)
and OUT_DIR/city.yaml using pipes (kind from `type`), subcatchments as the built_up layer (建成区) and the
empty buildings layer.  Pumps, weirs, orifices and outlets (also SWMM links) are not pipes and are left out.

Uses Debian's python3-gdal (osgeo), hence /usr/bin/python3.  SWMM 5 input format: EPA SWMM 5 User's Manual, App. D.
"""
from __future__ import annotations

import argparse
import os
import sys
from collections import OrderedDict, defaultdict

from osgeo import ogr, osr

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_INP = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "data", "bellinge_sewer",
                                            "BellingeSWMM_v021_nopervious.inp"))


def read_sections(path: str) -> dict[str, list[list[str]]]:
    """Section name (upper case, without brackets) → rows of whitespace-split tokens (comments and blanks dropped)."""
    sections: dict[str, list[list[str]]] = defaultdict(list)
    cur = None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            s = line.split(";", 1)[0].strip()
            if not s:
                continue
            if s.startswith("[") and s.endswith("]"):
                cur = s[1:-1].upper()
                continue
            if cur is not None:
                sections[cur].append(s.split())
    return sections


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("--inp", default=DEFAULT_INP)
    a = ap.parse_args()
    if not os.path.exists(a.inp):
        print(f"missing {a.inp}", file=sys.stderr)
        return 2
    os.makedirs(a.out_dir, exist_ok=True)
    sec = read_sections(a.inp)

    nodes = {r[0]: (float(r[1]), float(r[2])) for r in sec["COORDINATES"]}
    verts: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for r in sec["VERTICES"]:
        verts[r[0]].append((float(r[1]), float(r[2])))
    polys: "OrderedDict[str, list[tuple[float, float]]]" = OrderedDict()
    for r in sec["POLYGONS"]:
        polys.setdefault(r[0], []).append((float(r[1]), float(r[2])))
    subcatch = [r[0] for r in sec["SUBCATCHMENTS"]]

    gpkg = os.path.join(a.out_dir, "bellinge.gpkg")
    if os.path.exists(gpkg):
        os.remove(gpkg)
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(gpkg)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(25832)

    # pipes
    lyr = ds.CreateLayer("pipes", srs, ogr.wkbLineString)
    lyr.CreateField(ogr.FieldDefn("name", ogr.OFTString))
    lyr.CreateField(ogr.FieldDefn("type", ogr.OFTString))
    n_pipes = skipped_pipes = 0
    total_len = 0.0
    lyr.StartTransaction()
    for r in sec["CONDUITS"]:
        name, a_node, b_node = r[0], r[1], r[2]
        if a_node not in nodes or b_node not in nodes:
            skipped_pipes += 1
            continue
        pts = [nodes[a_node]] + verts.get(name, []) + [nodes[b_node]]
        g = ogr.Geometry(ogr.wkbLineString)
        for x, y in pts:
            g.AddPoint_2D(x, y)
        feat = ogr.Feature(lyr.GetLayerDefn())
        feat.SetField("name", name)
        feat.SetField("type", "combined")
        feat.SetGeometry(g)
        lyr.CreateFeature(feat)
        total_len += g.Length()
        n_pipes += 1
    lyr.CommitTransaction()

    # subcatchments
    lyr = ds.CreateLayer("subcatchments", srs, ogr.wkbPolygon)
    lyr.CreateField(ogr.FieldDefn("name", ogr.OFTString))
    n_sub = skipped_sub = 0
    lyr.StartTransaction()
    for name in subcatch:
        pts = polys.get(name, [])
        if len(pts) < 3:
            skipped_sub += 1
            continue
        ring = ogr.Geometry(ogr.wkbLinearRing)
        for x, y in pts:
            ring.AddPoint_2D(x, y)
        if pts[0] != pts[-1]:
            ring.AddPoint_2D(*pts[0])
        g = ogr.Geometry(ogr.wkbPolygon)
        g.AddGeometry(ring)
        feat = ogr.Feature(lyr.GetLayerDefn())
        feat.SetField("name", name)
        feat.SetGeometry(g)
        lyr.CreateFeature(feat)
        n_sub += 1
    lyr.CommitTransaction()

    # empty buildings layer
    lyr = ds.CreateLayer("buildings", srs, ogr.wkbPolygon)
    lyr.CreateField(ogr.FieldDefn("height", ogr.OFTReal))
    ds = None

    with open(os.path.join(a.out_dir, "city.yaml"), "w", encoding="utf-8") as f:
        f.write(f"""# Bellinge (Odense, DK) combined sewer network from the SWMM model {os.path.basename(a.inp)}
# (Nedergaard Pedersen et al. 2021, CC BY 4.0), converted by scripts/bellinge_to_gpkg.py.
# Subcatchments are the built-up area (built_up layer); buildings is an empty layer (CIMBase needs buildings or roads).
city: Bellinge
year: 2026
crs: EPSG:25832
layers:
  pipes: {{source: bellinge.gpkg, layer: pipes, kind: type}}
  built_up: {{source: bellinge.gpkg, layer: subcatchments}}
  buildings: {{source: bellinge.gpkg, layer: buildings}}
""")
    print(f"{gpkg}: {n_pipes} pipes ({total_len / 1000:.3f} km; {skipped_pipes} skipped: unknown node), "
          f"{n_sub} subcatchments ({skipped_sub} without polygon), 0 buildings; config {os.path.join(a.out_dir, 'city.yaml')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
