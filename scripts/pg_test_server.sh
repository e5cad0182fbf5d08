#!/usr/bin/env bash
# A throwaway PostgreSQL + PostGIS server on loopback for the publish tests (and scripts/bench_publish.sh).
#   scripts/pg_test_server.sh start DIR [PORT]   initdb into DIR (owned by the server user), start on 127.0.0.1:PORT
#                                                (default 55432), create database cimbase_test with postgis; prints
#                                                the connection string `PG:host=127.0.0.1 port=PORT dbname=cimbase_test user=cimbase`
#   scripts/pg_test_server.sh stop DIR
# initdb refuses to run as root, so as root the server runs as the `postgres` user (created by Debian's package).
# Installs postgresql and postgresql-15-postgis-3 with apt-get when the binaries are missing (root only).
# Every failing step says why on stderr and the script exits non-zero; it never touches a system cluster.
set -uo pipefail
cmd=${1:-}; dir=${2:-}; port=${3:-55432}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR [PORT]" >&2; exit 2; }
bin=""
for v in 17 16 15; do [ -x /usr/lib/postgresql/$v/bin/initdb ] && { bin=/usr/lib/postgresql/$v/bin; break; }; done
as_server() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "$cmd" in
start)
  if [ -z "$bin" ] || ! ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "pg_test_server: installing postgresql and postgresql-15-postgis-3 with apt-get" >&2
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-15-postgis-3) >/tmp/pg_test_server-apt.log 2>&1 \
        || { echo "pg_test_server: apt-get install failed (see /tmp/pg_test_server-apt.log):" >&2; tail -n 5 /tmp/pg_test_server-apt.log >&2; exit 1; }
      for v in 17 16 15; do [ -x /usr/lib/postgresql/$v/bin/initdb ] && { bin=/usr/lib/postgresql/$v/bin; break; }; done
    fi
  fi
  [ -n "$bin" ] || { echo "pg_test_server: no PostgreSQL binaries in /usr/lib/postgresql/*/bin (apt-get install postgresql postgresql-15-postgis-3)" >&2; exit 1; }
  ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1 || { echo "pg_test_server: PostGIS is not installed (apt-get install postgresql-15-postgis-3)" >&2; exit 1; }
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then echo "pg_test_server: running as root but there is no postgres user to run the server" >&2; exit 1; fi
  mkdir -p "$dir" || { echo "pg_test_server: cannot create $dir" >&2; exit 1; }
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  chmod 700 "$dir"
  if [ ! -f "$dir/PG_VERSION" ]; then
    as_server "$bin/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir.initdb.log" 2>&1 \
      || as_server "$bin/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C >"$dir.initdb.log" 2>&1 \
      || { echo "pg_test_server: initdb failed (see $dir.initdb.log):" >&2; tail -n 5 "$dir.initdb.log" >&2; exit 1; }
  fi
  # Loopback only, a private socket folder, no fsync (a test server: speed over durability).
  as_server "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_wal_size=4GB" start >/dev/null \
    || { echo "pg_test_server: the server did not start (see $dir/server.log):" >&2; tail -n 5 "$dir/server.log" >&2; exit 1; }
  psql_() { as_server "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres "$@"; }
  psql_ -d postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname='cimbase'" | grep -q 1 || psql_ -d postgres -c "CREATE ROLE cimbase LOGIN SUPERUSER" \
    || { echo "pg_test_server: cannot create role cimbase" >&2; exit 1; }
  psql_ -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='cimbase_test'" | grep -q 1 || psql_ -d postgres -c "CREATE DATABASE cimbase_test OWNER cimbase" \
    || { echo "pg_test_server: cannot create database cimbase_test" >&2; exit 1; }
  psql_ -d cimbase_test -c "CREATE EXTENSION IF NOT EXISTS postgis" || { echo "pg_test_server: CREATE EXTENSION postgis failed" >&2; exit 1; }
  echo "PG:host=127.0.0.1 port=$port dbname=cimbase_test user=cimbase"
  ;;
stop)
  [ -n "$bin" ] && [ -f "$dir/postmaster.pid" ] && as_server "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
  exit 0
  ;;
*) echo "usage: $0 start|stop DIR [PORT]" >&2; exit 2 ;;
esac
