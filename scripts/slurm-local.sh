#!/usr/bin/env bash
# A single-node Slurm cluster on loopback, for development and CI: munged, slurmctld, slurmd and, when asked,
# slurmrestd over TCP with JWT. Everything (config, state, logs, PIDs) lives under $SLURM_LOCAL_DIR; the daemons run
# in the foreground under setsid and their own PIDs are recorded, so `stop` ends exactly what `start` started.
#
#   scripts/slurm-local.sh start          # idempotent: starts what is not running yet
#   eval "$(scripts/slurm-local.sh env)"  # SLURM_CONF (+ SLURM_LOCAL_RESTD_URL, SLURM_LOCAL_JWT_KEY with slurmrestd)
#   scripts/slurm-local.sh status
#   scripts/slurm-local.sh restart-ctld   # stops and starts slurmctld only (its state survives; running jobs go on)
#   scripts/slurm-local.sh stop           # cancels every job, then SIGTERM (SIGKILL after 10 s) to the recorded PIDs
#
# Settings (environment):
#   SLURM_LOCAL_DIR=/tmp/greyhub-slurm   where everything goes
#   SLURM_LOCAL_CPUS=N                   advertise N CPUs (oversubscribe a small machine); default: the real count
#   SLURM_LOCAL_RESTD_PORT=auto|PORT     also run slurmrestd over TCP + JWT (auto: a free port); unset: no slurmrestd
#   SLURM_LOCAL_CTLD_PORT, SLURM_LOCAL_SLURMD_PORT   fixed ports; default: free ports picked at the first start
set -euo pipefail

DIR="${SLURM_LOCAL_DIR:-${TMPDIR:-/tmp}/greyhub-slurm}"
CONF="$DIR/etc/slurm.conf"
PY=/usr/bin/python3
NODE="$(hostname -s)"
PACKAGES=(slurmctld slurmd slurm-client munge)
REST_PACKAGES=(slurmrestd slurm-wlm-jwt-plugin)

log() { echo "slurm-local: $*" >&2; }

free_port() {
  "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# The PID recorded for a daemon, when that process is still the daemon we started.
alive() {
  local f="$DIR/pids/$1.pid" pid
  [[ -f $f ]] || return 1
  pid=$(<"$f")
  [[ -n $pid && -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$2"
}

install_missing() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  if [[ $(id -u) -ne 0 ]]; then
    log "missing packages: ${missing[*]}; install them with: sudo apt-get install -y --no-install-recommends ${missing[*]}"
    exit 1
  fi
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}" >&2 \
    || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}" >&2; }
}

write_config() {
  mkdir -p "$DIR"/{etc,state,spool,log,pids,munge,restd}
  chmod 700 "$DIR/munge"
  [[ -f $DIR/etc/munge.key ]] || mungekey --create --keyfile="$DIR/etc/munge.key" --force >/dev/null
  chmod 600 "$DIR/etc/munge.key"
  [[ -f $DIR/etc/ports ]] || {
    echo "CTLD_PORT=${SLURM_LOCAL_CTLD_PORT:-$(free_port)}"
    echo "SLURMD_PORT=${SLURM_LOCAL_SLURMD_PORT:-$(free_port)}"
  } >"$DIR/etc/ports"
  # shellcheck disable=SC1091
  source "$DIR/etc/ports"
  local hw cpus mem
  hw=$(slurmd -C | head -1)
  mem=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$hw")
  cpus="${SLURM_LOCAL_CPUS:-$(nproc)}"
  local jwt=""
  if [[ -n ${SLURM_LOCAL_RESTD_PORT:-} ]]; then
    [[ -f $DIR/etc/jwt.key ]] || { head -c 32 /dev/urandom >"$DIR/etc/jwt.key"; chmod 600 "$DIR/etc/jwt.key"; }
    jwt="AuthAltTypes=auth/jwt
AuthAltParameters=jwt_key=$DIR/etc/jwt.key"
  fi
  cat >"$CONF.new" <<CONF
ClusterName=greyhub
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$DIR/munge/munge.socket.2
$jwt
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerParameters=batch_sched_delay=0,bf_interval=1
CommunicationParameters=NoCtldInAddrAny,NoInAddrAny
SlurmdParameters=config_overrides
ReturnToService=2
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/state/slurmctld.pid
SlurmdPidFile=$DIR/spool/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/log/jobcomp.txt
MpiDefault=none
KillWait=5
MinJobAge=300
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE OverSubscribe=NO State=UP
CONF
  mv "$CONF.new" "$CONF"
}

# With NoCtldInAddrAny/NoInAddrAny, Slurm's daemons bind the address the host name (gethostname()) resolves to. Where
# that is not 127.0.0.1 (Debian's installer maps the host name to 127.0.1.1 in /etc/hosts), they would listen where
# nothing connects (NodeAddr and SlurmctldHost say 127.0.0.1). Then they run in a private mount namespace whose
# /etc/hosts ($DIR/etc/hosts: the machine's, with the host name mapped to 127.0.0.1 first); the machine's
# /etc/hosts is left alone.
WRAP=()
hosts_override() {
  local host addr
  host=$(hostname)
  addr=$(getent ahostsv4 "$host" 2>/dev/null | awk 'NR == 1 {print $1}')
  WRAP=()
  [[ $addr != 127.0.0.1 ]] || return 0
  { printf '127.0.0.1\t%s %s\n' "$host" "$NODE"; cat /etc/hosts 2>/dev/null || true; } >"$DIR/etc/hosts"
  # sh -c '... exec "$@"': the daemon keeps the PID setsid gives (unshare without --fork execs too). Mounts are made
  # private inside first, so that the bind never reaches the machine's namespace; in a chroot, whose / is no mount
  # point, that step is skipped (unshare's own --propagation private would fail there).
  WRAP=(unshare --mount --propagation unchanged
    sh -c 'mount --make-rprivate / 2>/dev/null; mount --bind "$0" /etc/hosts && exec "$@"' "$DIR/etc/hosts")
  log "$host resolves to ${addr:-nothing}: Slurm's daemons see $DIR/etc/hosts (the host name as 127.0.0.1)"
}

# Starts "$@" in its own session with output to log/$name.out, and records its PID (setsid and the wrapper exec, so
# $! is the daemon).
launch() {
  local name=$1; shift
  setsid "${WRAP[@]}" "$@" </dev/null >>"$DIR/log/$name.out" 2>&1 &
  echo $! >"$DIR/pids/$name.pid"
}

wait_for() {
  local what=$1 tries=$2; shift 2
  for ((i = 0; i < tries; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  log "$what did not come up; see $DIR/log"; return 1
}

start_ctld() {
  hosts_override
  alive slurmctld slurmctld || { launch slurmctld slurmctld -D -i -f "$CONF"; }
  wait_for slurmctld 200 env SLURM_CONF="$CONF" scontrol ping
}

start() {
  install_missing "${PACKAGES[@]}"
  [[ -z ${SLURM_LOCAL_RESTD_PORT:-} ]] || install_missing "${REST_PACKAGES[@]}"
  write_config
  alive munged munged || {
    launch munged munged -F --force --socket="$DIR/munge/munge.socket.2" --key-file="$DIR/etc/munge.key" \
      --pid-file="$DIR/munge/munged.pid" --seed-file="$DIR/munge/seed" --log-file="$DIR/log/munged.log"
    wait_for munged 100 test -S "$DIR/munge/munge.socket.2"
  }
  start_ctld
  alive slurmd slurmd || launch slurmd slurmd -D -N "$NODE" -f "$CONF"
  wait_for "node $NODE" 300 bash -c "SLURM_CONF='$CONF' sinfo -h -n '$NODE' -o %t | grep -Eq '^(idle|mix|alloc)'"
  if [[ -n ${SLURM_LOCAL_RESTD_PORT:-} ]] && ! alive slurmrestd slurmrestd; then
    local port=$SLURM_LOCAL_RESTD_PORT
    [[ $port != auto ]] || port=$(free_port)
    echo "$port" >"$DIR/restd/port"
    launch slurmrestd env SLURM_JWT=daemon SLURMRESTD_SECURITY=disable_user_check \
      slurmrestd -f "$CONF" -a rest_auth/jwt -s openapi/v0.0.38 "127.0.0.1:$port"
    wait_for slurmrestd 200 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port"
  fi
  log "up in $DIR ($(status_line))"
}

stop_pid() {
  local name=$1 pid
  [[ -f $DIR/pids/$name.pid ]] || return 0
  pid=$(<"$DIR/pids/$name.pid")
  if alive "$name" "$name"; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do [[ -d /proc/$pid ]] || break; sleep 0.1; done
    [[ ! -d /proc/$pid ]] || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$DIR/pids/$name.pid"
}

stop() {
  if [[ -f $CONF ]] && alive slurmctld slurmctld; then
    SLURM_CONF="$CONF" squeue -h -o %i | xargs -r env SLURM_CONF="$CONF" scancel 2>/dev/null || true
  fi
  local d
  for d in slurmrestd slurmd slurmctld munged; do stop_pid "$d"; done
  log "stopped"
}

status_line() {
  local d out=()
  for d in munged slurmctld slurmd slurmrestd; do
    if alive "$d" "$d"; then out+=("$d:$(<"$DIR/pids/$d.pid")"); fi
  done
  echo "${out[*]:-nothing running}"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart-ctld) stop_pid slurmctld; start_ctld ;;
  status)
    echo "$(status_line)"
    if alive slurmctld slurmctld; then SLURM_CONF="$CONF" sinfo; fi ;;
  env)
    echo "export SLURM_LOCAL_DIR='$DIR'"
    echo "export SLURM_CONF='$CONF'"
    if [[ -f $DIR/restd/port ]] && alive slurmrestd slurmrestd; then
      echo "export SLURM_LOCAL_RESTD_URL='http://127.0.0.1:$(<"$DIR/restd/port")'"
      echo "export SLURM_LOCAL_JWT_KEY='$DIR/etc/jwt.key'"
    fi ;;
  *) echo "usage: $0 start|stop|status|env|restart-ctld" >&2; exit 2 ;;
esac
