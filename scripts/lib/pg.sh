# Helpers to run a project-local PostgreSQL cluster. Sourced by the other scripts.
# PostgreSQL refuses to run as root: as root, the cluster runs as the postgres user.

pg_bin() {
  local tool=$1 d
  if command -v "$tool" >/dev/null 2>&1; then command -v "$tool"; return 0; fi
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/$tool" ]; then echo "$d/$tool"; return 0; fi
  done
  echo "PostgreSQL's $tool was not found: install PostgreSQL 15 or newer (apt-get install postgresql)" >&2
  return 1
}

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# A free TCP port on 127.0.0.1, starting the search at $1.
free_port() {
  local port=${1:-55432}
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  echo "$port"
}

# pg_init DIR [PWFILE]: a new cluster in DIR (owned by postgres when run as root).
pg_init() {
  local data=$1 pwfile=${2:-} initdb
  initdb=$(pg_bin initdb) || return 1
  mkdir -p "$data"
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$data"; [ -z "$pwfile" ] || chown postgres "$pwfile"; fi
  chmod 700 "$data"
  if [ -n "$pwfile" ]; then
    as_pg "$initdb" -D "$data" -U postgres --auth=scram-sha-256 --pwfile="$pwfile" -E UTF8 --locale=C.UTF-8 >"$data.initdb.log" 2>&1
  else
    as_pg "$initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >"$data.initdb.log" 2>&1
  fi || { echo "initdb failed:" >&2; tail -5 "$data.initdb.log" >&2; return 1; }
}

# pg_start DIR PORT [extra postgres options]: listen on 127.0.0.1 only, socket in DIR.
pg_start() {
  local data=$1 port=$2 extra=${3:-} pg_ctl
  pg_ctl=$(pg_bin pg_ctl) || return 1
  as_pg "$pg_ctl" -D "$data" -w -t 60 -l "$data/server.log" \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='$data' $extra" start >/dev/null \
    || { echo "PostgreSQL did not start:" >&2; tail -20 "$data/server.log" >&2; return 1; }
}

pg_running() {
  local pg_ctl; pg_ctl=$(pg_bin pg_ctl); [ -n "$pg_ctl" ] || return 1
  as_pg "$pg_ctl" -D "$1" status >/dev/null 2>&1
}

pg_stop() {
  local pg_ctl; pg_ctl=$(pg_bin pg_ctl); [ -n "$pg_ctl" ] || return 1
  as_pg "$pg_ctl" -D "$1" -m fast -w stop >/dev/null 2>&1 || true
}
