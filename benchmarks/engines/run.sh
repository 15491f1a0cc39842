#!/usr/bin/env bash
# Engines benchmark ("Engines beyond one process"): spawn latency of a real Jupyter server on Greyhub's local, slurm
# (cli and rest transports) and containers engines, and the hub's idle CPU cost of polling N running Slurm jobs.
# See benchmarks/engines/README.md. Everything binds to 127.0.0.1 on free ports picked at run time.
#
# Env overrides:
#   PARTS="spawn poll"   which parts to run
#   REPS=3               measured spawn rounds per engine, after one unmeasured warm-up spawn
#   ENGINES="local slurm-cli slurm-rest containers"   engines of the spawn part (in this order)
#   POLL_JOBS=200        running Slurm-job servers in the poll part (the tiny HTTP server of tiny-server.py)
#   POLL_TRANSPORTS="cli rest"   Slurm transports of the poll part
#   POLL_INTERVALS="10 1"        Greyhub:Servers:PollInterval values (seconds) of the poll part
#   WINDOW=60            seconds of each CPU measurement window
#   SETTLE=45            seconds to wait after a hub is up (and the API lists its servers ready) before a window, at
#                        least one poll interval + 2 s: a fresh hub is busy for ~30 s (JIT and tiered recompilation;
#                        one that re-attaches 200 servers spent ~3 s of CPU in its first 30 s here)
#   BASELINE_ALL=0       1 = a 0-server baseline for every transport; 0 = for the first transport only (a hub with
#                        no running server never calls the engine, so the transport does not matter there)
#   BATCH=20             servers started at once in the poll part (the next batch once all are ready)
#   STOP_BATCH=20        servers stopped at once at the end of the poll part
#   GREYHUB_DLL=         use this already built greyhub.dll (no build); GREYHUB_DESC= says what it is in the table
#   GREYHUB_ENV=         extra environment for every hub, space-separated NAME=VALUE
#   KEEP_TMP=0           1 = keep the temp folder (hub logs, job folders, raw JSON)
# Clusters: a running Slurm is used when SLURM_CONF reaches it (eval "$(scripts/slurm-local.sh env)"; the rest
# transport also needs SLURM_LOCAL_RESTD_URL and SLURM_LOCAL_JWT_KEY); otherwise the script starts its own with
# scripts/slurm-local.sh in its temp folder and stops it at the end. Likewise a Podman API service is used when
# GREYHUB_CONTAINERS_ENDPOINT (unix://...) answers, otherwise scripts/podman-local.sh is started in the temp folder.
set -euo pipefail

PARTS=${PARTS:-"spawn poll"}
REPS=${REPS:-3}
ENGINES=${ENGINES:-"local slurm-cli slurm-rest containers"}
POLL_JOBS=${POLL_JOBS:-200}
POLL_TRANSPORTS=${POLL_TRANSPORTS:-"cli rest"}
POLL_INTERVALS=${POLL_INTERVALS:-"10 1"}
WINDOW=${WINDOW:-60}
SETTLE=${SETTLE:-45}
BASELINE_ALL=${BASELINE_ALL:-0}
BATCH=${BATCH:-20}
STOP_BATCH=${STOP_BATCH:-20}
GREYHUB_DLL=${GREYHUB_DLL:-}
GREYHUB_DESC=${GREYHUB_DESC:-}
GREYHUB_ENV=${GREYHUB_ENV:-}
KEEP_TMP=${KEEP_TMP:-0}

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3
E="$PY $HERE/engbench.py"
SINGLEUSER=/usr/bin/jupyterhub-singleuser
TINY=$HERE/tiny-server.py
IMAGE=localhost/greyhub-jupyter:bookworm
DOTNET=$(command -v dotnet || true)
CLK_TCK=$(getconf CLK_TCK)
CLEAN_PATH=/usr/sbin:/usr/bin:/sbin:/bin
T_START=$SECONDS

TMP=$(mktemp -d "${TMPDIR:-/tmp}/greyhub-engines-bench.XXXXXX")
RES=$TMP/results
JOBS_DIR=$TMP/slurm-jobs          # every Slurm job of this run has its folder (and Slurm working folder) here
INSTANCE=bench-$(basename "$TMP" | tr -dc 'A-Za-z0-9' | tr 'A-Z' 'a-z')   # greyhub.instance label of our containers
mkdir -p "$RES" "$JOBS_DIR"
declare -a TRACKED=()        # "pid|cmdline substring" of every process this script started
API_CLEANUP=""               # "base|admin token|users file" of the running hub: on error its servers are stopped first
STARTED_SLURM=0
STARTED_PODMAN=0
PODMAN_SOCK=""

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------- process handling: only PIDs we recorded, checked against their cmdline ----------
cmdline_of() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true; }
alive() {
    local st
    st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
    [[ -n $st && $st != Z && $st != X ]]
}
track() { TRACKED+=("$1|$2"); }
untrack() { local i; for i in "${!TRACKED[@]}"; do [[ ${TRACKED[i]} == "$1|"* ]] && unset 'TRACKED[i]'; done; TRACKED=("${TRACKED[@]}"); }
stop_pid() {  # stop_pid PID PATTERN: TERM, wait up to 20 s, then KILL; only if the cmdline still matches
    local pid=$1 pat=$2 i
    if alive "$pid" && [[ $(cmdline_of "$pid") == *"$pat"* ]]; then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 200; i++)); do alive "$pid" || break; sleep 0.1; done
        if alive "$pid" && [[ $(cmdline_of "$pid") == *"$pat"* ]]; then
            log "pid $pid did not stop on TERM, sending KILL"
            kill -KILL "$pid" 2>/dev/null || true
            for ((i = 0; i < 50; i++)); do alive "$pid" || break; sleep 0.1; done
        fi
    fi
    wait "$pid" 2>/dev/null || true
}

# ---------- clean-up of what our hubs started (Slurm jobs by id, containers by our label, local processes) ----------
my_slurm_jobs() { [[ -n ${SLURM_CONF:-} ]] && $E my-jobs "$JOBS_DIR" 2>/dev/null || true; }
cancel_my_jobs() {
    local ids
    ids=$(my_slurm_jobs | tr '\n' ' ')
    if [[ -n ${ids// /} ]]; then
        log "cancelling this run's Slurm jobs left over: $ids"
        # shellcheck disable=SC2086
        scancel $ids 2>/dev/null || true
    fi
}
docker_api() { curl -sS --noproxy '*' --max-time 60 --unix-socket "$PODMAN_SOCK" "$@"; }
remove_my_containers() {
    local ids id filt
    [[ -n $PODMAN_SOCK && -S $PODMAN_SOCK ]] || return 0
    filt=$($PY -c 'import json,sys,urllib.parse; print(urllib.parse.quote(json.dumps({"label": ["greyhub.instance=" + sys.argv[1]]})))' "$INSTANCE")
    ids=$(docker_api "http://d/v1.41/containers/json?all=1&filters=$filt" 2>/dev/null \
        | $PY -c 'import json,sys; print(" ".join(c["Id"] for c in json.load(sys.stdin)))' 2>/dev/null || true)
    for id in $ids; do
        log "removing this run's container ${id:0:12}"
        docker_api -X DELETE "http://d/v1.41/containers/$id?force=1" >/dev/null 2>&1 || true
    done
}
stop_my_procs() {  # local-engine servers (HOME under our temp folder), by PID
    local line
    while IFS= read -r line; do
        [[ -n $line ]] && stop_pid "${line%%|*}" "${line#*|}"
    done < <($E my-procs "$TMP" jupyterhub-singleuser tiny-server.py 2>/dev/null || true)
}
cleanup() {
    local rc=$? i entry b t u
    trap - EXIT INT TERM
    if [[ -n $API_CLEANUP ]]; then
        IFS='|' read -r b t u <<<"$API_CLEANUP"
        log "stopping the servers through the hub's API"
        timeout 300 $E stop --base "$b" --token "$t" --users "$u" --concurrency "$STOP_BATCH" --timeout 60 >/dev/null 2>&1 || true
    fi
    for ((i = ${#TRACKED[@]} - 1; i >= 0; i--)); do
        entry=${TRACKED[i]}
        stop_pid "${entry%%|*}" "${entry#*|}"
    done
    cancel_my_jobs
    remove_my_containers
    stop_my_procs
    if [[ $STARTED_SLURM == 1 ]]; then log "stopping our Slurm"; bash "$REPO/scripts/slurm-local.sh" stop >/dev/null 2>&1 || true; fi
    if [[ $STARTED_PODMAN == 1 ]]; then log "stopping our Podman service"; PODMAN_LOCAL_DIR=$TMP/podman bash "$REPO/scripts/podman-local.sh" stop >/dev/null 2>&1 || true; fi
    if [[ $KEEP_TMP == 1 ]]; then log "kept $TMP"; else rm -rf "$TMP"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

# ---------- HTTP ----------
CURL=(curl -sS --noproxy '*' --max-time 60)
http_code() { "${CURL[@]}" -o /dev/null -w '%{http_code}' "$@" 2>/dev/null || echo 000; }
api() {  # api METHOD URL TOKEN [JSON]: prints body, fails unless 2xx
    local method=$1 url=$2 token=$3 body=${4:-} out=$TMP/api.out code
    if [[ -n $body ]]; then
        code=$("${CURL[@]}" -o "$out" -w '%{http_code}' -X "$method" -H "Authorization: token $token" \
            -H 'Content-Type: application/json' --data-binary "$body" "$url") || code=000
    else
        code=$("${CURL[@]}" -o "$out" -w '%{http_code}' -X "$method" -H "Authorization: token $token" "$url") || code=000
    fi
    [[ $code == 2* ]] || die "$method $url -> $code: $(head -c 400 "$out" 2>/dev/null)"
    cat "$out"
}

# ---------- clusters ----------
SLURM_OK=0; SLURM_REST_OK=0; SLURM_DESC=""
setup_slurm() {
    if [[ -n ${SLURM_CONF:-} ]] && timeout 20 sinfo -h >/dev/null 2>&1; then
        SLURM_DESC="existing cluster (SLURM_CONF=$SLURM_CONF)"
    else
        log "no reachable Slurm in SLURM_CONF: starting our own (scripts/slurm-local.sh, 256 CPUs advertised, slurmrestd)"
        export SLURM_LOCAL_DIR=$TMP/slurm SLURM_LOCAL_CPUS=${SLURM_LOCAL_CPUS:-256} SLURM_LOCAL_RESTD_PORT=auto
        unset SLURM_CONF SLURM_LOCAL_RESTD_URL SLURM_LOCAL_JWT_KEY
        STARTED_SLURM=1
        bash "$REPO/scripts/slurm-local.sh" start >"$TMP/slurm-start.log" 2>&1 || { cat "$TMP/slurm-start.log" >&2; die "slurm-local.sh start failed"; }
        eval "$(bash "$REPO/scripts/slurm-local.sh" env)"
        SLURM_DESC="own one-node cluster (scripts/slurm-local.sh, $SLURM_LOCAL_CPUS CPUs advertised)"
    fi
    export SLURM_CONF
    SLURM_OK=1
    if [[ -n ${SLURM_LOCAL_RESTD_URL:-} && -r ${SLURM_LOCAL_JWT_KEY:-} ]]; then SLURM_REST_OK=1; fi
    SLURM_DESC+=", $(sinfo -h -o '%c CPUs on node %n' | head -1), Slurm $(sinfo -V | awk '{print $2}')"
}
slurm_daemon_pids() {  # slurmctld and slurmrestd of the cluster (read-only: their CPU time), when slurm-local.sh runs it
    local d p
    for d in slurmctld slurmrestd; do
        p=$(cat "${SLURM_LOCAL_DIR:-/nonexistent}/pids/$d.pid" 2>/dev/null || true)
        [[ -n $p ]] && [[ $(cmdline_of "$p") == *"$d"* ]] && printf '%s ' "$p"
    done
    return 0
}
CONTAINERS_OK=0; CONTAINERS_NOTE=""
setup_podman() {
    local ep=${GREYHUB_CONTAINERS_ENDPOINT:-}
    if [[ $ep == unix://* ]] && curl -sf --max-time 5 --unix-socket "${ep#unix://}" http://d/_ping >/dev/null 2>&1; then
        PODMAN_SOCK=${ep#unix://}
    else
        log "no Podman API in GREYHUB_CONTAINERS_ENDPOINT: starting our own (scripts/podman-local.sh)"
        STARTED_PODMAN=1
        PODMAN_LOCAL_DIR=$TMP/podman bash "$REPO/scripts/podman-local.sh" start >&2 || { CONTAINERS_NOTE="podman-local.sh start failed"; return 0; }
        PODMAN_SOCK=$TMP/podman/podman.sock
    fi
    if [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 20 --unix-socket "$PODMAN_SOCK" "http://d/v1.41/images/$IMAGE/json") != 200 ]]; then
        CONTAINERS_NOTE="image $IMAGE is not on the container host (sudo bash scripts/build-test-image.sh all)"
        return 0
    fi
    CONTAINERS_OK=1
}

# ---------- the hub ----------
DLL=""
build_greyhub() {
    if [[ -n $GREYHUB_DLL ]]; then
        DLL=$GREYHUB_DLL
        GH_DESC="prebuilt ${GREYHUB_DESC:-$GREYHUB_DLL}"
    else
        local dirty
        dirty=$(git -C "$REPO" status --porcelain -- src | wc -l)
        GH_DESC="$(git -C "$REPO" rev-parse --short HEAD) ($(git -C "$REPO" log -1 --format=%s HEAD | cut -c1-80))"
        ((dirty == 0)) || GH_DESC+=", plus $dirty uncommitted change(s) in src"
        log "building Greyhub (dotnet publish -c Release) into $TMP/greyhub"
        (cd "$REPO" && dotnet publish src/Greyhub.Host -c Release -o "$TMP/greyhub" >"$TMP/greyhub-build.log" 2>&1) \
            || { tail -30 "$TMP/greyhub-build.log" >&2; die "Greyhub build failed"; }
        DLL=$TMP/greyhub/greyhub.dll
    fi
    [[ -f $DLL ]] || die "missing $DLL"
}
engine_env() {  # engine_env KEY: the Greyhub settings of an engine, one NAME=VALUE per line
    case $1 in
        local) echo "Greyhub__Spawner__Engine=local" ;;
        slurm-cli|slurm-rest)
            echo "Greyhub__Spawner__Engine=slurm"
            echo "Greyhub__Compute__Slurm__JobsDirectory=$JOBS_DIR"
            echo "Greyhub__Compute__Slurm__BindHost=127.0.0.1"
            if [[ $1 == slurm-cli ]]; then
                echo "Greyhub__Compute__Slurm__Transport=cli"
                echo "Greyhub__Compute__Slurm__Cli__SlurmConf=$SLURM_CONF"
            else
                echo "Greyhub__Compute__Slurm__Transport=rest"
                echo "Greyhub__Compute__Slurm__Rest__Url=$SLURM_LOCAL_RESTD_URL"
                echo "Greyhub__Compute__Slurm__Rest__JwtKeyFile=$SLURM_LOCAL_JWT_KEY"
                echo "Greyhub__Compute__Slurm__Rest__UserName=$(id -un)"
            fi ;;
        containers)
            echo "Greyhub__Spawner__Engine=containers"
            echo "Greyhub__Compute__Containers__Endpoint=unix://$PODMAN_SOCK"
            echo "Greyhub__Compute__Containers__InstanceId=$INSTANCE"
            echo "Greyhub__Compute__Containers__NetworkMode=Host"
            echo "Greyhub__Compute__Containers__DefaultImage=$IMAGE"
            echo "Greyhub__Compute__Containers__LogsDirectory=$TMP/container-logs" ;;
        *) die "unknown engine $1" ;;
    esac
}
HUB_PID=""; HUB_BASE=""; HUB_LOG=""
start_hub() {  # start_hub DIR ENGINE [NAME=VALUE...]: data in DIR/data, log DIR/greyhub-N.log; sets HUB_PID HUB_BASE HUB_LOG
    local dir=$1 engine=$2 port i n
    shift 2
    mkdir -p "$dir/hubhome"
    local genv=(PATH=$CLEAN_PATH LANG=C.UTF-8 HOME="$dir/hubhome"
        Greyhub__Spawner__Command__0=$SINGLEUSER
        Greyhub__Compute__Local__JobsDirectory="$dir/local-jobs")
    [[ $(id -u) == 0 ]] && genv+=(Greyhub__Spawner__Args__0=--allow-root)
    mapfile -t -O "${#genv[@]}" genv < <(engine_env "$engine")
    genv+=("$@")
    local extra=()
    read -r -a extra <<<"$GREYHUB_ENV"
    genv+=("${extra[@]}")
    if [[ ! -f $dir/admin-token ]]; then
        env -i "${genv[@]}" "$DOTNET" "$DLL" token --admin bench-admin --data-dir "$dir/data" 2>"$dir/token.err" \
            | tail -1 | tr -d '[:space:]' >"$dir/admin-token" || { cat "$dir/token.err" >&2; die "greyhub token failed"; }
        [[ -s $dir/admin-token ]] || { cat "$dir/token.err" >&2; die "empty admin token"; }
    fi
    port=$($E ports 1)
    HUB_BASE=http://127.0.0.1:$port
    n=$(find "$dir" -maxdepth 1 -name 'greyhub-*.log' | wc -l)
    HUB_LOG=$dir/greyhub-$((n + 1)).log
    printf '%s\n' "${genv[@]}" | grep -v -i token >"$HUB_LOG.env"
    (cd "$dir" && exec env -i "${genv[@]}" "$DOTNET" "$DLL" serve --urls "$HUB_BASE" --data-dir "$dir/data" >"$HUB_LOG" 2>&1) &
    HUB_PID=$!
    track "$HUB_PID" "greyhub.dll"
    for ((i = 0; i < 600; i++)); do
        [[ $(http_code "$HUB_BASE/hub/api/") == 200 ]] && return 0
        alive "$HUB_PID" || { tail -30 "$HUB_LOG" >&2; die "the hub exited at start ($HUB_LOG)"; }
        sleep 0.1
    done
    tail -30 "$HUB_LOG" >&2
    die "the hub did not answer in 60 s"
}
stop_hub() {
    stop_pid "$HUB_PID" "greyhub.dll"
    untrack "$HUB_PID"
    HUB_PID=""
}
log_problems() {  # log_problems LOG: "N warn / M fail lines" (not counting Data Protection's start-up warning about unencrypted keys)
    printf '%s warn / %s fail lines' "$(grep '^warn:' "$1" 2>/dev/null | grep -vc 'DataProtection.KeyManagement' || true)" \
        "$(grep -c '^fail:' "$1" 2>/dev/null || true)"
}
med_of() { $PY -c 'import json,sys; print(json.dumps(json.load(sys.stdin).get(sys.argv[1])))' "$1"; }

# ---------- part 1: spawn latency ----------
SPAWN_ORDER=()
spawn_engine() {  # spawn_engine KEY LABEL
    local key=$1 label=$2 dir=$TMP/spawn-$key admin r line warm
    log "spawn: $label"
    start_hub "$dir" "$key"
    admin=$(cat "$dir/admin-token")
    api POST "$HUB_BASE/hub/api/users" "$admin" '{"usernames": ["u1"]}' >/dev/null
    API_CLEANUP="$HUB_BASE|$admin|u1"
    : >"$dir/rounds.jsonl"
    for ((r = 0; r <= REPS; r++)); do
        line=$($E spawn --base "$HUB_BASE" --token "$admin" --user u1 --timeout 180)
        local stop_json
        stop_json=$($E stop --base "$HUB_BASE" --token "$admin" --users u1 --timeout 120) \
            || { tail -20 "$HUB_LOG" >&2; die "$label: u1's server did not stop: $stop_json"; }
        line=$($PY -c 'import json,sys; a=json.loads(sys.argv[1]); a["stop_secs"]=json.loads(sys.argv[2])["secs"]; print(json.dumps(a))' "$line" "$stop_json")
        if [[ $line == *'"error"'* ]]; then
            log "  $label round $r failed: $line"
            log "  hub log tail:"; grep -E '^(warn|fail):' -A3 "$HUB_LOG" | tail -20 >&2 || true
        fi
        if ((r == 0)); then
            warm=$line
            log "  warm-up: $line"
        else
            echo "$line" >>"$dir/rounds.jsonl"
            log "  round $r: $line"
        fi
    done
    API_CLEANUP=""
    stop_hub
    [[ -z $(my_slurm_jobs) ]] || log "  warning: Slurm jobs of this run still listed after the stops: $(my_slurm_jobs | tr '\n' ' ')"
    local sum notes=()
    sum=$($E summary "$dir/rounds.jsonl")
    notes+=("hub log: $(log_problems "$HUB_LOG")")
    $E set "$RES/spawn.json" "$key" "$($PY -c 'import json,sys; print(json.dumps({"label": sys.argv[1], "warmup": json.loads(sys.argv[2]).get("secs"), "warmup_error": json.loads(sys.argv[2]).get("error"), "summary": json.loads(sys.argv[3]), "notes": sys.argv[4:]}))' "$label" "$warm" "$sum" "${notes[@]}")"
    SPAWN_ORDER+=("$key")
    $E set "$RES/spawn.json" order "$($PY -c 'import json,sys; print(json.dumps(sys.argv[1:]))' "${SPAWN_ORDER[@]}")"
}
spawn_skipped() {  # spawn_skipped KEY LABEL WHY
    $E set "$RES/spawn.json" "$1" "$($PY -c 'import json,sys; print(json.dumps({"label": sys.argv[1], "summary": {}, "notes": ["skipped: " + sys.argv[2]]}))' "$2" "$3")"
    SPAWN_ORDER+=("$1")
    $E set "$RES/spawn.json" order "$($PY -c 'import json,sys; print(json.dumps(sys.argv[1:]))' "${SPAWN_ORDER[@]}")"
    log "spawn: $2 skipped: $3"
}
run_spawn_part() {
    local key
    for key in $ENGINES; do
        case $key in
            local) spawn_engine local "local (process)" ;;
            slurm-cli)
                if ((SLURM_OK)); then spawn_engine slurm-cli "slurm, cli (sbatch/squeue)"; else spawn_skipped slurm-cli "slurm, cli" "no Slurm"; fi ;;
            slurm-rest)
                if ((SLURM_REST_OK)); then spawn_engine slurm-rest "slurm, rest (slurmrestd)"
                else spawn_skipped slurm-rest "slurm, rest" "no slurmrestd (SLURM_LOCAL_RESTD_URL, SLURM_LOCAL_JWT_KEY)"; fi ;;
            containers)
                if ((CONTAINERS_OK)); then spawn_engine containers "containers (rootful Podman, host network)"
                else spawn_skipped containers "containers" "$CONTAINERS_NOTE"; fi ;;
            *) die "unknown engine $key" ;;
        esac
    done
}

# ---------- part 2: poll cost with POLL_JOBS running Slurm jobs ----------
POLL_ROWS=()
poll_hub() {  # poll_hub TRANSPORT INTERVAL: a hub of the poll part (shared data folder), tiny-server profile first
    start_hub "$TMP/poll" "slurm-$1" \
        "Greyhub__Servers__PollInterval=00:00:$(printf '%02d' "$2")" \
        Greyhub__Spawner__Profiles__0__Name=tiny \
        Greyhub__Spawner__Profiles__0__Command__0=$PY \
        Greyhub__Spawner__Profiles__0__Command__1=$TINY
}
wait_ready_count() {  # wait_ready_count N TIMEOUT: until the hub API lists N ready servers
    local want=$1 timeout=$2 t0=$SECONDS n=-1
    while ((SECONDS - t0 < timeout)); do
        n=$($E count-ready --base "$HUB_BASE" --token "$(cat "$TMP/poll/admin-token")" 2>/dev/null || echo -1)
        ((n == want)) && { echo "$n"; return 0; }
        sleep 1
    done
    echo "$n"
    return 1
}
measure_window() {  # measure_window TRANSPORT INTERVAL SERVERS
    local transport=$1 interval=$2 servers=$3 admin settle c0 c1 s0 s1 m0 m1 r0 r1 w0 w1 dpids row
    admin=$(cat "$TMP/poll/admin-token")
    settle=$((interval + 2 > SETTLE ? interval + 2 : SETTLE))
    sleep "$settle"
    dpids=$(slurm_daemon_pids)
    # nested: sdiag, daemons' CPU, metrics scrape (a request to the hub, kept outside the hub's CPU window), hub CPU
    r0=$($E sdiag)
    s0=0; for p in $dpids; do s0=$((s0 + $($E cpu "$p" | awk '{print $1}'))); done
    m0=$($E metric --base "$HUB_BASE" --token "$admin" jupyterhub_server_poll_duration_seconds_count jupyterhub_server_poll_duration_seconds_sum)
    c0=$($E cpu "$HUB_PID"); w0=$(date +%s.%N)
    sleep "$WINDOW"
    c1=$($E cpu "$HUB_PID"); w1=$(date +%s.%N)
    m1=$($E metric --base "$HUB_BASE" --token "$admin" jupyterhub_server_poll_duration_seconds_count jupyterhub_server_poll_duration_seconds_sum)
    s1=0; for p in $dpids; do s1=$((s1 + $($E cpu "$p" | awk '{print $1}'))); done
    r1=$($E sdiag)
    alive "$HUB_PID" || die "the hub died during the window"
    row=$($PY - "$transport" "$interval" "$servers" "$c0" "$c1" "$s0" "$s1" "$m0" "$m1" "$r0" "$r1" "$w0" "$w1" "$CLK_TCK" "$HUB_PID" "${dpids:+1}" <<'EOF'
import json, sys
a = sys.argv[1:]
t, i, n = a[0], int(a[1]), int(a[2])
c0, c1 = [list(map(int, x.split())) for x in (a[3], a[4])]
s0, s1 = int(a[5]), int(a[6])
m0, m1 = [list(map(float, x.split())) for x in (a[7], a[8])]
r0, r1 = a[9], a[10]
wall = float(a[12]) - float(a[11]); tck = int(a[13]); pid = a[14]; have_daemons = a[15] == "1"
per_min = lambda ticks: ticks / tck * 60.0 / wall
polls = m1[0] - m0[0]
rss = 0
for line in open(f"/proc/{pid}/status"):
    if line.startswith("VmRSS:"):
        rss = int(line.split()[1]) / 1024
row = {"transport": t, "interval": i, "servers": n, "wall": wall,
       "hub_cpm": per_min(c1[0] - c0[0]), "child_cpm": per_min(c1[1] - c0[1]),
       "slurm_cpm": per_min(s1 - s0) if have_daemons else None,
       "polls": polls, "poll_ms": (m1[1] - m0[1]) / polls * 1000 if polls else None,
       "rpcs": (int(r1) - int(r0)) if r0.isdigit() and r1.isdigit() else None, "rss_mib": rss}
print(json.dumps(row))
EOF
)
    log "  $transport, PollInterval ${interval}s, $servers servers: $row"
    POLL_ROWS+=("$row")
    $E set "$RES/poll.json" rows "[$(IFS=,; echo "${POLL_ROWS[*]}")]"
}
run_poll_part() {
    local t i admin users=$TMP/poll/users.txt out n first_t first_i notes=() k
    ((SLURM_OK)) || { log "poll part skipped: no Slurm"; return 0; }
    local transports=()
    for t in $POLL_TRANSPORTS; do
        if [[ $t == rest ]] && ((!SLURM_REST_OK)); then notes+=("rest transport skipped: no slurmrestd"); continue; fi
        transports+=("$t")
    done
    ((${#transports[@]})) || return 0
    first_t=${transports[0]}; first_i=${POLL_INTERVALS%% *}
    mkdir -p "$TMP/poll"
    for ((k = 1; k <= POLL_JOBS; k++)); do printf 'p%03d\n' "$k"; done >"$users"

    # baseline: the same hub configurations with 0 running servers (same data folder, the same users exist)
    local base_transports=("${transports[@]}")
    ((BASELINE_ALL)) || base_transports=("$first_t")
    for t in "${base_transports[@]}"; do
        for i in $POLL_INTERVALS; do
            log "poll: baseline, $t, PollInterval ${i}s, 0 servers"
            poll_hub "$t" "$i"
            admin=$(cat "$TMP/poll/admin-token")
            [[ -f $TMP/poll/users-created ]] || {
                api POST "$HUB_BASE/hub/api/users" "$admin" "$($PY -c 'import json,sys; print(json.dumps({"usernames": open(sys.argv[1]).read().split()}))' "$users")" >/dev/null
                touch "$TMP/poll/users-created"
            }
            measure_window "$t" "$i" 0
            stop_hub
        done
    done

    log "poll: starting $POLL_JOBS servers (tiny HTTP server, Slurm jobs, $first_t transport) in batches of $BATCH"
    poll_hub "$first_t" "$first_i"
    admin=$(cat "$TMP/poll/admin-token")
    API_CLEANUP="$HUB_BASE|$admin|$users"
    out=$($E start-many --base "$HUB_BASE" --token "$admin" --users "$users" --batch "$BATCH" --timeout 300)
    log "  $out"
    # A server can be declared ready and die a moment later (seen: two jobs on the node given the same port by the
    # port picker; the loser's watcher saw the winner LISTEN, the hub's probe got the winner's answer, then the
    # loser's bind failed). The poller notices within a poll interval: wait two, start again whatever is gone.
    local attempt missing restarted=0 rout
    for ((attempt = 1; attempt <= 3; attempt++)); do
        sleep $((2 * first_i + 2))
        missing=$($E not-ready --base "$HUB_BASE" --token "$admin" --users "$users")
        [[ -z $missing ]] && break
        log "  not ready after the start: $missing; hub log: $(grep -h -A1 '^warn: Greyhub.Hub.Servers.ServerMonitor' "$HUB_LOG" | grep -v '^warn\|^--' | tail -3 | tr -s ' ' | tr '\n' ';')"
        $E stop --base "$HUB_BASE" --token "$admin" --users "$missing" --timeout 60 >/dev/null || true
        rout=$($E start-many --base "$HUB_BASE" --token "$admin" --users "$missing" --batch "$BATCH" --timeout 300)
        log "  started again: $rout"
        restarted=$((restarted + $(tr ',' '\n' <<<"$missing" | grep -c .)))
    done
    n=$(wait_ready_count "$POLL_JOBS" 60) || die "only $n of $POLL_JOBS servers ready (hub API): $out"
    notes+=("starting the $POLL_JOBS servers in batches of $BATCH took $($PY -c 'import json,sys; print(json.load(sys.stdin)["secs"])' <<<"$out") s ($first_t transport); the hub API listed $n ready, squeue $(my_slurm_jobs | wc -l) jobs of this run")
    if ((restarted)); then
        notes+=("$restarted server(s) died right after the hub declared them ready and were started again; job outputs saying 'Address already in use': $(grep -l 'Address already in use' "$JOBS_DIR"/*/output.log 2>/dev/null | wc -l), endpoints (node port) recorded by more than one job: $(cat "$JOBS_DIR"/*/endpoint 2>/dev/null | sort | uniq -d | tr '\n' ' ')")
    fi
    stop_hub   # servers outlive the hub; every measured hub below is a fresh one that re-attaches them

    for t in "${transports[@]}"; do
        for i in $POLL_INTERVALS; do
            log "poll: $t, PollInterval ${i}s, $POLL_JOBS servers"
            poll_hub "$t" "$i"
            API_CLEANUP="$HUB_BASE|$admin|$users"
            n=$(wait_ready_count "$POLL_JOBS" 120) || die "after the restart only $n of $POLL_JOBS servers are ready: $(grep -E '^(warn|fail):' -A2 "$HUB_LOG" | tail -20)"
            measure_window "$t" "$i" "$POLL_JOBS"
            notes+=("hub log ($t, ${i}s, $POLL_JOBS servers): $(log_problems "$HUB_LOG")")
            stop_hub
        done
    done

    log "poll: stopping the $POLL_JOBS servers, $STOP_BATCH at a time"
    poll_hub "$first_t" "$first_i"
    API_CLEANUP="$HUB_BASE|$admin|$users"
    wait_ready_count "$POLL_JOBS" 120 >/dev/null || log "  warning: not all $POLL_JOBS servers ready after the restart"
    out=$($E stop --base "$HUB_BASE" --token "$admin" --users "$users" --concurrency "$STOP_BATCH" --timeout 120) \
        || log "  warning: some servers did not stop: $out"
    log "  stopped: $($PY -c 'import json,sys; j=json.load(sys.stdin); print(j["secs"], "s, codes", j["codes"], ", not stopped:", len(j["not_empty"]))' <<<"$out")"
    local left="" w
    for ((w = 0; w < 60; w++)); do left=$(my_slurm_jobs | tr '\n' ' '); [[ -z ${left// /} ]] && break; sleep 1; done
    notes+=("stopping them ($STOP_BATCH at a time through the API) took $($PY -c 'import json,sys; print(json.load(sys.stdin)["secs"])' <<<"$out") s; afterwards squeue listed $(wc -w <<<"$left") jobs of this run${left:+: $left}")
    [[ -z ${left// /} ]] || log "  warning: squeue still lists jobs of this run: $left"
    API_CLEANUP=""
    stop_hub
    $E set "$RES/poll.json" notes "$($PY -c 'import json,sys; print(json.dumps(sys.argv[1:]))' "${notes[@]}")"
}

# ---------- main ----------
[[ -n $DOTNET ]] || die "dotnet not found"
[[ -x $SINGLEUSER ]] || die "$SINGLEUSER missing (Debian package jupyterhub)"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
log "temp folder $TMP; PARTS=\"$PARTS\" REPS=$REPS ENGINES=\"$ENGINES\" POLL_JOBS=$POLL_JOBS POLL_TRANSPORTS=\"$POLL_TRANSPORTS\" POLL_INTERVALS=\"$POLL_INTERVALS\" WINDOW=$WINDOW BATCH=$BATCH"
need_slurm=0; need_podman=0
[[ $PARTS == *poll* || $ENGINES == *slurm* ]] && need_slurm=1
[[ $PARTS == *spawn* && $ENGINES == *containers* ]] && need_podman=1
if ((need_slurm)); then setup_slurm; fi
if ((need_podman)); then setup_podman; fi
build_greyhub
if [[ $PARTS == *spawn* ]]; then run_spawn_part; fi
if [[ $PARTS == *poll* ]]; then run_poll_part; fi

STAMP=$(date -u +%Y-%m-%dT%H%MZ)
$E set "$RES/meta.json" desc "\"$GH_DESC\""
$E set "$RES/meta.json" stamp "\"$STAMP\""
$E set "$RES/meta.json" cores "$(nproc)"
$E set "$RES/meta.json" mem "\"$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)\""
$E set "$RES/meta.json" load "\"$LOAD_START\""
$E set "$RES/meta.json" reps "$REPS"
$E set "$RES/meta.json" window "$WINDOW"
meta_notes=("run took $(((SECONDS - T_START) / 60)) min $(((SECONDS - T_START) % 60)) s")
if ((need_slurm)); then meta_notes+=("Slurm: $SLURM_DESC"); fi
if ((need_podman)); then meta_notes+=("Podman: $(curl -s --max-time 10 --unix-socket "$PODMAN_SOCK" http://d/version | $PY -c 'import json,sys; print(json.load(sys.stdin).get("Version","?"))' 2>/dev/null || echo '?')$( ((STARTED_PODMAN)) && echo " (own service)" || true), image $IMAGE"); fi
$E set "$RES/meta.json" notes "$($PY -c 'import json,sys; print(json.dumps(sys.argv[1:]))' "${meta_notes[@]}")"
mkdir -p "$REPO/benchmarks/results"
OUT=$REPO/benchmarks/results/engines-$STAMP.md
$E report "$RES" >"$OUT"
cp "$RES"/*.json "$REPO/benchmarks/results/" 2>/dev/null || true
for f in "$RES"/*.json; do mv "$REPO/benchmarks/results/$(basename "$f")" "$REPO/benchmarks/results/engines-$STAMP.$(basename "$f")" 2>/dev/null || true; done
echo
cat "$OUT"
echo
log "written to $OUT"
