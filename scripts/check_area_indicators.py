#!/usr/bin/env python3
"""Independent reference for CIMBase's area indicators (issue 6): recomputes them with shapely (GEOS) from a run's outputs.

Usage: scripts/.venv/bin/python scripts/check_area_indicators.py OUT_DIR [--rel-tol 0.001] [--abs-tol 1e-6]

Reads OUT_DIR/base.gpkg (buildings, roads, green, water, pipes, zones, boundary), OUT_DIR/indicators.gpkg (layer
`built_up`: the built-up area the run used) and OUT_DIR/indicators.csv (CIMBase's values), recomputes for the city
(empty zone_id) and each zone:

  green_cov         area(union(green) ∩ B) / area(B) × 100
  permeable_share   area(union(green ∪ water) ∩ B) / area(B) × 100
  pipe_cov          area(union(buffer(drainage pipe, D=100 m, quad_segs=8)) ∩ B) / area(B) × 100
  pipe_gap_area     area(B − union(buffers)) / 1e6  (km²)
  pipe_density      Σ length(drainage pipe ∩ B) / 1000 / (area(B) / 1e6)  (km/km²; each pipe counted, no union)
  road_density      Σ length(drivable road ∩ B) / 1000 / (area(B) / 1e6)
                    (lengths: a line within 1 cm of B's edge counts half, see length_inside)
  building_density  Σ footprint area of buildings whose centroid is in the scope / area(B) × 100
  park_service_cov  Σ area(resi footprint ∩ S) / Σ area(resi footprint) × 100 over residential/mixed buildings in scope,
                    S = union(buffer(part, 300)) for parts of union(is_park green) with 400 ≤ a < 5000 m²
                        ∪ union(buffer(part, 500)) for parts ≥ 5000 m²
  built_up_area     area(B) in m² (compared with the denominator CIMBase reports for green_cov / pipe_cov)

B is the city's built-up area (union of `built_up`), or for a zone B ∩ zone polygon; zone buildings are those whose
footprint centroid lies in the zone polygon.  A row passes when |cimbase − ref| ≤ rel_tol·|ref| (default 0.1 %) or,
for values near zero, |cimbase − ref| ≤ abs_tol (default 1e-6 in the indicator's unit: 1e-6 %, 1e-6 km² = 1 m²,
1e-6 km/km²).  Exit status 1 when any row fails, 2 on a usage/input error.

The GeoPackages are read with sqlite3 (standard library) and shapely's WKB reader (GPKG blob header stripped here), so
this runs in scripts/.venv with only shapely installed (no GDAL bindings needed).
"""
from __future__ import annotations

import argparse
import csv
import math
import os
import sqlite3
import struct
import sys

import shapely
from shapely.geometry import MultiPolygon, Polygon, GeometryCollection

QUAD_SEGS = 8  # CIMBase's GEOS buffers use quadrantSegments = 8
ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


# ---------------------------------------------------------------- GeoPackage reading

def gpkg_wkb(blob: bytes) -> bytes | None:
    """Strips the GeoPackage binary header (GPKG spec §2.1.3) and returns the standard WKB."""
    if blob is None:
        return None
    if blob[:2] != b"GP":
        raise ValueError("not a GeoPackage geometry blob")
    flags = blob[3]
    if flags & 0b10000:  # empty geometry flag
        return None
    env = (flags >> 1) & 0b111
    return bytes(blob[8 + ENVELOPE_BYTES[env]:])


def read_layer(path: str, layer: str, fields: list[str] | None = None) -> list[tuple]:
    """Returns [(geometry, {field: value})] for a layer; [] when the layer does not exist."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = con.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (layer,)).fetchone()
        if row is None:
            return []
        gcol = row[0]
        cols = [r[1] for r in con.execute(f'PRAGMA table_info("{layer}")')]
        want = [f for f in (fields or []) if f in cols]
        sel = ", ".join([f'"{gcol}"'] + [f'"{f}"' for f in want])
        out = []
        for r in con.execute(f'SELECT {sel} FROM "{layer}"'):
            wkb = gpkg_wkb(r[0])
            g = shapely.from_wkb(wkb) if wkb else None
            out.append((g, dict(zip(want, r[1:]))))
        return out
    finally:
        con.close()


# ---------------------------------------------------------------- geometry helpers

REPAIRED = {"count": 0}


def valid(g):
    if g is None or g.is_empty:
        return g
    if not g.is_valid:
        REPAIRED["count"] += 1
        # "structure" unions the shells of all parts (a MultiPolygon of edge-sharing parts stays their union);
        # the default "linework" method would turn overlaps into holes.
        g = shapely.make_valid(g, method="structure", keep_collapsed=False)
        # keep areal parts only
        if isinstance(g, GeometryCollection):
            polys = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
            g = shapely.union_all(polys) if polys else Polygon()
    return g


def union(geoms):
    geoms = [valid(g) for g in geoms if g is not None and not g.is_empty]
    if not geoms:
        return Polygon()
    return shapely.union_all(geoms)


def polygon_parts(g):
    return [p for p in shapely.get_parts(g) if p.geom_type == "Polygon"] if g is not None and not g.is_empty else []


EDGE_BAND = 0.01  # m: CIMBase's rule (GEOSGeometryOps.edgeBand): a line along an area's edge counts half


def closed_length_inside(lines, area) -> float:
    """Σ length(line ∩ area), each line counted separately (area taken as a closed set)."""
    if not lines or area.is_empty:
        return 0.0
    shapely.prepare(area)
    tot = 0.0
    for ln in lines:
        if ln is None or ln.is_empty:
            continue
        if area.contains(ln):
            tot += ln.length
        elif area.intersects(ln):
            tot += ln.intersection(area).length
    return tot


def length_inside(lines, area) -> float:
    """Σ length(line ∩ area) with lines within EDGE_BAND of the area's boundary counted half:
    ½ (length in area grown by the band + length in area shrunk by it), computed on the whole area at once."""
    if not lines or area.is_empty:
        return 0.0
    return (closed_length_inside(lines, area.buffer(EDGE_BAND)) + closed_length_inside(lines, area.buffer(-EDGE_BAND))) / 2


# ---------------------------------------------------------------- main

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("--rel-tol", type=float, default=1e-3, help="relative tolerance (default 0.001 = 0.1 %%)")
    ap.add_argument("--abs-tol", type=float, default=1e-6, help="absolute tolerance for values near 0 (unit of the indicator)")
    ap.add_argument("--pipe-distance", type=float, default=100.0)
    ap.add_argument("--builtup-from", metavar="GPKG:LAYER",
                    help="take the city's built-up area as the union of this layer (e.g. the source boundary) instead of "
                         "indicators.gpkg/built_up; built_up is then checked against it")
    ap.add_argument("--derive-builtup", metavar="CLOSING_M", type=float,
                    help="recompute the city's built-up area as the closing of the building footprints (buffer +CLOSING_M, "
                         "union, buffer -CLOSING_M, quad_segs=8, in one piece) instead of indicators.gpkg/built_up, which "
                         "CIMBase computes tile by tile; built_up is then checked against it")
    ap.add_argument("--pipes-from", metavar="GPKG:LAYER",
                    help="take the drainage pipes from this source layer (all features) instead of base.gpkg/pipes")
    a = ap.parse_args()

    base = os.path.join(a.out_dir, "base.gpkg")
    ind_gpkg = os.path.join(a.out_dir, "indicators.gpkg")
    ind_csv = os.path.join(a.out_dir, "indicators.csv")
    for p in (base, ind_gpkg, ind_csv):
        if not os.path.exists(p):
            print(f"missing {p}", file=sys.stderr)
            return 2

    # CIMBase's values: (indicator, zone_id) → row
    cim = {}
    with open(ind_csv, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            cim[(r["indicator"], r["zone_id"])] = r

    buildings = read_layer(base, "buildings", ["use"])
    roads = read_layer(base, "roads", ["drivable"])
    green = read_layer(base, "green", ["is_park"])
    water = read_layer(base, "water", [])
    pipes = read_layer(base, "pipes", ["kind"])
    zones = read_layer(base, "zones", ["zone_id", "zone_name"])
    built = read_layer(ind_gpkg, "built_up", [])

    B = union([g for g, _ in built])
    b_note = "indicators.gpkg/built_up"
    if a.builtup_from:
        path, layer = a.builtup_from.rsplit(":", 1)
        src = read_layer(path, layer, [])
        B_run = B
        B = union([g for g, _ in src])
        b_note = f"union of {a.builtup_from} ({len(src)} features); |built_up − it| = {B_run.symmetric_difference(B).area:.3f} m²"
    if a.derive_builtup:
        c = a.derive_builtup
        fps0 = [valid(g) for g, _ in buildings if g is not None and not g.is_empty]
        dil = shapely.union_all(shapely.buffer(fps0, c, quad_segs=QUAD_SEGS))
        B_run = B
        B = shapely.buffer(dil, -c, quad_segs=QUAD_SEGS)
        b_note = (f"closing of {len(fps0)} footprints by {c:g} m (shapely, whole city); |built_up − it| = "
                  f"{B_run.symmetric_difference(B).area:.3f} m² of {B.area:.1f} m²")
    green_u = union([g for g, _ in green])
    perm_u = union([g for g, _ in green] + [g for g, _ in water])
    drainage = [g for g, p in pipes if g is not None and p.get("kind") in ("sewer", "storm", "combined")]
    p_note = "base.gpkg/pipes kind sewer|storm|combined"
    if a.pipes_from:
        path, layer = a.pipes_from.rsplit(":", 1)
        n_base = len(drainage)
        drainage = [g for g, _ in read_layer(path, layer, []) if g is not None]
        p_note = f"{a.pipes_from} (all {len(drainage)}; base.gpkg has {n_base} drainage pipes)"
    drivable = [g for g, p in roads if g is not None and p.get("drivable") == 1]
    pipe_buf = union(list(shapely.buffer(drainage, a.pipe_distance, quad_segs=QUAD_SEGS))) if drainage else None

    # building footprints, centroids, residential flag
    fps = [valid(g) if g is not None else Polygon() for g, _ in buildings]
    fp_area = [g.area for g in fps]
    cents = [g.centroid if not g.is_empty else None for g in fps]
    resi = [p.get("use") in ("residential", "mixed") for _, p in buildings]

    # park service area and per-building served footprint area
    park_u = union([g for g, p in green if p.get("is_park") == 1])
    small, large = [], []
    for part in polygon_parts(park_u):
        ar = part.area
        if ar >= 5000:
            large.append(part)
        elif ar >= 400:
            small.append(part)
    svc_parts = []
    if small:
        svc_parts.append(union(list(shapely.buffer(small, 300, quad_segs=QUAD_SEGS))))
    if large:
        svc_parts.append(union(list(shapely.buffer(large, 500, quad_segs=QUAD_SEGS))))
    svc = union(svc_parts)
    shapely.prepare(svc)
    served = [0.0] * len(fps)
    for i, g in enumerate(fps):
        if resi[i] and not g.is_empty and svc.intersects(g):
            served[i] = g.area if svc.contains(g) else g.intersection(svc).area

    scopes = [("", B, list(range(len(fps))))]
    for zg, zp in zones:
        zg = valid(zg)
        shapely.prepare(zg)
        idx = [i for i, c in enumerate(cents) if c is not None and zg.contains(c)]
        scopes.append((str(zp.get("zone_id") or ""), B.intersection(zg), idx))

    rows = []  # (indicator, scope, cimbase, reference, note)

    def add(ind, sid, ref, field="value"):
        r = cim.get((ind, sid))
        cv = None
        if r is not None and r.get(field, "") != "":
            cv = float(r[field])
        rows.append((ind, sid, cv, ref))

    for sid, Bs, idx in scopes:
        area = Bs.area
        if area <= 0:
            continue
        den = None  # CIMBase's built-up area (m²): the denominator of an area ratio
        for ind in ("green_cov", "pipe_cov", "building_density", "permeable_share"):
            r = cim.get((ind, sid))
            if r is not None and r.get("denominator", "") != "":
                den = float(r["denominator"])
                break
        rows.append(("built_up_area_m2", sid, den, area))
        if green:
            add("green_cov", sid, Bs.intersection(green_u).area / area * 100)
        if green or water:
            add("permeable_share", sid, Bs.intersection(perm_u).area / area * 100)
        if drainage:
            cov = Bs.intersection(pipe_buf).area
            add("pipe_cov", sid, cov / area * 100)
            add("pipe_gap_area", sid, Bs.difference(pipe_buf).area / 1e6)
            add("pipe_density", sid, length_inside(drainage, Bs) / 1000 / (area / 1e6))
        if drivable:
            add("road_density", sid, length_inside(drivable, Bs) / 1000 / (area / 1e6))
        add("building_density", sid, sum(fp_area[i] for i in idx) / area * 100)
        ridx = [i for i in idx if resi[i]]
        if park_u is not None and not park_u.is_empty and ridx:
            land = sum(fp_area[i] for i in ridx)
            if land > 0:
                add("park_service_cov", sid, sum(served[i] for i in ridx) / land * 100)

    # CIMBase values the reference did not reproduce (e.g. a scope the reference found empty) are failures too
    checked = {r[0] for r in rows} | {"green_cov", "permeable_share", "pipe_cov", "pipe_gap_area", "pipe_density",
                                      "road_density", "building_density", "park_service_cov"}
    have = {(r[0], r[1]) for r in rows}
    missing = [(k[0], k[1], float(v["value"])) for k, v in cim.items()
               if k[0] in checked and v.get("value", "") != "" and k not in have]

    # report
    print(f"# {os.path.abspath(a.out_dir)}")
    print(f"# shapely {shapely.__version__}, GEOS {shapely.geos_version_string}; buffers quad_segs={QUAD_SEGS}, "
          f"D={a.pipe_distance:g} m; tolerance: rel {a.rel_tol:g} or abs {a.abs_tol:g}; invalid inputs repaired: {REPAIRED['count']}")
    print(f"# built-up area: {b_note}")
    print(f"# drainage pipes: {p_note}")
    print(f"# features: buildings {len(buildings)}, roads {len(roads)} (drivable {len(drivable)}), green {len(green)}, "
          f"water {len(water)}, pipes {len(pipes)} (drainage {len(drainage)}), zones {len(zones)}, built_up parts {len(polygon_parts(B))}")
    print()
    print("| indicator | scope | cimbase | reference | rel. diff | ok |")
    print("|---|---|---:|---:|---:|---|")
    fails = 0
    for ind, sid, cv, ref in rows:
        scope = sid or "(city)"
        if cv is None:
            ok = False
            rd = "n/a"
            cvs = "(not computed)"
        else:
            d = abs(cv - ref)
            rel = d / abs(ref) if ref != 0 else (0.0 if d == 0 else math.inf)
            ok = d <= a.rel_tol * abs(ref) or d <= a.abs_tol
            rd = f"{rel:.2e}" + ("" if d > a.abs_tol or rel <= a.rel_tol else " (abs)")
            cvs = f"{cv:.6f}"
        fails += 0 if ok else 1
        print(f"| {ind} | {scope} | {cvs} | {ref:.6f} | {rd} | {'ok' if ok else 'FAIL'} |")
    for ind, sid, cv in missing:
        fails += 1
        print(f"| {ind} | {sid or '(city)'} | {cv:.6f} | (no reference) | n/a | FAIL |")
    print()
    print(f"{len(rows) - fails + len(missing)}/{len(rows) + len(missing)} rows within tolerance" + ("" if fails == 0 else f"; {fails} FAIL"))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
