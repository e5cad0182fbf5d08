#!/usr/bin/env bash
# Installs a local CesiumJS build into tiles/vendor/Cesium (git-ignored) for tiles/index.html, so the viewer needs
# no internet. CesiumJS comes from the `cesiumkit` wheel on PyPI (it bundles Cesium.js, Workers, Assets, ThirdParty and
# Widgets under cesiumkit/vendor/cesium). Only the wheel is downloaded (no dependencies, nothing installed into Python).
# Usage: tiles/install-cesium.sh [cesiumkit version, default 1.0.0]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
ver="${1:-1.0.0}"
dest="$here/vendor/Cesium"
if [ -f "$dest/Cesium.js" ]; then echo "CesiumJS already in $dest"; exit 0; fi
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$tmp" "cesiumkit==$ver"
whl="$(ls "$tmp"/cesiumkit-*.whl | head -n1)"
mkdir -p "$here/vendor"
python3 - "$whl" "$dest" <<'PY'
import sys, zipfile, os
whl, dest = sys.argv[1], sys.argv[2]
prefix = "cesiumkit/vendor/cesium/"
n = 0
with zipfile.ZipFile(whl) as z:
    for name in z.namelist():
        if name.startswith(prefix) and not name.endswith("/"):
            out = os.path.join(dest, name[len(prefix):])
            os.makedirs(os.path.dirname(out), exist_ok=True)
            with z.open(name) as src, open(out, "wb") as dst:
                dst.write(src.read())
            n += 1
if not os.path.exists(os.path.join(dest, "Cesium.js")):
    sys.exit("Cesium.js not found in the wheel")
print(f"installed {n} CesiumJS files into {dest}")
PY
