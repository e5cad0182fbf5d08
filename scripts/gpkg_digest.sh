#!/usr/bin/env bash
# Content digest of a GeoPackage: one SHA-256 per feature table (every column of every row in fid order, geometry
# blobs as hex) and per R-tree index (its entries in id order), independent of page layout and timestamps.
# Two base.gpkg files with the same lines hold the same features, attributes and spatial index.
# Usage: scripts/gpkg_digest.sh FILE.gpkg
set -euo pipefail
f="$1"
for t in $(sqlite3 "$f" "SELECT table_name FROM gpkg_contents ORDER BY table_name"); do
  cols=$(sqlite3 "$f" "SELECT group_concat(CASE WHEN type='BLOB' OR name='geom' THEN 'hex(\"'||name||'\")' ELSE 'quote(\"'||name||'\")' END, '||''|''||') FROM pragma_table_info('$t')")
  n=$(sqlite3 "$f" "SELECT count(*) FROM \"$t\"")
  echo "$t $n $(sqlite3 "$f" "SELECT $cols FROM \"$t\" ORDER BY fid" | sha256sum | cut -c1-16)"
done
for r in $(sqlite3 "$f" "SELECT name FROM sqlite_master WHERE type='table' AND name LIKE 'rtree_%' AND sql LIKE '%VIRTUAL%' ORDER BY name"); do
  echo "$r $(sqlite3 "$f" "SELECT count(*) FROM \"$r\"") $(sqlite3 "$f" "SELECT * FROM \"$r\" ORDER BY id" | sha256sum | cut -c1-16)"
done
echo "extent $(sqlite3 "$f" "SELECT group_concat(table_name||':'||quote(min_x)||','||quote(min_y)||','||quote(max_x)||','||quote(max_y), ' ') FROM (SELECT * FROM gpkg_contents ORDER BY table_name)" | sha256sum | cut -c1-16)"
echo "schema $(sqlite3 "$f" "SELECT type||' '||name||' '||tbl_name||' '||coalesce(sql,'') FROM sqlite_master ORDER BY type, name" | sha256sum | cut -c1-16)"
echo "extensions $(sqlite3 "$f" "SELECT * FROM gpkg_extensions ORDER BY rowid" | sha256sum | cut -c1-16)"
