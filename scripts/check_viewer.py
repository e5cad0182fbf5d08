#!/usr/bin/env python3
"""Checks the viewer of a run folder (DIR/web/index.html) in headless Chromium, served by `cimbase serve DIR`.

What it asserts (exit 1 on any failure, a JSON report on stdout):
- the 2D map (MapLibre) and the 3D view (CesiumJS) render: each canvas has a substantial share of pixels that are not
  its background colour, and no 3D tile failed;
- choosing another zone indicator recolours the zones: the map canvas changes in at least 0.5 % of its pixels, and
  the zones' fill-color expression reads the chosen property;
- a real mouse click on a zone shows that zone's indicator rows, equal to DIR/indicators.csv's rows for it (every
  indicator and value), and the zone is one whose polygon in base.gpkg contains the clicked point (ogrinfo -spat);
- a real click on a building shows its properties, equal to base.gpkg's row with that id (height_m, use, floors);
- colouring the 3D view by a walking distance d_<category> changes the 3D canvas;
- no request leaves 127.0.0.1 (Chromium's performance log: every URL is http://127.0.0.1:PORT/…, data: or blob:),
  and the browser logged no errors.
Needs: chromium, chromium-driver (Debian) and selenium (pip); the libraries from scripts/install-web-viewer.sh.
Usage: check_viewer.py DIR [--cimbase .build/debug/cimbase] [--shots /tmp/viewer] [--timeout 180]
"""
import argparse, csv, json, os, re, subprocess, sys, time

ap = argparse.ArgumentParser()
ap.add_argument("dir")
ap.add_argument("--cimbase", default=".build/debug/cimbase")
ap.add_argument("--shots", default="/tmp/cimbase-viewer")
ap.add_argument("--timeout", type=int, default=180)
a = ap.parse_args()
os.makedirs(a.shots, exist_ok=True)
D = os.path.abspath(a.dir)
failures, report = [], {}


def check(ok, what):
    (report.setdefault("passed", []) if ok else failures).append(what)


srv = subprocess.Popen([a.cimbase, "serve", D, "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
line = srv.stdout.readline()
m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
if not m:
    srv.kill()
    sys.exit("cimbase serve did not start: " + line + srv.stderr.read())
port = int(m.group(1))
origin = f"http://127.0.0.1:{port}/"

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from headless_chromium import chrome

drv = chrome(1500, 800, a.timeout, logs=True)

# Share of canvas pixels that differ from the canvas' most common colour (its background), and a small signature.
PIXELS = r"""
const c = arguments[0] === 'map' ? window.__viewer.map.getCanvas() : window.__viewer.viewer.scene.canvas;
if (arguments[0] === 'globe') window.__viewer.viewer.render();
const w = 300, h = Math.round(300 * c.height / c.width), t = document.createElement('canvas'); t.width = w; t.height = h;
const g = t.getContext('2d'); g.drawImage(c, 0, 0, w, h);
const d = g.getImageData(0, 0, w, h).data, count = {};
for (let i = 0; i < d.length; i += 4) { const k = (d[i] >> 3) + ',' + (d[i+1] >> 3) + ',' + (d[i+2] >> 3); count[k] = (count[k] || 0) + 1; }
let bg = null, n = 0; for (const k in count) if (count[k] > n) { n = count[k]; bg = k; }
const px = []; for (let i = 0; i < d.length; i += 4) px.push((d[i] >> 3) * 1024 + (d[i+1] >> 3) * 32 + (d[i+2] >> 3));
return {nonBackground: 1 - n / (w * h), colours: Object.keys(count).length, px};
"""


def wait(cond, timeout, what):
    t0 = time.time()
    while time.time() - t0 < timeout:
        v = drv.execute_script("return " + cond)
        if v:
            return v
        time.sleep(0.5)
    failures.append("timeout waiting for " + what)
    return None


def changed(p, q):
    return sum(1 for x, y in zip(p, q) if x != y) / max(1, len(p))


try:
    drv.get(origin + "web/")
    wait("window.__viewer && window.__viewer.ready2d", a.timeout, "the 2D map")
    data = drv.execute_script("return window.__viewer.data")
    has3d = bool(data.get("tileset"))
    if has3d:
        wait("window.__viewer.ready3d", a.timeout, "the 3D tiles")
    time.sleep(1)
    drv.save_screenshot(os.path.join(a.shots, "viewer.png"))
    s2 = drv.execute_script(PIXELS, "map")
    report["map_non_background"] = round(s2["nonBackground"], 3)
    check(s2["nonBackground"] > 0.05 and s2["colours"] > 5, "2D map renders (non-background share %.3f)" % s2["nonBackground"])
    if has3d:
        s3 = drv.execute_script(PIXELS, "globe")
        report["globe_non_background"] = round(s3["nonBackground"], 3)
        check(s3["nonBackground"] > 0.02 and s3["colours"] > 5, "3D view renders (non-background share %.3f)" % s3["nonBackground"])
        tf = drv.execute_script("return window.__viewer.tileFailed")
        check(not tf, "no 3D tile failed " + json.dumps(tf)[:200])

    # Recolour: every zone indicator with values differs from the first; take the one that changes the map the most.
    zone_ind = [i for i in data["indicators"] if i.get("zones") and i.get("max", 0) > i.get("min", 0)]
    check(len(zone_ind) >= 2, "at least two zone indicators with varying values")
    if len(zone_ind) >= 2:
        sel = Select(drv.find_element(By.ID, "indicator"))
        sel.select_by_value(zone_ind[0]["id"])
        time.sleep(1.5)
        before = drv.execute_script(PIXELS, "map")["px"]
        best = (0, None)
        for cand in zone_ind[1:6]:
            sel.select_by_value(cand["id"])
            time.sleep(1.5)
            after = drv.execute_script(PIXELS, "map")["px"]
            best = max(best, (changed(before, after), cand["id"]), key=lambda t: t[0])
        expr = json.dumps(drv.execute_script("return window.__viewer.map.getPaintProperty('zones-fill','fill-color')"))
        report["recolour_changed_share"] = round(best[0], 4)
        check(best[0] > 0.005, "choosing an indicator recolours the zones (%.4f of pixels changed, %s)" % (best[0], best[1]))
        sel.select_by_value(best[1] or zone_ind[1]["id"])
        time.sleep(1)
        check(json.dumps(best[1] or zone_ind[1]["id"]) in json.dumps(drv.execute_script("return window.__viewer.map.getPaintProperty('zones-fill','fill-color')")),
              "the fill-color expression reads the chosen indicator")
        drv.save_screenshot(os.path.join(a.shots, "viewer-recoloured.png"))

    # Click a zone: at a zone's point on surface (from the zones_points tiles), a real mouse click.
    pts = drv.execute_script("""const m = window.__viewer.map;
      return m.querySourceFeatures('cim', {sourceLayer: 'zones_points'}).map(f => ({id: f.properties.zone_id, c: f.geometry.coordinates, p: m.project(f.geometry.coordinates)}));""")
    rows = {}
    with open(os.path.join(D, "indicators.csv"), encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["zone_id"]:
                rows.setdefault(r["zone_id"], {})[r["indicator"]] = r["value"]
    mp = drv.find_element(By.ID, "map")
    size = mp.size
    clicked = None
    for pt in pts:
        x, y = pt["p"]["x"], pt["p"]["y"]
        if 5 < x < size["width"] - 5 and 5 < y < size["height"] - 5:
            ActionChains(drv).move_to_element_with_offset(mp, x - size["width"] / 2, y - size["height"] / 2).click().perform()
            time.sleep(1)
            clicked = pt
            break
    check(clicked is not None, "a zone point is on screen to click")
    if clicked:
        shown = drv.execute_script("""return {id: window.__viewer.clickedZone, rows: [...document.querySelectorAll('#zone-rows tr')].map(tr => [tr.dataset.id, tr.querySelector('td.num').dataset.value])}""")
        zid = shown["id"]
        lon, lat = clicked["c"]
        e = 1e-6
        out = subprocess.run(["ogr2ogr", "-f", "CSV", "/vsistdout/", os.path.join(D, "base.gpkg"), "zones", "-spat", str(lon - e), str(lat - e), str(lon + e), str(lat + e),
                              "-spat_srs", "EPSG:4326", "-select", "zone_id"], capture_output=True, text=True).stdout
        containing = {r["zone_id"] for r in csv.DictReader(out.splitlines())}
        report["clicked_zone"] = zid
        report["zones_containing_click"] = sorted(containing)
        check(zid in containing, "the clicked zone %s contains the clicked point (zones there: %s)" % (zid, sorted(containing)))
        want = rows.get(zid, {})
        got = {k: v for k, v in shown["rows"]}
        same = set(got) == set(want) and all((want[k] == "" and got[k] == "") or (want[k] != "" and got[k] != "" and abs(float(want[k]) - float(got[k])) <= 1e-9 * max(1, abs(float(want[k])))) for k in want)
        check(same and len(want) > 0, "the zone's rows equal indicators.csv (%d rows)" % len(want))

    if has3d:
        # A screen point that holds a building, then a real click there.
        hit = drv.execute_script("""const v = window.__viewer.viewer, c = v.scene.canvas;
          for (let r = 0; r < 8; r++) for (let k = 0; k < 6; k++) {
            const x = c.clientWidth * (0.5 + (r % 2 ? 1 : -1) * r * 0.03 * Math.cos(k)), y = c.clientHeight * (0.5 + r * 0.03 * Math.sin(k));
            const f = v.scene.pick(new Cesium.Cartesian2(x, y));
            if (f instanceof Cesium.Cesium3DTileFeature) return {x, y, w: c.clientWidth, h: c.clientHeight};
          } return null;""")
        check(hit is not None, "a building is on screen in the 3D view")
        if hit:
            gl = drv.find_element(By.ID, "globe")
            ActionChains(drv).move_to_element_with_offset(gl, hit["x"] - gl.size["width"] / 2, hit["y"] - gl.size["height"] / 2).click().perform()
            time.sleep(1)
            b = drv.execute_script("return window.__viewer.pickedBuilding")
            shown = drv.execute_script("return [...document.querySelectorAll('#props tr')].map(tr => [tr.dataset.key, tr.querySelector('td.num').dataset.value])")
            check(b is not None and len(shown) > 5, "a click on a building shows its properties")
            if b:
                out = subprocess.run(["ogrinfo", "-ro", "-q", os.path.join(D, "base.gpkg"), "-sql", "SELECT id, height_m, use, floors FROM buildings WHERE id = %d" % int(b["id"])],
                                     capture_output=True, text=True).stdout
                ref = dict(re.findall(r"^\s+(\w+) \(\w+\) = (.*)$", out, re.M))
                report["picked_building"] = {k: b.get(k) for k in ("id", "height_m", "use", "floors")}
                report["base_row"] = ref
                ok = ref and abs(float(ref["height_m"]) - float(b["height_m"])) < 1e-3 and ref["use"] == b["use"]
                check(bool(ok), "the building's properties equal base.gpkg's row %s" % b.get("id"))
        # Colour by a walking distance.
        opts = drv.execute_script("return [...document.querySelectorAll('#color3d option')].map(o => o.value)")
        dprops = [p for p in opts if p.startswith("d_")]
        check(bool(dprops), "the 3D colour list offers walking distances d_<category>")
        if dprops:
            before = drv.execute_script(PIXELS, "globe")["px"]
            Select(drv.find_element(By.ID, "color3d")).select_by_value(dprops[0])
            time.sleep(2)
            after = drv.execute_script(PIXELS, "globe")["px"]
            report["recolour3d_changed_share"] = round(changed(before, after), 4)
            check(changed(before, after) > 0.002 and drv.execute_script("return window.__viewer.style3d") == dprops[0],
                  "colouring the buildings by %s recolours the 3D view" % dprops[0])
            drv.save_screenshot(os.path.join(a.shots, "viewer-3d-distance.png"))

    # Requests and errors.
    urls = []
    for l in drv.get_log("performance"):
        msg = json.loads(l["message"])["message"]
        if msg.get("method") == "Network.requestWillBeSent":
            urls.append(msg["params"]["request"]["url"])
    outside = [u for u in urls if not (u.startswith(origin) or u.startswith("data:") or u.startswith("blob:"))]
    report["requests"] = len(urls)
    check(len(urls) > 10 and not outside, "no request leaves 127.0.0.1 (%d requests; outside: %s)" % (len(urls), outside[:5]))
    errs = [l["message"][:300] for l in drv.get_log("browser") if l["level"] == "SEVERE"]
    errs += drv.execute_script("return window.__viewer.errors")
    check(not errs, "no browser errors " + json.dumps(errs[:5]))
except Exception as e:  # reported as a failure with the report so far
    import traceback
    failures.append("exception: %s: %s" % (type(e).__name__, str(e)[:500]))
    report["traceback"] = traceback.format_exc()[-1500:]
finally:
    drv.quit()
    srv.terminate()
    try:
        srv.wait(timeout=10)
    except subprocess.TimeoutExpired:
        srv.kill()
        srv.wait(timeout=10)

report["failures"] = failures
print(json.dumps(report, indent=1, ensure_ascii=False))
print("%d passed, %d failed" % (len(report.get("passed", [])), len(failures)))
sys.exit(1 if failures else 0)
