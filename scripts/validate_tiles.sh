#!/usr/bin/env bash
# Validates a 3D Tiles tileset with the offline validator (../shared/tools/3dtiles/validate_3dtiles.py):
# schema, GLB structure, EXT_mesh_features / EXT_structural_metadata, every vertex inside its bounding volumes.
# Usage: scripts/validate_tiles.sh DIR_OR_TILESET_JSON [extra validator args, e.g. -q --json report.json]
# Needs a venv at scripts/.venv with numpy, jsonschema>=4.18, pyproj (created here on first use, from PyPI), and for
# compressed content (tiles.compression: meshopt, the default) the PyPI decoder `meshoptimizer` (pre-release, builds
# with g++ and python3-dev); without it the validator reports such tiles' geometry as unchecked (INFO).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
target="${1:?usage: validate_tiles.sh DIR_OR_TILESET_JSON [args]}"; shift
[ -d "$target" ] && target="$target/tileset.json"
tool=""
for c in "${CIMBASE_SHARED:-}/tools/3dtiles" "$root/../shared/tools/3dtiles" "/work/shared/tools/3dtiles"; do
  if [ -n "$c" ] && [ -f "$c/validate_3dtiles.py" ]; then tool="$c/validate_3dtiles.py"; break; fi
done
if [ -z "$tool" ]; then echo "validate_tiles: validate_3dtiles.py not found (../shared/tools/3dtiles); skipped"; exit 0; fi
venv="$here/.venv"
if ! "$venv/bin/python" -c "import numpy, jsonschema, pyproj" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q numpy "jsonschema>=4.18" pyproj
fi
if ! "$venv/bin/python" -c "import meshoptimizer" 2>/dev/null; then
  "$venv/bin/python" -m pip install -q "meshoptimizer>=0.2.30a0" || echo "validate_tiles: could not install the meshoptimizer decoder; compressed geometry unchecked" >&2
fi
exec "$venv/bin/python" "$tool" "$target" "$@"
