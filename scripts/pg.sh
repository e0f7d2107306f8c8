#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the server's tests and benchmarks.
#
#   eval "$(scripts/pg.sh start)"   # installs PostgreSQL if missing, starts a cluster on a free
#                                   # loopback port, creates the database, prints
#                                   # `export XUNCHA_TEST_PG_URL=postgres://…`
#   scripts/pg.sh stop              # stops the cluster and removes its files
#
# The cluster lives in $XUNCHA_PG_DIR (default /tmp/xuncha-pg), runs as the `postgres` user,
# listens on 127.0.0.1 only with trust authentication, and keeps its unix socket in that folder.
# Running `start` twice reuses the running cluster. Everything but the final export goes to stderr.
set -euo pipefail

DIR="${XUNCHA_PG_DIR:-/tmp/xuncha-pg}"
DB="${XUNCHA_PG_DB:-xuncha_test}"
log() { echo "pg.sh: $*" >&2; }

find_bin() {
    local d
    for d in /usr/lib/postgresql/*/bin; do
        if [ -x "$d/initdb" ]; then echo "$d"; return 0; fi
    done
    return 1
}

ensure_installed() {
    if ! find_bin >/dev/null; then
        log "installing PostgreSQL from Debian's packages"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        apt-get install -y -qq postgresql >&2
    fi
}

as_postgres() {
    if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi
}

free_port() {
    local p
    for p in $(seq 55432 55632); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
    done
    log "no free port in 55432..55632"; return 1
}

url() { echo "postgres://postgres@127.0.0.1:$(cat "$DIR/port")/$DB"; }

start() {
    ensure_installed
    local bin; bin="$(find_bin)"
    if [ -f "$DIR/port" ] && as_postgres "$bin/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
        log "cluster already running on port $(cat "$DIR/port")"
        echo "export XUNCHA_TEST_PG_URL=$(url)"
        return 0
    fi
    rm -rf "$DIR"
    mkdir -p "$DIR"
    chown postgres "$DIR"
    as_postgres "$bin/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >&2 \
        || as_postgres "$bin/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --no-locale >&2
    local port; port="$(free_port)"
    echo "$port" > "$DIR/port"
    # Tests open many short-lived connections from several processes.
    as_postgres "$bin/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w start \
        -o "-p $port -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off" >&2
    as_postgres "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$DB" >&2
    log "cluster running on port $port (data in $DIR)"
    echo "export XUNCHA_TEST_PG_URL=$(url)"
}

stop() {
    local bin
    if bin="$(find_bin)" && [ -d "$DIR/data" ]; then
        as_postgres "$bin/pg_ctl" -D "$DIR/data" -m fast -w stop >&2 || true
    fi
    rm -rf "$DIR"
    log "stopped"
}

case "${1:-start}" in
    start) start ;;
    stop) stop ;;
    url) url ;;
    *) echo "usage: $0 [start|stop|url]" >&2; exit 2 ;;
esac
