#!/usr/bin/env bash
# Installs the viewer's JavaScript libraries into web/vendor/ (git-ignored; never committed), for DIR/web/index.html:
#   web/vendor/maplibre-gl.js, maplibre-gl.css  from the `maplibre` wheel on PyPI (maplibre/srcjs/, MapLibre GL JS 5)
#   web/vendor/Cesium/                          from the `cesiumkit` wheel (cesiumkit/vendor/cesium/: Cesium.js, Workers,
#                                               Assets, ThirdParty, Widgets), as tiles/install-cesium.sh does
# Only the two wheels are downloaded (pip download --no-deps; nothing is installed into Python). `cimbase serve DIR`
# serves this folder at /web/vendor/; to publish a run folder elsewhere, copy it to DIR/web/vendor.
# Usage: scripts/install-web-viewer.sh [maplibre version, default 0.3.6] [cesiumkit version, default 1.0.0]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/web/vendor"
ml="${1:-0.3.6}"; ck="${2:-1.0.0}"
if [ -f "$dest/maplibre-gl.js" ] && [ -f "$dest/Cesium/Cesium.js" ]; then echo "viewer libraries already in $dest"; exit 0; fi
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$tmp" "maplibre==$ml" "cesiumkit==$ck"
mkdir -p "$dest"
python3 - "$tmp" "$dest" <<'PY'
import glob, os, sys, zipfile
tmp, dest = sys.argv[1], sys.argv[2]
def extract(whl, prefix, out, names=None):
    n = 0
    with zipfile.ZipFile(whl) as z:
        for name in z.namelist():
            if not name.startswith(prefix) or name.endswith("/"):
                continue
            rel = name[len(prefix):]
            if names is not None and rel not in names:
                continue
            path = os.path.join(out, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with z.open(name) as s, open(path + ".part", "wb") as d:
                d.write(s.read())
            os.replace(path + ".part", path)
            n += 1
    return n
ml = glob.glob(os.path.join(tmp, "maplibre-*.whl"))[0]
ck = glob.glob(os.path.join(tmp, "cesiumkit-*.whl"))[0]
a = extract(ml, "maplibre/srcjs/", dest, {"maplibre-gl.js", "maplibre-gl.css"})
b = extract(ck, "cesiumkit/vendor/cesium/", os.path.join(dest, "Cesium"))
for f in ("maplibre-gl.js", "maplibre-gl.css", "Cesium/Cesium.js"):
    if not os.path.exists(os.path.join(dest, f)):
        sys.exit(f"{f} not found in the wheels")
print(f"installed MapLibre GL JS ({a} files) and CesiumJS ({b} files) into {dest}")
PY
