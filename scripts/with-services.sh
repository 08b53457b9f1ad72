#!/usr/bin/env bash
# with-services.sh CMD [ARG...]
#
# Runs CMD with the services the test suite needs, exported as
#   COMMENTD_TEST_POSTGRES  an admin URL of a PostgreSQL server (tests create
#                           and drop their own databases on it)
#   COMMENTD_TEST_REDIS     a redis:// URL (tests isolate themselves by key prefix)
# Already-set variables are used as they are. Otherwise it uses the servers on
# their standard loopback ports when they answer, or starts throwaway ones in
# a temporary directory when only their binaries are installed, and stops
# them when CMD ends. When neither is possible it fails at once, saying what
# to install.
set -euo pipefail

tmp=$(mktemp -d "${TMPDIR:-/tmp}/commentd-services.XXXXXX")
pids=()
pgdata=""
cleanup() {
  if [ -n "$pgdata" ]; then
    as_pg pg_ctl -D "$pgdata" -m immediate stop >/dev/null 2>&1 || true
  fi
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

die() { echo "with-services: $*" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
  local p
  for p in $(seq "$1" $(($1 + 200))); do
    port_open "$p" || { echo "$p"; return; }
  done
  die "no free port near $1"
}

find_pg_bin() {
  command -v "$1" 2>/dev/null && return
  ls /usr/lib/postgresql/*/bin/"$1" 2>/dev/null | sort -V | tail -n 1
}

# initdb and postgres refuse to run as root: run them as the postgres user.
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u "${PGUSER_OS:-postgres}" -- "$(find_pg_bin "$1")" "${@:2}"
  else
    "$(find_pg_bin "$1")" "${@:2}"
  fi
}

if [ -z "${COMMENTD_TEST_POSTGRES:-}" ]; then
  if port_open 5432; then
    export COMMENTD_TEST_POSTGRES="postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
  elif [ -n "$(find_pg_bin initdb)" ] && [ -n "$(find_pg_bin pg_ctl)" ]; then
    port=$(free_port 55432)
    pgdata="$tmp/pg"
    mkdir -p "$pgdata"
    [ "$(id -u)" = 0 ] && chown -R "${PGUSER_OS:-postgres}" "$tmp"
    echo "with-services: starting a throwaway PostgreSQL on 127.0.0.1:$port" >&2
    as_pg initdb -D "$pgdata" -U postgres -A trust >/dev/null
    as_pg pg_ctl -D "$pgdata" -o "-p $port -k $tmp -c listen_addresses=127.0.0.1 -c fsync=off" -w -l "$tmp/pg.log" start >/dev/null
    export COMMENTD_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
  else
    die "the tests need PostgreSQL: none answers on 127.0.0.1:5432 and initdb/pg_ctl are not installed (apt-get install postgresql), or set COMMENTD_TEST_POSTGRES"
  fi
fi

if [ -z "${COMMENTD_TEST_REDIS:-}" ]; then
  if port_open 6379; then
    export COMMENTD_TEST_REDIS="redis://127.0.0.1:6379/0"
  elif command -v redis-server >/dev/null; then
    port=$(free_port 56379)
    echo "with-services: starting a throwaway Redis on 127.0.0.1:$port" >&2
    redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly no --dir "$tmp" >"$tmp/redis.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 50); do port_open "$port" && break; sleep 0.1; done
    port_open "$port" || die "redis-server did not start; see $tmp/redis.log"
    export COMMENTD_TEST_REDIS="redis://127.0.0.1:$port/0"
  else
    die "the tests need Redis: none answers on 127.0.0.1:6379 and redis-server is not installed (apt-get install redis-server), or set COMMENTD_TEST_REDIS"
  fi
fi

"$@"
