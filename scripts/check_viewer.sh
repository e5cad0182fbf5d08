#!/usr/bin/env bash
# Checks the viewer (DIR/web/index.html) in headless Chromium: see scripts/check_viewer.py for what it asserts.
# Usage: scripts/check_viewer.sh [DIR]   (without DIR: a 2,000-building synthetic city is run into /tmp/cimbase-viewer-run)
# Needs chromium + chromium-driver (apt-get install -y chromium chromium-driver); selenium goes into scripts/.venv and
# the viewer's libraries into web/vendor (scripts/install-web-viewer.sh) when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] || { echo "check_viewer: needs chromium and chromium-driver (apt-get install -y chromium chromium-driver)" >&2; exit 2; }
[ -x scripts/.venv/bin/python ] || python3 -m venv scripts/.venv
scripts/.venv/bin/python -c "import selenium" 2>/dev/null || scripts/.venv/bin/python -m pip install -q --disable-pip-version-check selenium
scripts/install-web-viewer.sh
swift build --product cimbase
cimbase=.build/debug/cimbase
dir="${1:-}"
if [ -z "$dir" ]; then
  dir=/tmp/cimbase-viewer-run
  "$cimbase" synth --buildings 2000 --seed 11 --out "$dir/src" --quiet
  "$cimbase" run "$dir/src/city.yaml" --out "$dir/out" --quiet
  dir="$dir/out"
fi
exec scripts/.venv/bin/python scripts/check_viewer.py "$dir" --cimbase "$cimbase"
