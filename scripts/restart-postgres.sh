#!/usr/bin/env bash
# Restarts the throw-away PostgreSQL cluster of scripts/start-postgres.sh (fast mode: open connections
# are cut, as in a crash or a failover). The store's restart test runs it mid-transaction.
set -euo pipefail
dir="${ARCHLAB_PG_DIR:-/tmp/archlab-pg}"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
if [[ "$(id -u)" == 0 ]]; then as_pg() { runuser -u postgres -- "$@"; }; else as_pg() { "$@"; }; fi
as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -m fast restart >&2
