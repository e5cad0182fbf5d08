#!/usr/bin/env python3
"""Inputs for scripts/bench_grid.sh (Debian python3-gdal + numpy).

  bench_grid_prepare.py polygons <out.bin> <out.fgb>  Monaco buildings (OSM multipolygons, building not null) in
      EPSG:32632: a binary dump for cimbase-bench (u32 count; per feature u32 parts; per part u32 rings; per ring
      u32 points + f64 x,y pairs, little-endian, rings open) and the same geometries as FlatGeobuf for gdal_rasterize.
  bench_grid_prepare.py edt <out.tif> <out.u8> <n> <seed>   n×n Byte GeoTIFF of sparse sources (1 m cells, 1 = source)
      and the same bytes raw for cimbase-bench.
  bench_grid_prepare.py compare <ours.u8> <gdal.tif>      cell-for-cell comparison of two 0/1 grids.
  bench_grid_prepare.py compare_f32 <ours.f32> <gdal.tif> <maxdist>  distance comparison within maxdist.
  bench_grid_prepare.py compare_tif <ours.tif> <gdal.tif>  two GeoTIFFs cell for cell: shape, geotransform, type, and
      values in real units (band scale/offset applied); prints the counts of differing cells and the largest difference.
"""
import struct, sys
import numpy as np
from osgeo import gdal, ogr, osr

gdal.UseExceptions()
gdal.PushErrorHandler("CPLQuietErrorHandler")

def polygons(out_bin, out_fgb):
    pbf = "/work/shared/data/monaco_osm/monaco.osm.pbf"
    ds = ogr.Open(pbf)
    lyr = ds.GetLayerByName("multipolygons"); lyr.SetAttributeFilter("building IS NOT NULL")
    utm = osr.SpatialReference(); utm.ImportFromEPSG(32632); utm.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    wgs = osr.SpatialReference(); wgs.ImportFromEPSG(4326); wgs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    ct = osr.CoordinateTransformation(wgs, utm)
    drv = ogr.GetDriverByName("FlatGeobuf")
    fds = drv.CreateDataSource(out_fgb)
    flyr = fds.CreateLayer("b", srs=utm, geom_type=ogr.wkbMultiPolygon)
    feats = []
    for f in lyr:
        g = f.GetGeometryRef()
        if g is None or g.IsEmpty():
            continue
        g = g.Clone(); g.Transform(ct)
        g = ogr.ForceToMultiPolygon(g)
        parts = []
        for i in range(g.GetGeometryCount()):
            p = g.GetGeometryRef(i)
            rings = []
            for k in range(p.GetGeometryCount()):
                r = p.GetGeometryRef(k)
                pts = [(r.GetX(j), r.GetY(j)) for j in range(r.GetPointCount())]
                if len(pts) > 1 and pts[0] == pts[-1]:
                    pts = pts[:-1]
                if len(pts) >= 3:
                    rings.append(pts)
            if rings:
                parts.append(rings)
        if not parts:
            continue
        feats.append(parts)
        nf = ogr.Feature(flyr.GetLayerDefn()); nf.SetGeometry(g); flyr.CreateFeature(nf)
    fds = None
    with open(out_bin, "wb") as o:
        o.write(struct.pack("<I", len(feats)))
        for parts in feats:
            o.write(struct.pack("<I", len(parts)))
            for rings in parts:
                o.write(struct.pack("<I", len(rings)))
                for r in rings:
                    o.write(struct.pack("<I", len(r)))
                    o.write(np.asarray(r, dtype="<f8").tobytes())
    print(f"features {len(feats)}")

def edt(out_tif, out_u8, n, seed):
    n = int(n); rng = np.random.default_rng(int(seed))
    a = np.zeros((n, n), dtype=np.uint8)
    # Sparse sources: ~2000 park-like blobs and 200 pipe-like lines.
    for _ in range(2000):
        r, c = rng.integers(0, n, 2); h, w = rng.integers(1, 40, 2)
        a[r:r + h, c:c + w] = 1
    for _ in range(200):
        r = rng.integers(0, n); c0, c1 = sorted(rng.integers(0, n, 2))
        a[r, c0:c1] = 1
    a.tofile(out_u8)
    d = gdal.GetDriverByName("GTiff").Create(out_tif, n, n, 1, gdal.GDT_Byte, ["TILED=NO"])
    d.SetGeoTransform([0, 1, 0, float(n), 0, -1])
    s = osr.SpatialReference(); s.ImportFromEPSG(32632); d.SetProjection(s.ExportToWkt())
    d.GetRasterBand(1).WriteArray(a); d = None
    print(f"sources {int(a.sum())}")

def compare(ours, tif):
    ds = gdal.Open(tif); g = ds.GetRasterBand(1).ReadAsArray()
    o = np.fromfile(ours, dtype=np.uint8).reshape(g.shape)
    diff = int((o != (g != 0)).sum())
    print(f"cells {g.size} gdal_set {int((g != 0).sum())} ours_set {int(o.sum())} differing {diff}")

def compare_f32(ours, tif, maxd):
    ds = gdal.Open(tif); b = ds.GetRasterBand(1); g = b.ReadAsArray().astype(np.float64); nd = b.GetNoDataValue()
    o = np.fromfile(ours, dtype=np.float32).reshape(g.shape).astype(np.float64)
    maxd = float(maxd)
    nd = -1.0 if nd is None else nd          # gdal_proximity writes -nodata's value beyond -maxdist
    gv = (g != nd) & (g >= 0) & (g <= maxd)
    ov = np.isfinite(o)
    both = gv & ov
    err = np.abs(o[both] - g[both])
    print(f"gdal_within {int(gv.sum())} ours_within {int(ov.sum())} mask_differ {int((gv != ov).sum())} "
          f"max_abs_diff {err.max() if err.size else 0:.4f} mean_abs_diff {err.mean() if err.size else 0:.4f}")

def compare_tif(ours, tif):
    a = gdal.Open(ours); b = gdal.Open(tif)
    ba = a.GetRasterBand(1); bb = b.GetRasterBand(1)
    same_geo = a.GetGeoTransform() == b.GetGeoTransform() and (a.RasterXSize, a.RasterYSize) == (b.RasterXSize, b.RasterYSize)
    def real(band):
        v = band.ReadAsArray().astype(np.float64)
        return v * (band.GetScale() or 1.0) + (band.GetOffset() or 0.0)
    x = real(ba); y = real(bb)
    d = np.abs(x - y)
    print(f"cells {x.size} same_grid {same_geo} types {gdal.GetDataTypeName(ba.DataType)}/{gdal.GetDataTypeName(bb.DataType)} "
          f"differing {int((d > 0).sum())} max_abs_diff {d.max():.6g} sum_ours {x.sum():.6g} sum_gdal {y.sum():.6g} "
          f"overviews {ba.GetOverviewCount()}/{bb.GetOverviewCount()}")

cmd = sys.argv[1]
{"polygons": polygons, "edt": edt, "compare": compare, "compare_f32": compare_f32, "compare_tif": compare_tif}[cmd](*sys.argv[2:])
