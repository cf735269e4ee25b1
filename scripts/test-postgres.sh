#!/usr/bin/env bash
# A throwaway PostgreSQL server on loopback for the store tests and the ingest benchmark.
#
#   eval "$(scripts/test-postgres.sh start)"   # starts it, exports NFLREADPY_BETTING_TEST_PG_URL
#   cargo test --test store_postgres
#   scripts/test-postgres.sh stop
#
# The cluster lives in $PGTEST_DIR (default: a folder under ${TMPDIR:-/tmp}), listens on
# 127.0.0.1:$PGTEST_PORT (default 54329) only, trusts loopback connections (nothing but this
# machine can reach it) and has a role `nflreadpy` allowed to create databases (each test makes
# its own). As root, the server runs as the `postgres` user (created when missing): PostgreSQL
# refuses to run as root. `start` prints only the export line on stdout; progress goes to stderr.
# With PGTEST_SSL_DIR naming a folder holding server.crt and server.key, the server also speaks
# TLS with that certificate (the TLS test makes a private CA and a server certificate for it).
set -euo pipefail

dir=${PGTEST_DIR:-${TMPDIR:-/tmp}/nflreadpy-pg-test}
port=${PGTEST_PORT:-54329}
url="postgres://nflreadpy@127.0.0.1:${port}/nflreadpy_test"

bindir() {
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v pg_ctl)"
    return
  fi
  # Debian keeps the server binaries out of PATH.
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$d" ] && [ -x "$d/pg_ctl" ]; then
    echo "$d"
    return
  fi
  echo "PostgreSQL server binaries not found (Debian: apt-get install postgresql)" >&2
  exit 1
}

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start() {
  local bin
  bin=$(bindir)
  if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin postgres
  fi
  if [ -f "$dir/data/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    echo "PostgreSQL already running in $dir" >&2
  else
    rm -rf "$dir"
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    local ssl=""
    if [ -n "${PGTEST_SSL_DIR:-}" ]; then
      cp "$PGTEST_SSL_DIR/server.crt" "$PGTEST_SSL_DIR/server.key" "$dir/"
      chmod 600 "$dir/server.key"
      [ "$(id -u)" -eq 0 ] && chown postgres: "$dir/server.crt" "$dir/server.key"
      ssl="-c ssl=on -c ssl_cert_file=$dir/server.crt -c ssl_key_file=$dir/server.key"
    fi
    # Enough connections for parallel tests (each test holds a pool and a few dedicated ones).
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=300 -c shared_buffers=256MB $ssl" \
      start >&2 || { cat "$dir/server.log" >&2; exit 1; }
  fi
  local psql=("$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres)
  [ -x "$bin/psql" ] || psql=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres)
  "${psql[@]}" -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'nflreadpy'" | grep -q 1 \
    || "${psql[@]}" -c "CREATE ROLE nflreadpy LOGIN CREATEDB"
  "${psql[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = 'nflreadpy_test'" | grep -q 1 \
    || "${psql[@]}" -c "CREATE DATABASE nflreadpy_test OWNER nflreadpy"
  echo "PostgreSQL $("${psql[@]}" -tAc 'SHOW server_version') on 127.0.0.1:$port (data in $dir)" >&2
  echo "export NFLREADPY_BETTING_TEST_PG_URL=$url"
}

# pause/resume: stop and start the same cluster, data kept (the outage test).
pause() {
  local bin
  bin=$(bindir)
  as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2
}

resume() {
  local bin
  bin=$(bindir)
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=300 -c shared_buffers=256MB" \
    start >&2
}

stop() {
  local bin
  bin=$(bindir)
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  pause) pause ;;
  resume) resume ;;
  url) echo "$url" ;;
  *) echo "usage: $0 start|stop|pause|resume|url" >&2; exit 2 ;;
esac
