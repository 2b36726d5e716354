#!/bin/sh
# The entrypoint of deploy/postgres/Containerfile: the part of the official
# postgres image's behaviour that docs/deploy.md's Kubernetes example uses.
#
# - Started as root, it makes PGDATA (and the socket folder) the postgres
#   user's and runs itself again as that user: the server never runs as root.
# - PGDATA without a cluster (no PG_VERSION): initdb with POSTGRES_USER
#   (default postgres) as the superuser and POSTGRES_PASSWORD as its
#   password (required), password (scram-sha-256) authentication for TCP
#   from any address, trust on the container's own Unix socket, listening
#   on all addresses; then POSTGRES_DB (default POSTGRES_USER) is created.
# - A PGDATA that has a cluster is used as it is.
# Then it execs the command (`postgres` by default, with PGDATA), so that
# PostgreSQL is the container's process 1 and gets its signals.
set -eu

PGDATA=${PGDATA:-/var/lib/postgresql/data}
export PGDATA

if [ "$(id -u)" = 0 ]; then
    mkdir -p "$PGDATA" /var/run/postgresql
    chown postgres:postgres "$PGDATA" /var/run/postgresql
    chmod 700 "$PGDATA"
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [ "${1:-postgres}" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
    if [ -z "${POSTGRES_PASSWORD:-}" ]; then
        echo "gizmolua-postgres: POSTGRES_PASSWORD is not set, and PGDATA ($PGDATA) has no database yet" >&2
        exit 1
    fi
    user=${POSTGRES_USER:-postgres}
    database=${POSTGRES_DB:-$user}
    pwfile=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
    initdb --username="$user" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
        --encoding=UTF8 >/dev/null
    rm -f "$pwfile"
    echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
    echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
    if [ "$database" != postgres ]; then
        # No TCP, and a socket in a folder of its own: neither a client nor
        # pg_isready (the readiness probe) sees this server before the
        # database exists.
        socket=$(mktemp -d)
        pg_ctl --silent --wait --options="-c listen_addresses='' -c unix_socket_directories=$socket" start
        createdb --host="$socket" --username="$user" --owner="$user" "$database"
        pg_ctl --silent --wait --mode=fast stop
        rmdir "$socket"
    fi
    echo "gizmolua-postgres: made the database $database of $user in $PGDATA"
fi

if [ "${1:-}" = postgres ]; then
    shift
    exec postgres -D "$PGDATA" "$@"
fi
exec "$@"
