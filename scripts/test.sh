#!/usr/bin/env bash
# The whole test suite against a throwaway PostgreSQL cluster.
#
#   scripts/test.sh [extra dotnet test arguments, e.g. --filter Category=Hardening]
#
# Starts a cluster on a free port under a temporary folder, migrates it with scripts/migrate.sh,
# exports CROWD_OAUTH_TEST_DB, runs `dotnet test`, and always stops and removes the cluster.
# Ends with one line "N passed, N failed" and exits non-zero when anything failed.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
. scripts/lib/pg.sh

# What the tests need from the machine: Chromium for the browser tests, PgBouncer for the pooling test.
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ] || need+=(pgbouncer)
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "test: installing ${need[*]}"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "test: missing ${need[*]}: install them (apt-get install ${need[*]})" >&2
    exit 2
  fi
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/crowdoauth-test.XXXXXX")
chmod 755 "$work"
pgdata="$work/pg"
cleanup() { pg_stop "$pgdata"; rm -rf "$work"; }
trap cleanup EXIT

port=$(free_port $((40000 + RANDOM % 20000)))
pg_init "$pgdata"
pg_start "$pgdata" "$port" "-c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "CREATE DATABASE crowdoauth_test" >/dev/null
scripts/migrate.sh "postgresql://postgres@127.0.0.1:$port/crowdoauth_test" >/dev/null

export CROWD_OAUTH_TEST_DB="Host=127.0.0.1;Port=$port;Username=postgres;Database=crowdoauth_test"
# The fault-injection tests stop and restart this cluster.
export CROWD_OAUTH_TEST_PGDATA="$pgdata"
export CROWD_OAUTH_TEST_PGPORT="$port"

results="$work/results"
set +e
dotnet test CrowdOAuth.sln -c Release --logger "console;verbosity=normal" --logger "trx" --results-directory "$results" "$@"
status=$?
set -e

# The totals dotnet test counted, from its TRX reports: <Counters total=".." passed=".." failed="..">.
passed=0; failed=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi   # a build error or a crash counts as a failure
echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
