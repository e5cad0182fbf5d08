#!/usr/bin/env python3
"""CesiumJS pick test of terrain placement (issue 15): no building floats above the terrain, none is sunk into it.

A run folder made from a config with `layers.dem` (DIR/base.gpkg with ground_m / ground_source, DIR/tiles/buildings)
is loaded in CesiumJS in headless Chromium, on a terrain made from the same DEM (a CustomHeightmapTerrainProvider fed
with the DEM warped to longitude/latitude by gdalwarp, bilinear). For a sample of buildings placed on the DEM:
- the rendered base of the building is found with CesiumJS ray picks (scene.drillPickFromRayMostDetailed, the globe
  hidden so only the tileset answers): a horizontal ray aimed at the footprint's centroid from outside, at heights
  ground_m + 0.2 m (must hit this building: its walls reach down to there) and ground_m - 0.5 m (must miss it: the
  building does not reach below its ground);
- the terrain CesiumJS draws (sampleTerrain on the provider, level 18: posts about 2 m apart) at the footprint's
  centroid and vertices is compared with ground_m: not floating means ground_m <= terrain + tol at the centroid and
  at most slope x 2 DEM cells above the terrain at any vertex (ground is the minimum of the DEM cells whose centre
  lies in the footprint, while the drawn terrain at a vertex interpolates cell centres outside it).
Exit 1 on any failure; a JSON report on stdout. Needs chromium + chromium-driver, selenium, GDAL's command-line tools
and CesiumJS in web/vendor (scripts/install-web-viewer.sh).
Usage: check_terrain_cesium.py DIR DEM.tif [--n 8] [--timeout 240] [--shot /tmp/terrain.png]
"""
import argparse, functools, http.server, json, math, os, random, shutil, subprocess, sys, tempfile, threading

ap = argparse.ArgumentParser()
ap.add_argument("dir")
ap.add_argument("dem")
ap.add_argument("--n", type=int, default=8, help="buildings to pick")
ap.add_argument("--seed", type=int, default=1)
ap.add_argument("--timeout", type=int, default=240)
ap.add_argument("--shot", default="")
a = ap.parse_args()
D = os.path.abspath(a.dir)
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
cesium = os.path.join(root, "web/vendor/Cesium")
if not os.path.exists(os.path.join(cesium, "Cesium.js")):
    sys.exit("CesiumJS missing: run scripts/install-web-viewer.sh")
tmp = tempfile.mkdtemp(prefix="cimbase-terrain-")
failures, report = [], {"passed": []}


def check(ok, what):
    (report["passed"] if ok else failures).append(what)


# 1. The DEM in longitude/latitude (EPSG:4326, about 2 m posts), as little-endian Float32 rows from north to south.
warped = os.path.join(tmp, "dem4326.tif")
subprocess.run(["gdalwarp", "-q", "-t_srs", "EPSG:4326", "-r", "bilinear", "-tr", "0.00002", "0.00002", "-ot", "Float32",
                "-dstnodata", "-9999", a.dem, warped], check=True)
info = json.loads(subprocess.run(["gdalinfo", "-json", warped], check=True, capture_output=True, text=True).stdout)
gt, (w, h) = info["geoTransform"], info["size"]
raw = os.path.join(tmp, "dem.bin")
subprocess.run(["gdal_translate", "-q", "-of", "ENVI", warped, raw], check=True)
dem_meta = {"west": gt[0], "north": gt[3], "dx": gt[1], "dy": -gt[5], "width": w, "height": h}

# DEM cell size and slope in its own CRS (for the vertex tolerance).
src = json.loads(subprocess.run(["gdalinfo", "-json", a.dem], check=True, capture_output=True, text=True).stdout)
cell = abs(src["geoTransform"][1])

# 2. Buildings on the DEM: footprints in longitude/latitude with ground_m, from base.gpkg.
gj = os.path.join(tmp, "b.geojson")
subprocess.run(["ogr2ogr", "-q", "-f", "GeoJSON", "-t_srs", "EPSG:4326", "-lco", "COORDINATE_PRECISION=9", gj,
                os.path.join(D, "base.gpkg"), "-sql",
                "SELECT id, ground_m, height_m, footprint_m2, geom FROM buildings WHERE ground_source = 'dem' AND footprint_m2 > 150"],
               check=True)
feats = json.load(open(gj))["features"]
if not feats:
    sys.exit("no building with ground_source = 'dem' in " + D)
random.Random(a.seed).shuffle(feats)
sample = []
for f in feats[: a.n]:
    g = f["geometry"]
    ring = (g["coordinates"][0][0] if g["type"] == "MultiPolygon" else g["coordinates"][0])[:-1]
    lon = sum(p[0] for p in ring) / len(ring)
    lat = sum(p[1] for p in ring) / len(ring)
    r = max(math.hypot((p[0] - lon) * 111320 * math.cos(math.radians(lat)), (p[1] - lat) * 110540) for p in ring)
    sample.append({"id": f["properties"]["id"], "ground": f["properties"]["ground_m"], "height": f["properties"]["height_m"],
                   "lon": lon, "lat": lat, "radius": r, "ring": ring})

# 3. The page: CesiumJS with no imagery and the DEM terrain; the test runs from selenium.
os.symlink(cesium, os.path.join(tmp, "Cesium"))
os.symlink(os.path.join(D, "tiles"), os.path.join(tmp, "tiles"))
shutil.move(raw, os.path.join(tmp, "dem.bin"))
with open(os.path.join(tmp, "index.html"), "w") as fh:
    fh.write("""<!doctype html><html><head><meta charset="utf-8">
<script src="Cesium/Cesium.js"></script><link href="Cesium/Widgets/widgets.css" rel="stylesheet">
<style>html,body,#c{margin:0;width:100vw;height:100vh}</style></head><body><div id="c"></div><script>
window.DEM = __DEM__;
window.ready = (async () => {
  const buf = await (await fetch('dem.bin')).arrayBuffer();
  const z = new Float32Array(buf), M = window.DEM, N = 32;
  function height(lon, lat) {            // bilinear between posts (post centres at half a step)
    const fx = (lon - M.west) / M.dx - 0.5, fy = (M.north - lat) / M.dy - 0.5;
    const x0 = Math.max(0, Math.min(M.width - 2, Math.floor(fx))), y0 = Math.max(0, Math.min(M.height - 2, Math.floor(fy)));
    const tx = Math.max(0, Math.min(1, fx - x0)), ty = Math.max(0, Math.min(1, fy - y0));
    const v = (x, y) => { const h = z[y * M.width + x]; return h < -9000 ? 0 : h; };
    return (v(x0, y0) * (1 - tx) + v(x0 + 1, y0) * tx) * (1 - ty) + (v(x0, y0 + 1) * (1 - tx) + v(x0 + 1, y0 + 1) * tx) * ty;
  }
  window.demHeight = height;
  const scheme = new Cesium.GeographicTilingScheme();
  const terrain = new Cesium.CustomHeightmapTerrainProvider({width: N, height: N, tilingScheme: scheme,
    callback: (x, y, level) => {
      const r = scheme.tileXYToRectangle(x, y, level), out = new Float32Array(N * N);
      for (let j = 0; j < N; j++) for (let i = 0; i < N; i++) {
        const lon = Cesium.Math.toDegrees(r.west + (r.east - r.west) * i / (N - 1));
        const lat = Cesium.Math.toDegrees(r.north - (r.north - r.south) * j / (N - 1));
        out[j * N + i] = height(lon, lat);
      }
      return out;
    }});
  const viewer = new Cesium.Viewer('c', {baseLayer: false, terrainProvider: terrain, animation: false, timeline: false,
    baseLayerPicker: false, geocoder: false, homeButton: false, sceneModePicker: false, navigationHelpButton: false,
    infoBox: false, selectionIndicator: false, fullscreenButton: false, requestRenderMode: false});
  viewer.scene.globe.depthTestAgainstTerrain = true;
  viewer.scene.globe.baseColor = Cesium.Color.fromCssColorString('#8a9a6a');
  const tileset = await Cesium.Cesium3DTileset.fromUrl('tiles/buildings/tileset.json', {maximumScreenSpaceError: 1});
  viewer.scene.primitives.add(tileset);
  window.viewer = viewer; window.tileset = tileset; window.terrain = terrain;
  return true;
})();
window.probe = async (b) => {
  const viewer = window.viewer, scene = viewer.scene;
  const c = Cesium.Cartesian3.fromDegrees(b.lon, b.lat, b.ground + 60);
  viewer.camera.setView({destination: Cesium.Cartesian3.fromDegrees(b.lon, b.lat - 0.0012, b.ground + 90),
    orientation: {heading: 0, pitch: Cesium.Math.toRadians(-35), roll: 0}});
  for (let i = 0; i < 600 && !window.tileset.tilesLoaded; i++) await new Promise(r => setTimeout(r, 100));
  // Terrain as CesiumJS draws it, at the centroid and the vertices.
  const pts = [Cesium.Cartographic.fromDegrees(b.lon, b.lat)].concat(b.ring.map(p => Cesium.Cartographic.fromDegrees(p[0], p[1])));
  const sampled = await Cesium.sampleTerrain(window.terrain, 18, pts);
  const terrainHeights = sampled.map(p => p.height);
  // Horizontal rays at a height, aimed at the centroid from 3 footprint radii east; the globe hidden.
  scene.globe.show = false;
  async function hits(dz) {
    const target = Cesium.Cartesian3.fromDegrees(b.lon, b.lat, b.ground + dz);
    const enu = Cesium.Transforms.eastNorthUpToFixedFrame(target);
    const east = Cesium.Matrix4.multiplyByPointAsVector(enu, new Cesium.Cartesian3(1, 0, 0), new Cesium.Cartesian3());
    const origin = Cesium.Cartesian3.add(target, Cesium.Cartesian3.multiplyByScalar(east, 3 * b.radius + 10, new Cesium.Cartesian3()), new Cesium.Cartesian3());
    const dir = Cesium.Cartesian3.normalize(Cesium.Cartesian3.subtract(target, origin, new Cesium.Cartesian3()), new Cesium.Cartesian3());
    const res = await scene.drillPickFromRayMostDetailed(new Cesium.Ray(origin, dir), 20, []);
    const ids = [];
    for (const r of res) if (r && r.object && r.object.getProperty) {
      const id = r.object.getProperty('id'); if (id !== undefined) ids.push(Number(id));
    }
    return ids;
  }
  const above = await hits(0.2), below = await hits(-0.5);
  scene.globe.show = true;
  return {terrain: terrainHeights, page_dem: pts.map(p => window.demHeight(Cesium.Math.toDegrees(p.longitude), Cesium.Math.toDegrees(p.latitude))),
          above: above, below: below};
};
</script></body></html>""".replace("__DEM__", json.dumps(dem_meta)))


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=tmp))
threading.Thread(target=httpd.serve_forever, daemon=True).start()
url = f"http://127.0.0.1:{httpd.server_address[1]}/index.html"

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from headless_chromium import chrome

drv = chrome(800, 600, a.timeout)
try:
    drv.get(url)
    drv.execute_async_script("const done = arguments[0]; window.ready.then(() => done(true), e => done(String(e)));")
    rows = []
    for b in sample:
        r = drv.execute_async_script("const done = arguments[arguments.length - 1]; window.probe(arguments[0]).then(done, e => done({error: String(e)}));", b)
        if "error" in r:
            check(False, f"building {b['id']}: {r['error']}")
            continue
        t = r["terrain"]
        # slope of the drawn terrain across the footprint bounds how far a vertex may lie below the cell minimum
        span = max(t) - min(t)
        slope = span / max(1.0, 2 * b["radius"])
        # ground is the minimum of the DEM cells whose centre lies in the footprint; a vertex lies within about two
        # cells of such a centre along the surface, which the drawn terrain interpolates at the local slope
        vtol = 2 * cell * slope + 0.05
        gap_centre = b["ground"] - t[0]          # > 0: the base is above the terrain at the centroid
        gap_vertex = max(b["ground"] - x for x in t[1:])
        rows.append({"id": b["id"], "ground_m": round(b["ground"], 3), "terrain_centroid": round(t[0], 3),
                     "terrain_min_vertex": round(min(t[1:]), 3), "base_above_terrain_centroid_m": round(gap_centre, 3),
                     "base_above_terrain_worst_vertex_m": round(gap_vertex, 3), "vertex_tolerance_m": round(vtol, 3),
                     "ray_hits_at_ground+0.2": b["id"] in r["above"], "ray_hits_at_ground-0.5": b["id"] in r["below"]})
        check(gap_centre <= 0.05, f"building {b['id']}: base {b['ground']:.2f} m not above the terrain at its centroid ({t[0]:.2f} m)")
        check(gap_vertex <= vtol, f"building {b['id']}: base at most {vtol:.2f} m above the terrain at every vertex (worst {gap_vertex:.2f} m)")
        check(b["id"] in r["above"], f"building {b['id']}: a ray 0.2 m above its ground hits its walls (hit ids {r['above'][:5]})")
        check(b["id"] not in r["below"], f"building {b['id']}: a ray 0.5 m below its ground misses it (not sunk)")
    report["buildings"] = rows
    if a.shot:
        drv.save_screenshot(a.shot)
finally:
    drv.quit()
    httpd.shutdown()
    shutil.rmtree(tmp, ignore_errors=True)
report["failed"] = failures
print(json.dumps(report, indent=1))
print(f"terrain check: {len(report['passed'])} passed, {len(failures)} failed", file=sys.stderr)
sys.exit(1 if failures else 0)
