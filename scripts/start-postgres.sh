#!/usr/bin/env bash
# Starts a throw-away PostgreSQL cluster for archlab's store tests and prints its JDBC URL on stdout
# (everything else goes to stderr). Idempotent: a second run finds the cluster running and prints
# the same URL.
#
#   export ARCHLAB_TEST_PG_URL="$(scripts/start-postgres.sh)"
#
# - installs Debian's postgresql package when no PostgreSQL server binaries are found (needs root);
# - keeps its own cluster in $ARCHLAB_PG_DIR (default /tmp/archlab-pg), owned by the postgres user
#   when run as root, listening on 127.0.0.1:$ARCHLAB_PG_PORT (default 55432, away from a system
#   cluster on 5432), with its socket in the same folder;
# - runs without fsync (a test cluster: speed over durability);
# - creates the role archlab (password archlab) and the database archlab it owns.
# Stop it with: pg_ctl -D /tmp/archlab-pg/data stop   (as the postgres user when started as root).
set -euo pipefail

dir="${ARCHLAB_PG_DIR:-/tmp/archlab-pg}"
port="${ARCHLAB_PG_PORT:-55432}"
data="$dir/data"

log() { echo "start-postgres: $*" >&2; }

find_bin() {
    local d
    d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    if [[ -n "$d" && -x "$d/initdb" && -x "$d/pg_ctl" ]]; then
        echo "$d"
    fi
}

bin="$(find_bin)"
if [[ -z "$bin" ]]; then
    if [[ "$(id -u)" != 0 ]]; then
        log "PostgreSQL is not installed and installing it needs root"
        exit 1
    fi
    log "installing Debian's postgresql package"
    if ! (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql) \
            >/tmp/archlab-pg-apt.log 2>&1; then
        log "apt-get install postgresql failed (see /tmp/archlab-pg-apt.log)"
        exit 1
    fi
    bin="$(find_bin)"
    if [[ -z "$bin" ]]; then
        log "postgresql installed, but no server binaries under /usr/lib/postgresql/*/bin"
        exit 1
    fi
fi

# initdb and the server refuse to run as root: as root, act as the postgres user.
if [[ "$(id -u)" == 0 ]]; then
    if ! id postgres >/dev/null 2>&1; then
        log "no postgres user to run the server as"
        exit 1
    fi
    as_pg() { runuser -u postgres -- "$@"; }
    mkdir -p "$dir"
    chown postgres:postgres "$dir"
    chmod 700 "$dir"
else
    as_pg() { "$@"; }
    mkdir -p "$dir"
    chmod 700 "$dir"
fi

if [[ ! -f "$data/PG_VERSION" ]]; then
    log "initdb $data"
    as_pg "$bin/initdb" -D "$data" -U postgres -E UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1 \
        || as_pg "$bin/initdb" -D "$data" -U postgres -E UTF8 --locale=C \
            --auth-local=trust --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1 \
        || { log "initdb failed (see $dir/initdb.log)"; exit 1; }
fi

# A throw-away cluster for tests: durability is not worth the time it costs (fsync after each commit).
fast="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
if ! as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    log "starting PostgreSQL ($("$bin/postgres" --version)) on 127.0.0.1:$port"
    if ! as_pg "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir $fast" start >&2; then
        log "the server did not start (see $dir/server.log)"
        tail -n 20 "$dir/server.log" >&2 || true
        exit 1
    fi
fi

psql_pg() { as_pg "$bin/psql" -h "$dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }

if [[ "$(psql_pg -c "SELECT 1 FROM pg_roles WHERE rolname = 'archlab'")" != 1 ]]; then
    psql_pg -c "CREATE ROLE archlab LOGIN PASSWORD 'archlab'" >&2
fi
if [[ "$(psql_pg -c "SELECT 1 FROM pg_database WHERE datname = 'archlab'")" != 1 ]]; then
    psql_pg -c "CREATE DATABASE archlab OWNER archlab" >&2
fi

echo "jdbc:postgresql://127.0.0.1:$port/archlab?user=archlab&password=archlab"
