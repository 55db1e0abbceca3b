#!/usr/bin/env bash
# Runs CrowdOAuth in development mode on http://127.0.0.1:8080.
#
#   scripts/run.sh
#
# With no database configured it starts a project-local PostgreSQL under .data/ (kept across runs),
# creates and migrates the database, creates the development administrator and client if absent,
# prints their credentials, then starts the server. To use your own database instead:
#   DATABASE_URL=postgresql://user:pass@host:5432/crowdoauth scripts/run.sh
# (or CROWDOAUTH_ConnectionStrings__CrowdOAuth="Host=…;Database=…" with the schema already migrated).
set -euo pipefail
started_pg=""
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
. scripts/lib/pg.sh

port=${PORT:-8080}
base_url=${CROWDOAUTH_OAuth2Provider__BaseUrl:-http://127.0.0.1:$port}
data="$root/.data"
mkdir -p "$data"
chmod 755 "$data"

if [ -n "${DATABASE_URL:-}" ]; then
  conn="$DATABASE_URL"
  scripts/migrate.sh "$conn"
elif [ -n "${CROWDOAUTH_ConnectionStrings__CrowdOAuth:-}" ]; then
  conn="$CROWDOAUTH_ConnectionStrings__CrowdOAuth"
  echo "run: using the configured connection string (migrate it with scripts/migrate.sh first)"
else
  pgdata="$data/pg"
  pgport_file="$data/pg.port"
  pwfile="$data/pg.password"
  if [ ! -f "$pgdata/PG_VERSION" ]; then
    echo "run: creating a local PostgreSQL cluster in .data/pg"
    rm -rf "$pgdata"
    head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$pwfile"
    chmod 644 "$pwfile"   # initdb (as postgres) reads it; it is rewritten 600 below
    pg_init "$pgdata" "$pwfile"
    chmod 600 "$pwfile"; [ "$(id -u)" != 0 ] || chown root "$pwfile"
    free_port 54329 > "$pgport_file"
  fi
  pgport=$(cat "$pgport_file")
  if ! pg_running "$pgdata"; then
    pg_start "$pgdata" "$pgport"
    started_pg="$pgdata"   # stopped again when the server stops
  fi
  pgpass=$(cat "$pwfile")
  export PGPASSWORD="$pgpass"
  if ! psql -X -qAt -h 127.0.0.1 -p "$pgport" -U postgres -d postgres -c "SELECT 1 FROM pg_database WHERE datname = 'crowdoauth'" | grep -q 1; then
    psql -X -q -h 127.0.0.1 -p "$pgport" -U postgres -d postgres -c "CREATE DATABASE crowdoauth" >/dev/null
  fi
  unset PGPASSWORD
  conn="postgresql://postgres:$pgpass@127.0.0.1:$pgport/crowdoauth"
  scripts/migrate.sh "$conn"
  echo "run: PostgreSQL on 127.0.0.1:$pgport (data kept in .data/pg)"
fi

echo "run: building"
dotnet build Crowd.OAuth.Api -c Release -o "$data/bin" -v quiet -nologo >/dev/null

export CROWDOAUTH_ConnectionStrings__CrowdOAuth="$conn"
export CROWDOAUTH_OAuth2Provider__BaseUrl="$base_url"
export CROWDOAUTH_OAuth2Provider__DevMode=true
export ASPNETCORE_ENVIRONMENT=Development

echo
echo "CrowdOAuth development server: $base_url"
dotnet "$data/bin/Crowd.OAuth.Api.dll" dev-seed "$data/dev-credentials.json"
echo "  log in at       $base_url/login"
echo "  authorize at    $base_url/rest/oauth2/latest/authorize?client_id=…&redirect_uri=…&response_type=code&code_challenge=…&code_challenge_method=S256"
echo "  metadata        $base_url/.well-known/oauth-authorization-server"
echo

# The server runs in the foreground; Ctrl-C stops it, and the PostgreSQL this script started.
cd "$data/bin"
dotnet Crowd.OAuth.Api.dll --urls "http://127.0.0.1:$port" &
server=$!
stop() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  if [ -n "${started_pg:-}" ]; then pg_stop "$started_pg"; echo "run: PostgreSQL stopped"; fi
}
trap stop EXIT
trap 'exit 130' INT TERM
wait "$server"
