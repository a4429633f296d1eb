#!/usr/bin/env bash
# Throwaway PostgreSQL server for tests: Unix socket only, trust auth, data in DIR.
#   pg_throwaway.sh start DIR   -> prints a libpq URI on stdout (last line), e.g.
#                                   postgresql:///medsettle?host=DIR&user=postgres
#   pg_throwaway.sh stop DIR    -> stops the server (immediate) and removes DIR
#   pg_throwaway.sh uri DIR     -> prints the URI again
# As root the server runs as the 'postgres' user (PostgreSQL refuses to run as root);
# as any other user it runs as that user directly.
set -euo pipefail

PGPORT_SOCK=5432          # only names the socket file DIR/.s.PGSQL.5432; no TCP at all
DBNAME=${MEDSETTLE_PGDB:-medsettle}

die() { echo "pg_throwaway: $*" >&2; exit 1; }

find_bindir() {
  local d
  # Prefer the newest installed server; pg_config (libpq-dev) may belong to another major.
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
  if [[ -n $d && -x $d/initdb ]]; then echo "$d"; return; fi
  if command -v pg_config >/dev/null && [[ -x "$(pg_config --bindir)/initdb" ]]; then
    pg_config --bindir; return
  fi
  command -v initdb >/dev/null && { dirname "$(command -v initdb)"; return; }
  die "no initdb found (apt-get install postgresql)"
}

# Run a command as the server's owner. cd into DIR first so that postgres never
# tries to stat an unreadable cwd such as /root ("could not change directory").
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    (cd "$DIR" && runuser -u postgres -- "$@")
  else
    (cd "$DIR" && "$@")
  fi
}

uri() { echo "postgresql:///${DBNAME}?host=${DIR}&port=${PGPORT_SOCK}&user=${SUPERUSER}"; }

cmd=${1:-}; DIR=${2:-}
[[ -n $cmd && -n $DIR ]] || die "usage: $0 start|stop|uri DIR"
DIR=$(realpath -m -- "$DIR")
# Unix socket path limit is 107 bytes: DIR + "/.s.PGSQL.5432" must fit.
(( ${#DIR} + 15 <= 107 )) || die "DIR too long for a Unix socket path: $DIR"

if [[ $(id -u) -eq 0 ]]; then
  id postgres >/dev/null 2>&1 || die "user 'postgres' missing (apt-get install postgresql)"
  SUPERUSER=postgres
else
  SUPERUSER=$(id -un)
fi
BIN=$(find_bindir)

stop_server() {
  if [[ -f $DIR/data/postmaster.pid ]]; then
    as_owner "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf -- "$DIR"
}

case $cmd in
start)
  if [[ -e $DIR/data ]]; then stop_server; fi   # stale leftovers of a crashed run
  mkdir -p -- "$DIR"
  if [[ $(id -u) -eq 0 ]]; then
    chown postgres:postgres "$DIR"      # mkdtemp gives 0700 root:root -> must chown
    chmod 0700 "$DIR"
    runuser -u postgres -- test -w "$DIR" \
      || die "postgres cannot reach $DIR (every parent dir needs o+x)"
  fi
  as_owner "$BIN/initdb" -D "$DIR/data" -U "$SUPERUSER" -A trust -E UTF8 \
      --locale=C.UTF-8 --no-sync >"$DIR/initdb.log" 2>&1 \
    || { cat "$DIR/initdb.log" >&2; die "initdb failed"; }
  cat >>"$DIR/data/postgresql.conf" <<EOF
# --- pg_throwaway ---
listen_addresses = ''
unix_socket_directories = '$DIR'
port = $PGPORT_SOCK
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 50
EOF
  as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 start >/dev/null \
    || { cat "$DIR/server.log" >&2; die "pg_ctl start failed"; }
  as_owner "$BIN/createdb" -h "$DIR" -p $PGPORT_SOCK -U "$SUPERUSER" "$DBNAME"
  # Let root (or the CI user) connect without user=... too.
  if [[ $(id -u) -eq 0 ]]; then
    as_owner "$BIN/createuser" -h "$DIR" -p $PGPORT_SOCK -U postgres -s root
  fi
  uri
  ;;
stop)
  if [[ -d $DIR ]]; then stop_server; fi
  ;;
uri) uri ;;
*) die "unknown command $cmd" ;;
esac
