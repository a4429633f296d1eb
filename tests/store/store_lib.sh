# Shared by the kept-ledger shell tests: fresh locations on SQLite or on the
# fixture's PostgreSQL server, and exports without their times.
#   kind=sqlite|postgresql  work=<scratch folder>  MEDSETTLE_TEST_PG_DIR=<socket folder>
pg_base() { echo "postgresql:///$1?host=${MEDSETTLE_TEST_PG_DIR}&port=5432&user=postgres"; }
psql_run() { PGOPTIONS=--client-min-messages=warning psql -X -q -v ON_ERROR_STOP=1 "$(pg_base medsettle)" -c "$1" >/dev/null; }
# location NAME: where ledger NAME lives (nothing created).
location() {
  if [[ $kind == sqlite ]]; then echo "$work/$1.db"; else echo "$(pg_base "$1")"; fi
}
# fresh NAME [TEMPLATE]: an empty ledger NAME, or a copy of ledger TEMPLATE.
fresh() {
  if [[ $kind == sqlite ]]; then
    rm -f "$work/$1.db" "$work/$1.db-wal" "$work/$1.db-shm"
    if [[ -n ${2:-} ]]; then cp "$work/$2.db" "$work/$1.db"; fi
  else
    [[ -n ${MEDSETTLE_TEST_PG_DIR:-} ]] || { echo "MEDSETTLE_TEST_PG_DIR is not set (run through ctest)" >&2; exit 1; }
    psql_run "DROP DATABASE IF EXISTS $1"
    psql_run "CREATE DATABASE $1${2:+ TEMPLATE $2}"
  fi
}
# exported NAME: the ledger's export, the records' times left out.
exported() { "$medsettle" ledger --ledger "$(location "$1")" --export - 2>/dev/null | sed -E 's/"recorded_at":"[^"]*",//g'; }
