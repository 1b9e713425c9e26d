#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server for the tests of the PostgreSQL audit log:
#
#   bash scripts/with-postgres.sh bash scripts/test-all.sh
#
# Installs Debian's `postgresql` package when no server binaries are found (idempotent; no
# system cluster is created), initdb's a data dir under target/pg/, starts the server on a free
# loopback port (TCP on 127.0.0.1 only, its unix socket in the data dir), exports
# MICROGOV_TEST_POSTGRES=postgres://postgres@127.0.0.1:PORT/microgov for the command, and stops
# the server and removes the data dir when the command ends, however it ends. The data dir is
# a throwaway: initdb skips its fsyncs and the stop is immediate; the server itself runs with
# its default durability (fsync, synchronous_commit), which the tests and benchmarks rely on.
#
# PostgreSQL refuses to run as root: as root the server runs as the `postgres` user (the
# package creates it), through runuser; as anyone else, as that user. When the `postgres` user
# cannot reach the checkout (a home folder of mode 0700), the data dir goes to a fresh folder
# under ${TMPDIR:-/tmp} instead.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

find_bin() {
  if [ -n "${PG_BIN:-}" ] && [ -x "$PG_BIN/initdb" ]; then echo "$PG_BIN"; return; fi
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [ -n "$d" ] && [ -x "$d/initdb" ]; then echo "$d"; return; fi
  if command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ]; then pg_config --bindir; return; fi
}

BIN=$(find_bin)
if [ -z "$BIN" ]; then
  echo "== postgres: installing Debian's postgresql package"
  # The tests start their own server: no system cluster on port 5432.
  mkdir -p /etc/postgresql-common
  [ -f /etc/postgresql-common/createcluster.conf ] || echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  BIN=$(find_bin)
fi
[ -n "$BIN" ] || { echo "error: no PostgreSQL server binaries (initdb, pg_ctl) found" >&2; exit 2; }

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

BASE="$ROOT/target/pg"
mkdir -p "$BASE"
DIR=$(mktemp -d "$BASE/run.XXXXXX")
if [ "$(id -u)" = 0 ]; then
  chown postgres "$BASE" "$DIR"
  if ! runuser -u postgres -- test -w "$DIR"; then
    rmdir "$DIR"
    DIR=$(mktemp -d "${TMPDIR:-/tmp}/microgov-pg.XXXXXX")
    chown postgres "$DIR"
  fi
fi
DATA="$DIR/data"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

stop() {
  as_pg "$BIN/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap stop EXIT

started=$(date +%s.%N)
as_pg "$BIN/initdb" -D "$DATA" -U postgres --auth=trust --no-sync -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
  || { cat "$DIR/initdb.log" >&2; exit 2; }
as_pg "$BIN/pg_ctl" -D "$DATA" -l "$DIR/server.log" -w -t 30 \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c max_connections=200 -c shared_buffers=256MB" start >/dev/null \
  || { cat "$DIR/server.log" >&2; exit 2; }
"$BIN/psql" -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -c "CREATE DATABASE microgov" >/dev/null
export MICROGOV_TEST_POSTGRES="postgres://postgres@127.0.0.1:$PORT/microgov"
echo "== postgres $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT (ready in $(python3 -c "import time; print(round(time.time() - $started, 1))") s): MICROGOV_TEST_POSTGRES=$MICROGOV_TEST_POSTGRES"

"$@"
