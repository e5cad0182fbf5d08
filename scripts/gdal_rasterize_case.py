#!/usr/bin/env python3
"""Writes Tests/GridCoreTests/GDALRasterizeFixture.swift: polygons and gdal_rasterize's expected 0/1 grids.

Cases: a handful of real Monaco buildings (OSM, layer multipolygons, building not null; with holes and a multipolygon)
reprojected to EPSG:32632 and rasterized at 1 m, plus synthetic edge cases (vertices and horizontal edges exactly on
cell centres, both orientations). Each case is rasterized by GDAL's own rasterizer (gdal.Rasterize = gdal_rasterize,
default centre rule, burn 1 into Byte). Run with Debian's python3-gdal: /usr/bin/python3 scripts/gdal_rasterize_case.py
"""
import json, math, os, sys
from osgeo import gdal, ogr, osr

gdal.UseExceptions()
gdal.PushErrorHandler("CPLQuietErrorHandler")
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PBF = os.environ.get("MONACO_PBF", os.path.join(ROOT, "..", "shared", "data", "monaco_osm", "monaco.osm.pbf"))
if not os.path.exists(PBF):
    PBF = "/work/shared/data/monaco_osm/monaco.osm.pbf"
OUT = os.path.join(ROOT, "Tests", "GridCoreTests", "GDALRasterizeFixture.swift")

def rasterize(geom, srs, te, res):
    """gdal_rasterize -burn 1 -te te -tr res res -ot Byte of one geometry; returns (geotransform, rows)."""
    vds = gdal.GetDriverByName("Memory").Create("v", 0, 0, 0, gdal.GDT_Unknown)
    lyr = vds.CreateLayer("l", srs=srs, geom_type=ogr.wkbUnknown)
    f = ogr.Feature(lyr.GetLayerDefn()); f.SetGeometry(geom); lyr.CreateFeature(f)
    ds = gdal.Rasterize("", vds, format="MEM", outputBounds=te, xRes=res, yRes=res,
                        burnValues=[1], outputType=gdal.GDT_Byte, initValues=[0])
    a = ds.GetRasterBand(1).ReadAsArray()
    return ds.GetGeoTransform(), ["".join("1" if v else "0" for v in row) for row in a]

def parts_of(g):
    t = ogr.GT_Flatten(g.GetGeometryType())
    polys = [g] if t == ogr.wkbPolygon else [g.GetGeometryRef(i) for i in range(g.GetGeometryCount())]
    out = []
    for p in polys:
        rings = []
        for k in range(p.GetGeometryCount()):
            r = p.GetGeometryRef(k)
            pts = [(r.GetX(i), r.GetY(i)) for i in range(r.GetPointCount())]
            if len(pts) > 1 and pts[0] == pts[-1]:
                pts = pts[:-1]
            rings.append(pts)
        out.append(rings)
    return out

def main():
    utm = osr.SpatialReference(); utm.ImportFromEPSG(32632)
    wgs = osr.SpatialReference(); wgs.ImportFromEPSG(4326)
    wgs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    utm.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    ct = osr.CoordinateTransformation(wgs, utm)
    cases = []
    ds = ogr.Open(PBF)
    lyr = ds.GetLayerByName("multipolygons"); lyr.SetAttributeFilter("building IS NOT NULL")
    plain, holed, multi = [], [], []
    for f in lyr:
        g = f.GetGeometryRef()
        if g is None or g.IsEmpty() or not g.IsValid():
            continue
        g = g.Clone(); g.Transform(ct)
        nholes = sum(g.GetGeometryRef(i).GetGeometryCount() - 1 for i in range(g.GetGeometryCount()))
        area = g.GetArea()
        if g.GetGeometryCount() > 1 and len(multi) < 1 and area < 20000:
            multi.append((f.GetFID(), g))
        elif nholes > 0 and len(holed) < 3 and area < 20000:
            holed.append((f.GetFID(), g))
        elif nholes == 0 and 30 < area < 3000 and len(plain) < 6 and f.GetFID() % 7 == 0:
            plain.append((f.GetFID(), g))
        if len(plain) >= 6 and len(holed) >= 3 and len(multi) >= 1:
            break
    for fid, g in plain + holed + multi:
        e = g.GetEnvelope()  # minx, maxx, miny, maxy
        te = (math.floor(e[0]) - 1, math.floor(e[2]) - 1, math.ceil(e[1]) + 1, math.ceil(e[3]) + 1)
        gt, rows = rasterize(g, utm, te, 1.0)
        cases.append((f"osm {fid}", gt, rows, parts_of(g)))
    # Synthetic edge cases on a 1 m grid with origin (700000, 4850020): centre of (r, c) = (700000.5 + c, 4850019.5 - r).
    ox, oy = 700000.0, 4850020.0
    def P(c, r):  # pixel → world
        return (ox + c, oy - r)
    synth = {
        "diamond through centres": [[P(5.5, 1.5), P(9.5, 5.5), P(5.5, 9.5), P(1.5, 5.5)]],
        "square edges on centres": [[P(2.5, 2.5), P(7.5, 2.5), P(7.5, 7.5), P(2.5, 7.5)]],
        "square edges on centres reversed": [[P(2.5, 7.5), P(7.5, 7.5), P(7.5, 2.5), P(2.5, 2.5)]],
        "hole on centres": [[P(1, 1), P(12, 1), P(12, 12), P(1, 12)], [P(3.5, 3.5), P(8.5, 3.5), P(8.5, 8.5), P(3.5, 8.5)]],
        "triangle half offsets": [[P(0.5, 0.25), P(13.5, 6.5), P(2.5, 13.75)]],
        "staircase": [[P(1.5, 1.5), P(4.5, 1.5), P(4.5, 4.5), P(8.5, 4.5), P(8.5, 9.5), P(1.5, 9.5)]],
        "spike": [[P(1, 6.5), P(13, 6.5), P(13.9, 7.0), P(1, 7.5)]],
        "thin sliver": [[P(0.2, 0.2), P(13.8, 13.6), P(13.8, 13.9)]],
    }
    for name, rings in synth.items():
        wkt = "POLYGON(" + ",".join("(" + ",".join(f"{x!r} {y!r}" for x, y in r + [r[0]]) + ")" for r in rings) + ")"
        g = ogr.CreateGeometryFromWkt(wkt)
        gt, rows = rasterize(g, utm, (ox, oy - 14, ox + 14, oy), 1.0)
        cases.append((name, gt, rows, [rings]))
    with open(OUT, "w") as o:
        o.write("/// gdal_rasterize (GDAL %s, default centre rule) on real Monaco buildings (EPSG:32632, 1 m) and edge cases.\n" % gdal.__version__)
        o.write("/// Generated by scripts/gdal_rasterize_case.py; do not edit. Rings are open, flat [x0, y0, x1, y1, …].\n")
        o.write("/// A data fixture: its cases repeat in shape on purpose (one literal per case, as GDAL wrote it).\n")
        o.write("struct GDALRasterizeCase {\n    let name: String\n    let geoTransform: [Double]\n    let parts: [[[Double]]]\n    let expected: [String]\n}\n\n")
        o.write("let gdalRasterizeCases: [GDALRasterizeCase] = [\n")
        for name, gt, rows, parts in cases:
            o.write("    GDALRasterizeCase(\n        name: %s,\n" % json.dumps(name))
            o.write("        geoTransform: [%s],\n" % ", ".join(repr(float(v)) for v in gt))
            o.write("        parts: [\n")
            for rings in parts:
                o.write("            [\n")
                for r in rings:
                    o.write("                [%s],\n" % ", ".join(f"{x!r}, {y!r}" for x, y in r))
                o.write("            ],\n")
            o.write("        ],\n        expected: [\n")
            for row in rows:
                o.write('            "%s",\n' % row)
            o.write("        ]),\n")
        o.write("]\n")
    print(f"wrote {len(cases)} cases to {OUT}")

main()
