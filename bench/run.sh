#!/usr/bin/env bash
# The CrowdOAuth benchmark (issue 8). See bench/README.md.
#
#   bench/run.sh                       every scenario at concurrency 16 and 64, 20 s (+3 s warm-up, 10 s before
#                                      the first repetition), 3 repetitions
#   bench/run.sh --quick               a smoke run: 5 s (+4 s warm-up), 1 repetition
#   bench/run.sh --scenario refresh    one scenario (refresh, bearer, code, invalid; repeatable or comma-separated)
#   bench/run.sh --population 1000000  run, then bulk-insert that many live grants (a pair each), and run again
#   bench/run.sh --micro               the BenchmarkDotNet micro-benchmarks of Core only
#   options: --concurrency 16,64  --duration S  --warmup S  --first-warmup S  --reps N  --keep (keep the temp dir)
#
# Starts a throwaway PostgreSQL (temp dir, free port) and a Release build of the server on 127.0.0.1,
# seeds through the real endpoints, measures, prints a table, writes bench/results/<timestamp>.json,
# and stops everything it started (by PID), also on failure or Ctrl-C.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
. scripts/lib/pg.sh

scenarios="" concurrency="16,64" duration=20 warmup=3 first_warmup=10 reps=3 population=0 micro=0 keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) duration=5; warmup=2; first_warmup=4; reps=1 ;;
    --scenario) scenarios="${scenarios:+$scenarios,}$2"; shift ;;
    --concurrency) concurrency=$2; shift ;;
    --duration) duration=$2; shift ;;
    --warmup) warmup=$2; shift ;;
    --first-warmup) first_warmup=$2; shift ;;
    --reps) reps=$2; shift ;;
    --population) population=$2; shift ;;
    --micro) micro=1 ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "bench: unknown option $1 (see --help)" >&2; exit 64 ;;
  esac
  shift
done
scenarios=${scenarios:-refresh,bearer,code,invalid}
case "$population" in ''|*[!0-9]*) echo "bench: --population takes a number" >&2; exit 64 ;; esac

mkdir -p bench/results
stamp=$(date -u +%Y%m%dT%H%M%SZ)

if [ "$micro" = 1 ]; then
  echo "bench: micro-benchmarks (BenchmarkDotNet, short job); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  dotnet run -c Release --project bench/Crowd.OAuth.MicroBench -- --job short --filter '*' \
    --artifacts "bench/results/micro-$stamp" 2>&1 | tee "bench/results/micro-$stamp.log" | sed -n '/^| *Method/,/^$/p'
  echo "bench: full log in bench/results/micro-$stamp.log"
  exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/crowdoauth-bench.XXXXXX")
chmod 755 "$work"
pgdata="$work/pg"
server_pid=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server_pid" 2>/dev/null || true
  fi
  [ -f "$pgdata/postmaster.pid" ] && pg_stop "$pgdata"
  if [ "$status" -ne 0 ] && [ -f "$work/server.log" ]; then
    cp "$work/server.log" "bench/results/server-$stamp.log" 2>/dev/null || true
    echo "bench: failed (status $status); server log kept in bench/results/server-$stamp.log" >&2
  fi
  if [ "$keep" = 1 ]; then echo "bench: kept $work"; else rm -rf "$work"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "bench: building the server (Release) and the load generator"
dotnet build Crowd.OAuth.Api -c Release -o "$work/server" -v quiet -nologo >"$work/build.log" 2>&1 || { tail -20 "$work/build.log" >&2; exit 1; }
dotnet build bench/Crowd.OAuth.Bench -c Release -o "$work/loadgen" -v quiet -nologo >>"$work/build.log" 2>&1 || { tail -20 "$work/build.log" >&2; exit 1; }

# PostgreSQL: durable defaults (fsync, synchronous_commit and full_page_writes stay ON), on the disk
# (not tmpfs). Changed: more shared_buffers so the million-grant population fits in memory,
# max_connections for experiments with the default pool of 100, and pg_stat_statements for the round-trip evidence.
pgport=$(free_port $((45000 + RANDOM % 10000)))
pg_init "$pgdata"
pg_start "$pgdata" "$pgport" "-c max_connections=200 -c shared_buffers=512MB -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=top ${BENCH_PG_SETTINGS:-}"
psql -X -q -h 127.0.0.1 -p "$pgport" -U postgres -d postgres -c "CREATE DATABASE crowdoauth" >/dev/null
scripts/migrate.sh "postgresql://postgres@127.0.0.1:$pgport/crowdoauth" >/dev/null
psql -X -q -h 127.0.0.1 -p "$pgport" -U postgres -d crowdoauth -c "CREATE EXTENSION pg_stat_statements" >/dev/null
postmaster_pid=$(head -1 "$pgdata/postmaster.pid")
conn="Host=127.0.0.1;Port=$pgport;Username=postgres;Database=crowdoauth"

# The server as scripts/run.sh starts it, but Release, Production environment (so Secure cookies and no
# developer pages), DevMode for the http loopback BaseUrl, and logging at Warning (see README).
port=$(free_port $((18000 + RANDOM % 2000)))
# Tuned for one small box (bench/README.md, "Settings for one small box"): the server's pool is sized to PostgreSQL's two
# cores (8 connections rather than the default 100: more only queue inside PostgreSQL and add context
# switches), and the thread pool does not spin-wait for work (spinning threads take the CPU that
# PostgreSQL and the other requests need). An operator with the same box would set the same two.
# BENCH_PG_OPTIONS replaces the pool setting for experiments (e.g. "Maximum Pool Size=100").
export CROWDOAUTH_ConnectionStrings__CrowdOAuth="$conn;${BENCH_PG_OPTIONS:-Maximum Pool Size=8}"
export DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=${DOTNET_ThreadPool_UnfairSemaphoreSpinLimit:-0}
export CROWDOAUTH_OAuth2Provider__BaseUrl="http://127.0.0.1:$port"
export CROWDOAUTH_OAuth2Provider__DevMode=true
export CROWDOAUTH_Logging__LogLevel__Default=Warning
# Every worker uses the one bench client: the per-node flood guard per client (1,000 requests/s by
# default) would refuse the load itself, so it is raised here. Failed-authentication throttling stays on.
export CROWDOAUTH_OAuth2Provider__Throttling__ClientRequestsPerSecond=1000000
export ASPNETCORE_ENVIRONMENT=Production
export DOTNET_CLI_TELEMETRY_OPTOUT=1
# Extra server environment for experiments, e.g. BENCH_SERVER_ENV="DOTNET_gcServer=0 DOTNET_GCgen0size=0x4000000"
for kv in ${BENCH_SERVER_ENV:-}; do export "${kv?}"; done

(cd "$work/server" && dotnet Crowd.OAuth.Api.dll dev-seed "$work/dev-credentials.json" >/dev/null)   # the admin and the dev client
(cd "$work/server" && exec dotnet Crowd.OAuth.Api.dll --urls "http://127.0.0.1:$port" >"$work/server.log" 2>&1) &
server_pid=$!
for i in $(seq 1 120); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/health/ready" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { echo "bench: the server exited:" >&2; tail -20 "$work/server.log" >&2; exit 1; }
  [ "$i" -lt 120 ] || { echo "bench: the server did not become ready" >&2; exit 1; }
  sleep 0.5
done
echo "bench: server pid $server_pid on 127.0.0.1:$port, PostgreSQL $(psql -X -qAt -h 127.0.0.1 -p "$pgport" -U postgres -d postgres -c 'SHOW server_version') on $pgport (postmaster $postmaster_pid)"
echo "bench: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), load average $(cut -d' ' -f1-3 /proc/loadavg)"

out="bench/results/$stamp.json"
bench() {
  dotnet "$work/loadgen/Crowd.OAuth.Bench.dll" --base-url "http://127.0.0.1:$port" --credentials "$work/dev-credentials.json" \
    --server-pid "$server_pid" --postmaster-pid "$postmaster_pid" --pg "$conn" \
    --server-settings "${BENCH_PG_OPTIONS:-Maximum Pool Size=8}; DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=$DOTNET_ThreadPool_UnfairSemaphoreSpinLimit${BENCH_SERVER_ENV:+; $BENCH_SERVER_ENV}${BENCH_PG_SETTINGS:+; PostgreSQL $BENCH_PG_SETTINGS}" \
    --scenarios "$scenarios" --concurrency "$concurrency" --duration "$duration" --warmup "$warmup" --first-warmup "$first_warmup" --reps "$reps" --out "$out" "$@"
}

bench --label "live-grants=few" --roundtrip 200

if [ "$population" -gt 0 ]; then
  echo "bench: background population: $population live grants with a token pair each (bulk INSERT, not through the endpoints)"
  start=$(date +%s)
  psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pgport" -U postgres -d crowdoauth -v n="$population" -f bench/population.sql
  echo "bench: population inserted in $(( $(date +%s) - start )) s; $(psql -X -qAt -h 127.0.0.1 -p "$pgport" -U postgres -d crowdoauth -c "SELECT count(*) FROM token_pairs") pairs, database $(psql -X -qAt -h 127.0.0.1 -p "$pgport" -U postgres -d crowdoauth -c "SELECT pg_size_pretty(pg_database_size('crowdoauth'))")"
  bench --label "live-grants=$population" --roundtrip 200
fi
echo "bench: raw results in $out"
