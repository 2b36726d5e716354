#!/bin/sh
# Runs a command with a throwaway PostgreSQL cluster: initdb under a temp
# folder, the server on a free loopback port (no other socket), a database
# `gizmo` owned by a role `gizmo`; its URL in GIZMO_TEST_POSTGRES_URL (and
# GIZMO_TEST_POSTGRES_DIR, where its pg_ctl can restart it). The cluster
# is stopped and removed when the command ends, however it ends.
#
#   Tests/postgres/with-cluster.sh make test-suites
#
# Needs Debian's postgresql (initdb, pg_ctl). As root, the server runs as
# the postgres user the package made (PostgreSQL refuses to run as root).
set -eu

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "with-cluster.sh: PostgreSQL's initdb is not installed (apt-get install postgresql)" >&2
    exit 2
fi

as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

dir=$(mktemp -d /tmp/gizmo-postgres.XXXXXX)
chmod 755 "$dir"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

stop() {
    [ -d "$dir" ] || return 0
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap stop EXIT
trap 'stop; exit 130' INT TERM

as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 200
fsync = on
CONF
as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
    || { cat "$dir/server.log" >&2; exit 1; }
as_owner "$bin/psql" -h "$dir" -p "$port" -U postgres -d postgres -q -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE gizmo LOGIN PASSWORD 'gizmo'" -c "CREATE DATABASE gizmo OWNER gizmo" >/dev/null

export GIZMO_TEST_POSTGRES_URL="postgres://gizmo:gizmo@127.0.0.1:$port/gizmo"
export GIZMO_TEST_POSTGRES_DIR="$dir"
echo "with-cluster.sh: PostgreSQL on 127.0.0.1:$port for: $*" >&2
# In the background, so that a signal reaches the traps at once (the shell
# runs them only between commands) and the cluster stops with the command.
"$@" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null; stop; exit 130' INT TERM
wait "$child"
