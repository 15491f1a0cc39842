#!/usr/bin/env bash
# A private PostgreSQL cluster on loopback, for development and CI, from Debian's `postgresql` package (binaries under
# /usr/lib/postgresql/*/bin; the newest is used). Data, socket, log and PID live under $POSTGRES_LOCAL_DIR; the server
# runs in the foreground under setsid (as the `postgres` OS user when started by root) and its PID is recorded, so
# `stop` ends exactly what `start` started. The cluster's default collation is linguistic (ICU), as on most production
# servers, so tests notice a query that depends on byte order without saying so.
#
#   scripts/postgres-local.sh start          # idempotent: initialises the cluster once, starts it if not running
#   eval "$(scripts/postgres-local.sh env)"  # GREYHUB_TEST_POSTGRES (a superuser's connection string)
#   scripts/postgres-local.sh status
#   scripts/postgres-local.sh stop           # fast shutdown of the recorded PID (SIGKILL after 30 s)
#
# Settings (environment):
#   POSTGRES_LOCAL_DIR=/tmp/greyhub-postgres   where everything goes
#   POSTGRES_LOCAL_PORT=PORT                   fixed port; default: a free port picked at the first start
#   POSTGRES_LOCAL_ICU_LOCALE=en-US            the cluster's default collation (ICU locale)
set -euo pipefail

DIR="${POSTGRES_LOCAL_DIR:-${TMPDIR:-/tmp}/greyhub-postgres}"
DATA="$DIR/data"
PY=/usr/bin/python3
SUPERUSER=greyhub

log() { echo "postgres-local: $*" >&2; }

free_port() {
  "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# The newest server binaries Debian's packages installed (never /usr/local/bin: a fresh machine has none there).
bin_dir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [[ -n $d && -x $d/postgres ]] || return 1
  echo "$d"
}

install_missing() {
  bin_dir >/dev/null && return 0
  if [[ $(id -u) -ne 0 ]]; then
    log "PostgreSQL is not installed; install it with: sudo apt-get install -y postgresql"
    exit 1
  fi
  log "installing postgresql"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q postgresql >&2 \
    || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q postgresql >&2; }
}

# Runs "$@" as the server's OS user: `postgres` under root (the server refuses root), the caller otherwise.
# setpriv execs, so a PID taken of it is the program's own.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
  else
    "$@"
  fi
}

# The recorded PID, when that process is still the server we started.
alive() {
  local pid
  [[ -f $DIR/postgres.pid ]] || return 1
  pid=$(<"$DIR/postgres.pid")
  [[ -n $pid && -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "postgres -D $DATA"
}

port() { echo "$(<"$DIR/port")"; }

init_cluster() {
  mkdir -p "$DIR"
  chmod 755 "$DIR"
  [[ -f $DIR/port ]] || echo "${POSTGRES_LOCAL_PORT:-$(free_port)}" >"$DIR/port"
  [[ -f $DIR/password ]] || { (umask 077; "$PY" -c 'import secrets; print(secrets.token_hex(16))' >"$DIR/password"); }
  mkdir -p "$DIR/socket" "$DIR/log"
  [[ $(id -u) -ne 0 ]] || chown postgres:postgres "$DIR/socket" "$DIR/log"
  [[ -f $DATA/PG_VERSION ]] && return 0
  local bin pwfile
  bin=$(bin_dir)
  rm -rf "$DATA"
  mkdir -p "$DATA"
  chmod 700 "$DATA"
  pwfile="$DATA.pw"
  (umask 077; cp "$DIR/password" "$pwfile")
  [[ $(id -u) -ne 0 ]] || chown postgres:postgres "$DATA" "$pwfile"
  as_owner "$bin/initdb" -D "$DATA" -U "$SUPERUSER" --pwfile="$pwfile" -E UTF8 --locale=C.UTF-8 \
    --locale-provider=icu --icu-locale="${POSTGRES_LOCAL_ICU_LOCALE:-en-US}" \
    --auth-local=trust --auth-host=scram-sha-256 >"$DIR/log/initdb.log" 2>&1 \
    || { rm -f "$pwfile"; log "initdb failed; see $DIR/log/initdb.log"; exit 1; }
  rm -f "$pwfile"
  # A throwaway cluster for tests: no durability work, room for many hubs' connection pools at once.
  cat >>"$DATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$DIR/socket'
max_connections = 400
shared_buffers = 64MB
fsync = off
synchronous_commit = off
full_page_writes = off
logging_collector = off
CONF
}

start() {
  install_missing
  init_cluster
  local bin
  bin=$(bin_dir)
  if ! alive; then
    # shellcheck disable=SC2046
    setsid $( [[ $(id -u) -ne 0 ]] || echo setpriv --reuid=postgres --regid=postgres --init-groups -- ) \
      "$bin/postgres" -D "$DATA" -p "$(port)" </dev/null >>"$DIR/log/postgres.log" 2>&1 &
    echo $! >"$DIR/postgres.pid"
  fi
  for ((i = 0; i < 300; i++)); do
    if "$bin/pg_isready" -q -h 127.0.0.1 -p "$(port)"; then
      log "up in $DIR ($(status_line))"
      return 0
    fi
    # Only "has it exited": right after the launch the PID may still be setsid/setpriv, before their exec of postgres
    # (alive, which checks the command line, failed that way on a loaded machine).
    [[ -d /proc/$(<"$DIR/postgres.pid") ]] || break
    sleep 0.1
  done
  log "the server did not come up; see $DIR/log/postgres.log"
  exit 1
}

stop() {
  if alive; then
    local pid
    pid=$(<"$DIR/postgres.pid")
    # SIGINT: fast shutdown (ends sessions, no waiting for clients).
    kill -INT "$pid" 2>/dev/null || true
    for ((i = 0; i < 300; i++)); do [[ -d /proc/$pid ]] || break; sleep 0.1; done
    [[ ! -d /proc/$pid ]] || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$DIR/postgres.pid"
  log "stopped"
}

status_line() {
  if alive; then echo "postgres:$(<"$DIR/postgres.pid") on 127.0.0.1:$(port)"; else echo "nothing running"; fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status_line ;;
  env)
    [[ -f $DIR/port && -f $DIR/password ]] || { log "not initialised; run: $0 start"; exit 1; }
    echo "export POSTGRES_LOCAL_DIR='$DIR'"
    echo "export GREYHUB_TEST_POSTGRES='Host=127.0.0.1;Port=$(port);Username=$SUPERUSER;Password=$(<"$DIR/password")'" ;;
  *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
