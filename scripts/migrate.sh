#!/usr/bin/env bash
# Applies the pending migrations of db/ in order, each in its own transaction, and records
# version and checksum in schema_migrations. See db/README.md.
#
#   scripts/migrate.sh [postgresql://user:pass@host:port/db]
#
# Without an argument it uses DATABASE_URL, else psql's usual PG* variables.
# Exit codes: 0 applied or up to date; 2 usage or connection failure; 3 an applied file was edited
# or has gone missing; 4 a migration failed (nothing of it was kept).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir="${MIGRATIONS_DIR:-$root/db}"
conn="${1:-${DATABASE_URL:-}}"

die() { echo "migrate: $2" >&2; exit "$1"; }
command -v psql >/dev/null || die 2 "psql is not on PATH"

run_psql() {
  if [ -n "$conn" ]; then psql -X -q -v ON_ERROR_STOP=1 -d "$conn" "$@"; else psql -X -q -v ON_ERROR_STOP=1 "$@"; fi
}

run_psql -c "SET client_min_messages = warning; CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());" \
  >/dev/null 2>"${TMPDIR:-/tmp}/migrate.$$" || { msg=$(head -1 "${TMPDIR:-/tmp}/migrate.$$"); rm -f "${TMPDIR:-/tmp}/migrate.$$"; die 2 "cannot reach the database: ${msg:-unknown error}"; }
rm -f "${TMPDIR:-/tmp}/migrate.$$"

declare -A files=()
for f in "$dir"/[0-9]*.sql; do
  [ -e "$f" ] || continue
  name=$(basename "$f")
  version=$((10#${name%%_*}))
  [ -z "${files[$version]:-}" ] || die 2 "two migration files share version $version: ${files[$version]} and $name"
  files[$version]=$name
done

# Refuse when an applied file was edited or removed.
declare -A applied=()
while IFS='|' read -r version name checksum; do
  [ -n "$version" ] || continue
  applied[$version]=1
  [ -n "${files[$version]:-}" ] || die 3 "migration $version ($name) is applied but its file is missing from $dir"
  actual=$(sha256sum "$dir/${files[$version]}" | cut -d' ' -f1)
  [ "$actual" = "$checksum" ] || die 3 "refusing: ${files[$version]} was edited after it was applied (checksum $actual, recorded $checksum). Restore it and put the change in a new migration."
done < <(run_psql -At -F '|' -c "SELECT version, name, checksum FROM schema_migrations ORDER BY version")

pending=0
for version in $(printf '%s\n' "${!files[@]}" | sort -n); do
  [ -z "${applied[$version]:-}" ] || continue
  name=${files[$version]}
  checksum=$(sha256sum "$dir/$name" | cut -d' ' -f1)
  # One transaction: an advisory lock serialises concurrent runs, a run that lost the race skips.
  if ! run_psql --single-transaction -v version="$version" -v name="$name" -v checksum="$checksum" -v file="$dir/$name" >/dev/null <<'SQL'
SET client_min_messages = warning;
SELECT pg_advisory_xact_lock(7263110);
SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = :version) AS already \gset
\if :already
\else
\i :file
INSERT INTO schema_migrations (version, name, checksum) VALUES (:version, :'name', :'checksum');
\endif
SQL
  then
    die 4 "$name failed; nothing of it was applied"
  fi
  echo "migrate: applied $name"
  pending=$((pending + 1))
done

[ "$pending" -gt 0 ] || echo "migrate: up to date"
