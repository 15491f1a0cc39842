#!/usr/bin/env bash
# A private, rootful Podman serving the Docker-compatible API on a unix socket, without systemd.
#
#   scripts/podman-local.sh start     # installs what is missing, writes containers.conf, starts the service (idempotent)
#   eval "$(scripts/podman-local.sh env)"   # CONTAINERS_CONF for the podman CLI, GREYHUB_CONTAINERS_ENDPOINT for the tests
#   scripts/podman-local.sh status
#   scripts/podman-local.sh stop      # SIGTERM to the recorded PID (SIGKILL after 10 s); containers are left alone
#
# Podman 4.3 on this machine kind only works with runc and explicit ulimits (root lacks CAP_SYS_RESOURCE, so the
# default nofile=1048576 and any nproc above 32768 fail; crun refuses the hybrid cgroup layout). Everything lives
# under $PODMAN_LOCAL_DIR (default /tmp/greyhub-podman); images go to Podman's normal storage.
set -euo pipefail

dir="${PODMAN_LOCAL_DIR:-/tmp/greyhub-podman}"
conf="$dir/containers.conf"
sock="$dir/podman.sock"
pidfile="$dir/podman.pid"
log="$dir/podman.log"
packages=(podman runc catatonit netavark aardvark-dns)

alive() { [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }
answers() { curl -sf --max-time 2 --unix-socket "$sock" http://d/_ping >/dev/null 2>&1; }

install_missing() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  command -v curl >/dev/null || missing+=(curl)
  if ((${#missing[@]})); then
    echo "podman-local: installing ${missing[*]}" >&2
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

write_conf() {
  mkdir -p "$dir"
  cat >"$conf" <<'EOF'
# Written by scripts/podman-local.sh. Root cannot raise rlimits here: keep nofile at or below the hard limit and
# nproc at or below 32768 (conmon's), and use runc (crun fails on this cgroup layout).
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
init_path = "/usr/bin/catatonit"

[engine]
runtime = "runc"
EOF
}

start() {
  if alive && answers; then
    echo "podman-local: already running (pid $(cat "$pidfile")), socket $sock"
    return 0
  fi
  install_missing
  write_conf
  if alive; then
    kill "$(cat "$pidfile")" 2>/dev/null || true
  fi
  rm -f "$sock"
  # setsid + exec: $! is the service's own PID, and it outlives this shell.
  CONTAINERS_CONF="$conf" setsid podman system service --time=0 "unix://$sock" >>"$log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  for _ in $(seq 1 100); do
    if answers; then
      echo "podman-local: started (pid $(cat "$pidfile")), socket $sock"
      return 0
    fi
    if ! alive; then
      break
    fi
    sleep 0.1
  done
  echo "podman-local: the service did not answer on $sock; log:" >&2
  tail -20 "$log" >&2 || true
  return 1
}

stop() {
  if ! alive; then
    rm -f "$pidfile"
    echo "podman-local: not running"
    return 0
  fi
  local pid
  pid="$(cat "$pidfile")"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile" "$sock"
  echo "podman-local: stopped (pid $pid)"
}

status() {
  if alive && answers; then
    echo "podman-local: running (pid $(cat "$pidfile")), socket $sock"
  else
    echo "podman-local: not running"
    return 3
  fi
}

env_lines() {
  [[ -f "$conf" ]] || write_conf
  echo "export CONTAINERS_CONF=$conf"
  echo "export GREYHUB_CONTAINERS_ENDPOINT=unix://$sock"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  env) env_lines ;;
  *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
