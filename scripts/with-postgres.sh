#!/usr/bin/env bash
# Runs CMD... with a throwaway PostgreSQL cluster: initdb into a temporary folder, a server on
# 127.0.0.1 on a free port, a database for the tests, and its URL exported as
# WAMEDIA_TEST_POSTGRES_URL (postgres://wamedia@127.0.0.1:PORT/wamedia_test). The cluster is stopped
# and removed on every exit (success, failure, Ctrl-C); CMD's exit status is the script's.
#
#   scripts/with-postgres.sh swift test --filter PostgresJournalTests
#
# PostgreSQL refuses to run as root: as root, the cluster runs as the `postgres` system user
# (created when missing); otherwise as the current user. Needs the server binaries (Debian/Ubuntu
# package `postgresql`, which scripts/install-deps.sh installs).
set -euo pipefail
if [ $# -eq 0 ]; then
    echo "usage: scripts/with-postgres.sh CMD [ARGS...]" >&2
    exit 2
fi

pg_bin=$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
    echo "with-postgres: no PostgreSQL server binaries under /usr/lib/postgresql; run scripts/install-deps.sh" >&2
    exit 1
fi

pg_as_owner=()
pg_folder=$(mktemp -d "${TMPDIR:-/tmp}/wamedia-postgres.XXXXXX")
if [ "$(id -u)" -eq 0 ]; then
    if ! id postgres >/dev/null 2>&1; then
        useradd --system --home-dir /var/lib/postgresql --shell /usr/sbin/nologin postgres
    fi
    chown postgres: "$pg_folder"
    pg_as_owner=(runuser -u postgres --)
fi
# The folder must be reachable by the cluster's owner (a private TMPDIR is not).
chmod 0755 "$pg_folder"

stop_cluster() {
    if [ -f "$pg_folder/data/postmaster.pid" ]; then
        "${pg_as_owner[@]}" "$pg_bin/pg_ctl" -D "$pg_folder/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$pg_folder"
}
pg_child=""
trap stop_cluster EXIT
# CMD runs in the background so a signal reaches these traps at once (not after CMD ends): it is
# passed on to CMD, then the cluster goes.
trap '[ -n "$pg_child" ] && kill -TERM "$pg_child" 2>/dev/null; exit 130' INT
trap '[ -n "$pg_child" ] && kill -TERM "$pg_child" 2>/dev/null; exit 143' TERM

"${pg_as_owner[@]}" "$pg_bin/initdb" -D "$pg_folder/data" -U wamedia --auth=trust -E UTF8 --no-sync \
    >"$pg_folder/initdb.log" 2>&1 || {
    echo "with-postgres: initdb failed:" >&2
    tail -n 20 "$pg_folder/initdb.log" >&2
    exit 1
}

# A free port can be taken between choosing it and listening on it (other clusters start on this
# machine too): a few tries, each with a new port.
pg_started=""
for _ in 1 2 3 4 5; do
    pg_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    # fsync off: the tests crash clients, never this server, and it is removed afterwards.
    if "${pg_as_owner[@]}" "$pg_bin/pg_ctl" -D "$pg_folder/data" -l "$pg_folder/server.log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_folder -c fsync=off -c max_connections=200" \
        start >/dev/null 2>&1; then
        pg_started=yes
        break
    fi
done
if [ -z "$pg_started" ]; then
    echo "with-postgres: the server did not start; its log ends with:" >&2
    tail -n 20 "$pg_folder/server.log" >&2
    exit 1
fi
"${pg_as_owner[@]}" "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U wamedia wamedia_test

export WAMEDIA_TEST_POSTGRES_URL="postgres://wamedia@127.0.0.1:$pg_port/wamedia_test"
echo "with-postgres: throwaway cluster at $WAMEDIA_TEST_POSTGRES_URL" >&2
"$@" &
pg_child=$!
pg_status=0
wait "$pg_child" || pg_status=$?
exit "$pg_status"
