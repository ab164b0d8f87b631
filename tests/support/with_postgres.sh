#!/bin/bash
# Runs a command beside a throwaway PostgreSQL cluster: initdb and pg_ctl (Debian's postgresql-15)
# in a temporary directory, as an unprivileged user (nobody when run as root: PostgreSQL refuses
# root), listening on a Unix socket in that directory only. The command finds the database in
# CIVIC_TEST_POSTGRES_URL; the cluster is stopped and removed however the command ends.
#   tests/support/with_postgres.sh COMMAND [ARGS...]
set -u
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "with_postgres: PostgreSQL's server is not installed (Debian: apt install postgresql-15); bash installer/test-all.sh installs it" >&2
  exit 1
fi
dir=$(mktemp -d /tmp/civic-pg.XXXXXX)
as_user=()
if [ "$(id -u)" = 0 ]; then
  chown nobody:nogroup "$dir"
  as_user=(runuser -u nobody --)
fi
stop() {
  "${as_user[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1
  rm -rf "$dir"
}
trap stop EXIT
trap 'exit 130' INT TERM
if ! "${as_user[@]}" "$bin/initdb" -D "$dir/data" -U civic -A trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1; then
  echo "with_postgres: initdb failed:" >&2
  cat "$dir/initdb.log" >&2
  exit 1
fi
# Durability is not what the tests measure: fsync off makes them quick. Benchmarks set
# WITH_POSTGRES_DURABLE=1 and get PostgreSQL's defaults (fsync, synchronous commit).
quick="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
[ "${WITH_POSTGRES_DURABLE:-0}" = 1 ] && quick=""
if ! "${as_user[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses='' -k $dir $quick -c max_connections=200" \
    start >/dev/null; then
  echo "with_postgres: the server did not start:" >&2
  cat "$dir/server.log" >&2
  exit 1
fi
export CIVIC_TEST_POSTGRES_URL="postgresql://civic@/postgres?host=$dir"
"$@"
