#!/usr/bin/env bash
# Side-by-side benchmark: Greyhub vs the Debian jupyterhub 3.0 package, same users, same wrk client.
# See benchmarks/hub/README.md. Everything binds to 127.0.0.1 on free ports picked at run time.
#
# Env overrides:
#   DURATION=10s     wrk duration per measured run
#   NUSERS=1000      users created in each hub (plus the admin user "bench-admin")
#   CONNECTIONS=32   wrk connections (-c); THREADS=2 wrk threads (-t)
#   WARMUP=10s       unreported wrk run before each measured endpoint (0 = none); same for both hubs (JIT tier-up)
#   EXTRA=0          1 = also measure GET /hub/api/ (no auth) and /hub/api/users?limit=10 (profiling rows)
#   HUBS="greyhub jupyterhub"   which hubs to run (in this order, never at the same time)
#   GREYHUB_REF=     empty = build the working tree; a commit/ref = build a clean `git archive` of it in the temp folder
#   SKIP_BUILD=0     1 = use the existing Release build (working tree only)
#   GREYHUB_DLL=     use this already built greyhub.dll (no build); GREYHUB_DESC= says what it is in the table
#   KEEP_TMP=0       1 = keep the temp folder (logs, wrk outputs)
#   GREYHUB_DB_PROVIDER=   empty = Greyhub's default (sqlite in its temp data dir); e.g. postgres
#   GREYHUB_DB_CONNECTION= the provider's connection string (an EMPTY database: the script creates users in it)
set -euo pipefail

DURATION=${DURATION:-10s}
NUSERS=${NUSERS:-1000}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
WARMUP=${WARMUP:-10s}
EXTRA=${EXTRA:-0}
HUBS=${HUBS:-"greyhub jupyterhub"}
GREYHUB_REF=${GREYHUB_REF:-}
SKIP_BUILD=${SKIP_BUILD:-0}
GREYHUB_DLL=${GREYHUB_DLL:-}
GREYHUB_DESC=${GREYHUB_DESC:-}
KEEP_TMP=${KEEP_TMP:-0}
GREYHUB_DB_PROVIDER=${GREYHUB_DB_PROVIDER:-}
GREYHUB_DB_CONNECTION=${GREYHUB_DB_CONNECTION:-}

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3
H="$PY $HERE/helpers.py"
WRK=/usr/bin/wrk
CLK_TCK=$(getconf CLK_TCK)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/greyhub-hub-bench.XXXXXX")
declare -a TRACKED=()        # "pid|cmdline substring" of every process this script started

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------- process handling: only PIDs we recorded, checked against their cmdline ----------
cmdline_of() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true; }
alive() {   # running and not a zombie
    local st
    st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
    [[ -n $st && $st != Z && $st != X ]]
}
track() { TRACKED+=("$1|$2"); }
stop_pid() {  # stop_pid PID PATTERN: TERM, wait up to 10 s, then KILL; only if the cmdline still matches
    local pid=$1 pat=$2 i
    if alive "$pid" && [[ $(cmdline_of "$pid") == *"$pat"* ]]; then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 100; i++)); do alive "$pid" || break; sleep 0.1; done
        if alive "$pid" && [[ $(cmdline_of "$pid") == *"$pat"* ]]; then
            log "pid $pid did not stop on TERM, sending KILL"
            kill -KILL "$pid" 2>/dev/null || true
            for ((i = 0; i < 50; i++)); do alive "$pid" || break; sleep 0.1; done
        fi
    fi
    wait "$pid" 2>/dev/null || true   # reap if it is our child
}
cleanup() {
    local rc=$? i entry
    trap - EXIT INT TERM
    for ((i = ${#TRACKED[@]} - 1; i >= 0; i--)); do
        entry=${TRACKED[i]}
        stop_pid "${entry%%|*}" "${entry#*|}"
    done
    if [[ $KEEP_TMP == 1 ]]; then log "kept $TMP"; else rm -rf "$TMP"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

# ---------- HTTP helpers (loopback only, never through a proxy) ----------
CURL=(curl -sS --noproxy '*' --max-time 60)
http_code() { "${CURL[@]}" -o /dev/null -w '%{http_code}' "$@" 2>/dev/null || echo 000; }
wait_200() {  # wait_200 URL TIMEOUT_S PID
    local url=$1 timeout=$2 pid=$3 t0=$SECONDS
    while ((SECONDS - t0 < timeout)); do
        [[ $(http_code "$url") == 200 ]] && return 0
        alive "$pid" || die "process $pid exited while waiting for $url"
        sleep 0.2
    done
    die "timeout waiting for 200 from $url"
}
api() {  # api METHOD URL TOKEN [JSON]: prints body, fails unless 2xx
    local method=$1 url=$2 token=$3 body=${4:-} out code
    out=$TMP/api.out
    if [[ -n $body ]]; then
        code=$("${CURL[@]}" -o "$out" -w '%{http_code}' -X "$method" -H "Authorization: token $token" \
            -H 'Content-Type: application/json' --data-binary "$body" "$url") || code=000
    else
        code=$("${CURL[@]}" -o "$out" -w '%{http_code}' -X "$method" -H "Authorization: token $token" "$url") || code=000
    fi
    [[ $code == 2* ]] || die "$method $url -> $code: $(head -c 400 "$out" 2>/dev/null)"
    cat "$out"
}
create_users() {  # create_users BASE TOKEN: u1..uNUSERS in batches of 100
    local base=$1 token=$2 a b
    for ((a = 1; a <= NUSERS; a += 100)); do
        b=$((a + 99 > NUSERS ? NUSERS : a + 99))
        api POST "$base/hub/api/users" "$token" "$($H usernames "$a" "$b")" >/dev/null
    done
}
check_users() {  # check_users BASE TOKEN: the list really has NUSERS+1 users and returns a full page
    local base=$1 token=$2 got
    got=$("${CURL[@]}" -H "Authorization: token $token" -H 'Accept: application/jupyterhub-pagination+json' \
        "$base/hub/api/users?limit=200" | $H count)
    log "users list: page of ${got% *}, total ${got#* } (expected $((NUSERS + 1)))"
    [[ ${got#* } == $((NUSERS + 1)) ]] || die "unexpected user count: $got"
    got=$("${CURL[@]}" -H "Authorization: token $token" "$base/hub/api/users?limit=200" | $H count)
    [[ $got == $((NUSERS + 1 < 200 ? NUSERS + 1 : 200)) ]] || die "plain list returned $got users"
}
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# ---------- wrk runs ----------
# The uncached request stream, the same for both hubs: every request is distinct. A random offset within the
# users (full pages of 200: 0..NUSERS+1-200) plus a per-thread counter in an extra query parameter, so no
# response cache keyed on the URL can answer from an earlier response (Greyhub's 1-second cache misses every
# time; JupyterHub has none and ignores the extra parameter).
write_uncached_lua() {  # write_uncached_lua FILE
    local maxoff=$((NUSERS + 1 - 200))
    ((maxoff >= 0)) || maxoff=0
    cat >"$1" <<LUA
local counter = 0
local threads = 0
tid = 0  -- global: setup() sets it per thread (thread:set), before init()
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args)
  math.randomseed(os.time() + tid * 7919)
end
request = function()
  counter = counter + 1
  return wrk.format(nil, "/hub/api/users?limit=200&offset=" .. math.random(0, $maxoff) .. "&nocache=" .. tid .. "-" .. counter)
end
LUA
}
declare -a RUNS=()
declare -A R_HUB R_DESC R_URL R_RPS R_P50 R_P75 R_P90 R_P99 R_NON2XX R_SOCK R_HUBCPU R_SIDECPU R_WRKCPU R_LOAD R_THREADS R_PERCPU
run_wrk() {  # run_wrk ID HUBNAME DESC URL TOKEN "HUB_PIDS" "SIDE_PIDS" [WRK_LUA_SCRIPT]
    local id=$1 hub=$2 desc=$3 url=$4 token=$5 hubpids=$6 sidepids=$7 lua=${8:-}
    local auth=() hdr=() out=$TMP/wrk-$id.txt tfile=$TMP/wrk-$id.time t0 t1 h0 h1 s0 s1 wall
    [[ -n $token ]] && auth=(-H "Authorization: token $token")
    hdr=("${auth[@]}")
    [[ -n $lua ]] && hdr+=(-s "$lua")
    [[ $(http_code "${auth[@]}" "$url") == 200 ]] || die "$url does not answer 200 before the run"
    if [[ $WARMUP != 0 ]]; then
        $WRK -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "${hdr[@]}" "$url" >/dev/null 2>&1 || true
    fi
    R_LOAD[$id]=$(cut -d' ' -f1 /proc/loadavg)
    local mainpid=${hubpids%% *}
    $H threads "$mainpid" >"$TMP/threads-$id.0"
    h0=$($H cputicks $hubpids); s0=$($H cputicks $sidepids); t0=$(date +%s.%N)
    /usr/bin/time -f '%U %S' -o "$tfile" \
        $WRK -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "${hdr[@]}" "$url" >"$out" 2>&1 \
        || die "wrk failed for $url: $(cat "$out")"
    t1=$(date +%s.%N); h1=$($H cputicks $hubpids); s1=$($H cputicks $sidepids)
    $H threads "$mainpid" >"$TMP/threads-$id.1"
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')
    R_THREADS[$id]=$($H threadsplit "$TMP/threads-$id.0" "$TMP/threads-$id.1" "$wall")
    read -r R_RPS[$id] R_P50[$id] R_P75[$id] R_P90[$id] R_P99[$id] R_NON2XX[$id] R_SOCK[$id] <<<"$($H wrk "$out")"
    R_HUBCPU[$id]=$(awk -v d=$((h1 - h0)) -v c="$CLK_TCK" -v w="$wall" 'BEGIN{printf "%.0f", 100*d/c/w}')
    if [[ -n $sidepids ]]; then
        R_SIDECPU[$id]=$(awk -v d=$((s1 - s0)) -v c="$CLK_TCK" -v w="$wall" 'BEGIN{printf "%.0f", 100*d/c/w}')
    else
        R_SIDECPU[$id]="-"
    fi
    R_WRKCPU[$id]=$(awk -v w="$wall" '{printf "%.0f", 100*($1+$2)/w; exit}' "$tfile")
    # requests per CPU-second of the hub (+ CHP): less sensitive to how much CPU the shared box left us
    R_PERCPU[$id]=$(awk -v r="${R_RPS[$id]}" -v h="${R_HUBCPU[$id]}" -v s="${R_SIDECPU[$id]}" 'BEGIN{c = h + (s == "-" ? 0 : s); if (c > 0) printf "%.1f", 100 * r / c}')
    R_HUB[$id]=$hub; R_DESC[$id]=$desc; R_URL[$id]=${url#http://127.0.0.1}
    RUNS+=("$id")
    log "$id: ${R_RPS[$id]} req/s, p50 ${R_P50[$id]} ms, p99 ${R_P99[$id]} ms, non-2xx ${R_NON2XX[$id]}, sock err ${R_SOCK[$id]}, hub CPU ${R_HUBCPU[$id]}%, wrk CPU ${R_WRKCPU[$id]}%, load ${R_LOAD[$id]}; hub threads: ${R_THREADS[$id]}"
}

# ---------- Greyhub ----------
GH_BUILD_DESC=""
run_greyhub() {
    local src=$REPO port base pid data=$TMP/greyhub admin_token user_token dll
    if [[ -n $GREYHUB_DLL ]]; then
        GH_BUILD_DESC="prebuilt ${GREYHUB_DESC:-$GREYHUB_DLL}"
    elif [[ -n $GREYHUB_REF ]]; then
        src=$TMP/src
        mkdir -p "$src"
        git -C "$REPO" archive --format=tar "$GREYHUB_REF" | tar -x -C "$src"
        GH_BUILD_DESC="clean snapshot of $(git -C "$REPO" rev-parse --short "$GREYHUB_REF") ($(git -C "$REPO" log -1 --format=%s "$GREYHUB_REF"))"
    else
        local dirty
        local deps=(src/Greyhub.Host src/Greyhub.Hub src/Greyhub.Data src/Greyhub.Scopes src/Greyhub.Abstractions)
        dirty=$(git -C "$REPO" status --porcelain -- "${deps[@]}" | wc -l)
        GH_BUILD_DESC="working tree at $(git -C "$REPO" rev-parse --short HEAD) ($(git -C "$REPO" log -1 --format=%s HEAD))"
        ((dirty == 0)) || GH_BUILD_DESC+=", plus $dirty uncommitted change(s) in the hub's projects: $(git -C "$REPO" status --porcelain -- "${deps[@]}" | awk '{print $2}' | sed 's|^src/||' | paste -sd' ' -)"
    fi
    dll=${GREYHUB_DLL:-$src/src/Greyhub.Host/bin/Release/net10.0/greyhub.dll}
    if [[ -z $GREYHUB_DLL ]] && [[ $SKIP_BUILD != 1 || -n $GREYHUB_REF ]]; then
        log "building Greyhub (Release) in $src"
        (cd "$src" && dotnet build -c Release src/Greyhub.Host >"$TMP/greyhub-build.log" 2>&1) \
            || { tail -30 "$TMP/greyhub-build.log" >&2; die "Greyhub build failed"; }
    fi
    [[ -f $dll ]] || die "missing $dll"

    port=$($H ports 1)
    base=http://127.0.0.1:$port
    admin_token=$(dotnet "$dll" token --admin --data-dir "$data" bench-admin 2>>"$TMP/greyhub-token.log") \
        || { cat "$TMP/greyhub-token.log" >&2; die "greyhub token failed"; }
    admin_token=$(printf '%s' "$admin_token" | tail -1 | tr -d '[:space:]')
    [[ -n $admin_token ]] || die "empty admin token"

    log "starting Greyhub on $base${GREYHUB_DB_PROVIDER:+ (database provider $GREYHUB_DB_PROVIDER)}"
    dotnet "$dll" serve --urls "$base" --data-dir "$data" >"$TMP/greyhub.log" 2>&1 &
    pid=$!
    track "$pid" "greyhub.dll"
    wait_200 "$base/hub/api/" 60 "$pid"

    log "creating $NUSERS users"
    create_users "$base" "$admin_token"
    check_users "$base" "$admin_token"
    user_token=$(api POST "$base/hub/api/users/u1/tokens" "$admin_token" '{"note":"bench"}' | $H get token)
    [[ $(api GET "$base/hub/api/user" "$user_token" | $H get name) == u1 ]] || die "user token is not u1's"

    run_wrk gh_users200 Greyhub "users?limit=200, admin token" "$base/hub/api/users?limit=200" "$admin_token" "$pid" ""
    run_wrk gh_users200_uncached Greyhub "users?limit=200&offset=RANDOM&nocache=UNIQUE (every request distinct: response cache misses), admin token" "$base/hub/api/users?limit=200&offset=0&nocache=0" "$admin_token" "$pid" "" "$UNCACHED_LUA"
    run_wrk gh_user Greyhub "user (u1 token)" "$base/hub/api/user" "$user_token" "$pid" ""
    GH_RSS=$(rss_kib "$pid")
    if [[ $EXTRA == 1 ]]; then
        run_wrk gh_root Greyhub "/hub/api/ (no auth)" "$base/hub/api/" "" "$pid" ""
        run_wrk gh_users10 Greyhub "users?limit=10, admin token" "$base/hub/api/users?limit=10" "$admin_token" "$pid" ""
        # a random extra query parameter per request: defeats any response cache keyed on the URL (render cost)
        cat >"$TMP/nocache.lua" <<'LUA'
math.randomseed(os.time())
request = function()
  return wrk.format(nil, "/hub/api/users?limit=200&nocache=" .. math.random(1, 1000000000))
end
LUA
        run_wrk gh_users200_nocache Greyhub "users?limit=200&nocache=RANDOM (cache miss every request), admin token" "$base/hub/api/users?limit=200&nocache=0" "$admin_token" "$pid" "" "$TMP/nocache.lua"
        GH_RSS_EXTRA=$(rss_kib "$pid")
    fi
    GH_THREADS=$(awk '/^Threads:/ {print $2}' "/proc/$pid/status")
    log "Greyhub VmRSS after the main runs $((GH_RSS / 1024)) MiB, at the end $(($(rss_kib "$pid") / 1024)) MiB, $GH_THREADS threads; stopping"
    stop_pid "$pid" "greyhub.dll"
}

# ---------- JupyterHub 3.0 ----------
run_jupyterhub() {
    local dir=$TMP/jupyterhub ports pub hubp chpapi cfg svc_token chp_token pid chp_pid base direct
    local admin_token user_token
    mkdir -p "$dir"
    mapfile -t ports < <($H ports 3)
    pub=${ports[0]}; hubp=${ports[1]}; chpapi=${ports[2]}
    svc_token=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
    chp_token=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
    cfg=$dir/jupyterhub_config.py
    cat >"$cfg" <<EOF
import os
c = get_config()  # noqa
c.JupyterHub.ip = '127.0.0.1'
c.JupyterHub.port = $pub
c.JupyterHub.hub_ip = '127.0.0.1'
c.JupyterHub.hub_port = $hubp
c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:$chpapi'
c.ConfigurableHTTPProxy.pid_file = '$dir/jupyterhub-proxy.pid'
c.JupyterHub.authenticator_class = 'jupyterhub.auth.DummyAuthenticator'
c.JupyterHub.db_url = 'sqlite:///$dir/jupyterhub.sqlite'
c.JupyterHub.cookie_secret_file = '$dir/jupyterhub_cookie_secret'
c.JupyterHub.pid_file = '$dir/jupyterhub.pid'
c.JupyterHub.services = [{'name': 'bench', 'api_token': os.environ['JHB_ADMIN_TOKEN']}]
c.JupyterHub.load_roles = [{'name': 'admin', 'services': ['bench']}]
EOF
    base=http://127.0.0.1:$pub
    direct=http://127.0.0.1:$hubp
    log "starting JupyterHub 3.0: public (CHP) $base, hub $direct, CHP API :$chpapi"
    (cd "$dir" && exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME="$dir" NODE_PATH=/usr/share/nodejs \
        CONFIGPROXY_AUTH_TOKEN="$chp_token" JHB_ADMIN_TOKEN="$svc_token" \
        /usr/bin/jupyterhub -f "$cfg" >"$dir/jupyterhub.log" 2>&1) &
    pid=$!
    track "$pid" "jupyterhub"
    wait_200 "$base/hub/api/" 90 "$pid"
    wait_200 "$direct/hub/api/" 30 "$pid"
    chp_pid=$(cat "$dir/jupyterhub-proxy.pid" 2>/dev/null || true)
    if [[ -n $chp_pid ]] && [[ $(cmdline_of "$chp_pid") == *configurable-http-proxy* ]]; then
        track "$chp_pid" "configurable-http-proxy"
    else
        die "cannot find the CHP process (pid file: '${chp_pid}')"
    fi

    log "creating bench-admin + $NUSERS users"
    api POST "$direct/hub/api/users" "$svc_token" '{"usernames":["bench-admin"],"admin":true}' >/dev/null
    admin_token=$(api POST "$direct/hub/api/users/bench-admin/tokens" "$svc_token" '{"note":"bench"}' | $H get token)
    create_users "$direct" "$admin_token"
    check_users "$base" "$admin_token"
    user_token=$(api POST "$direct/hub/api/users/u1/tokens" "$admin_token" '{"note":"bench"}' | $H get token)
    [[ $(api GET "$base/hub/api/user" "$user_token" | $H get name) == u1 ]] || die "user token is not u1's"

    run_wrk jh_users200_pub JupyterHub "users?limit=200, hub-generated admin token, public port (CHP)" "$base/hub/api/users?limit=200" "$admin_token" "$pid" "$chp_pid"
    run_wrk jh_users200_dir JupyterHub "users?limit=200, hub-generated admin token, hub port direct" "$direct/hub/api/users?limit=200" "$admin_token" "$pid" ""
    run_wrk jh_users200_uncached_pub JupyterHub "users?limit=200&offset=RANDOM&nocache=UNIQUE (same stream as Greyhub's), public port (CHP)" "$base/hub/api/users?limit=200&offset=0&nocache=0" "$admin_token" "$pid" "$chp_pid" "$UNCACHED_LUA"
    run_wrk jh_users200_uncached_dir JupyterHub "users?limit=200&offset=RANDOM&nocache=UNIQUE (same stream as Greyhub's), hub port direct" "$direct/hub/api/users?limit=200&offset=0&nocache=0" "$admin_token" "$pid" "" "$UNCACHED_LUA"
    run_wrk jh_users200_svc JupyterHub "users?limit=200, config-file service token, public port (CHP)" "$base/hub/api/users?limit=200" "$svc_token" "$pid" "$chp_pid"
    run_wrk jh_user_pub JupyterHub "user (u1 token), public port (CHP)" "$base/hub/api/user" "$user_token" "$pid" "$chp_pid"
    run_wrk jh_user_dir JupyterHub "user (u1 token), hub port direct" "$direct/hub/api/user" "$user_token" "$pid" ""
    JH_RSS=$(rss_kib "$pid")
    CHP_RSS=$(rss_kib "$chp_pid")
    if [[ $EXTRA == 1 ]]; then
        run_wrk jh_root_pub JupyterHub "/hub/api/ (no auth), public port (CHP)" "$base/hub/api/" "" "$pid" "$chp_pid"
        run_wrk jh_root_dir JupyterHub "/hub/api/ (no auth), hub port direct" "$direct/hub/api/" "" "$pid" ""
        run_wrk jh_users10_dir JupyterHub "users?limit=10, hub-generated admin token, hub port direct" "$direct/hub/api/users?limit=10" "$admin_token" "$pid" ""
        JH_RSS_EXTRA=$(rss_kib "$pid")
        CHP_RSS_EXTRA=$(rss_kib "$chp_pid")
    fi
    log "JupyterHub VmRSS after the main runs $((JH_RSS / 1024)) MiB, CHP $((CHP_RSS / 1024)) MiB; stopping"
    stop_pid "$pid" "jupyterhub"
    stop_pid "$chp_pid" "configurable-http-proxy"
}

# ---------- report ----------
v() { [[ -z $2 ]] && return 0; local -n arr=$1; echo "${arr[$2]:-}"; }
fmt_rps() { [[ -z $1 ]] && { echo "-"; return; }; awk -v x="$1" 'BEGIN{ if (x >= 100) printf "%.0f", x; else printf "%.1f", x }'; }
fmt_ms() { [[ -z $1 ]] && { echo "-"; return; }; awk -v x="$1" 'BEGIN{ if (x >= 100) printf "%.0f", x; else if (x >= 10) printf "%.1f", x; else printf "%.2f", x }'; }
ratio() { [[ -z $1 || -z $2 ]] && { echo "-"; return; }; awk -v a="$1" -v b="$2" 'BEGIN{ if (b == 0) print "-"; else { r = a / b; if (r >= 10) printf "%.0f×", r; else if (r >= 0.1) printf "%.2f×", r; else printf "%.3f×", r } }'; }
meets() {  # meets KIND A B [TARGET]: rps -> A/B >= TARGET (50) ; p99 -> A < B
    [[ -z $2 || -z $3 ]] && { echo "-"; return; }
    awk -v k="$1" -v a="$2" -v b="$3" -v t="${4:-50}" 'BEGIN{ ok = (k == "rps") ? (b > 0 && a / b >= t) : (a < b); print ok ? "yes" : "**no**" }'
}
mib() { [[ -z ${1:-} || $1 == 0 ]] && { echo "-"; return; }; awk -v k="$1" 'BEGIN{printf "%.1f", k/1024}'; }

row_metric() {  # row_metric LABEL GH_ID JH_PUB_ID JH_DIR_ID [RPS_TARGET]
    local label=$1 g=$2 p=$3 d=$4 t=${5:-50}
    echo "| $label req/s | $(fmt_rps "$(v R_RPS "$g")") | $(fmt_rps "$(v R_RPS "$p")") | $(fmt_rps "$(v R_RPS "$d")") | $(ratio "$(v R_RPS "$g")" "$(v R_RPS "$p")") / $(ratio "$(v R_RPS "$g")" "$(v R_RPS "$d")") | ≥ $t× | $(meets rps "$(v R_RPS "$g")" "$(v R_RPS "$p")" "$t") / $(meets rps "$(v R_RPS "$g")" "$(v R_RPS "$d")" "$t") |"
    echo "| $label p50 ms | $(fmt_ms "$(v R_P50 "$g")") | $(fmt_ms "$(v R_P50 "$p")") | $(fmt_ms "$(v R_P50 "$d")") | $(ratio "$(v R_P50 "$g")" "$(v R_P50 "$p")") / $(ratio "$(v R_P50 "$g")" "$(v R_P50 "$d")") | | |"
    echo "| $label p99 ms | $(fmt_ms "$(v R_P99 "$g")") | $(fmt_ms "$(v R_P99 "$p")") | $(fmt_ms "$(v R_P99 "$d")") | $(ratio "$(v R_P99 "$g")" "$(v R_P99 "$p")") / $(ratio "$(v R_P99 "$g")" "$(v R_P99 "$d")") | < 1× | $(meets p99 "$(v R_P99 "$g")" "$(v R_P99 "$p")") / $(meets p99 "$(v R_P99 "$g")" "$(v R_P99 "$d")") |"
}

report() {
    local stamp=$1
    echo "## Hub API: Greyhub vs JupyterHub 3.0 ($stamp)"
    echo
    echo "- machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), load average at start $LOAD_START (shared with other work)"
    echo "- Greyhub: ${GH_BUILD_DESC:-not run}; Release build, \`dotnet greyhub.dll serve\` (Kestrel, database: ${GREYHUB_DB_PROVIDER:-sqlite (default) in the temp data dir}, server GC per runtimeconfig), measured on its only port"
    echo "- JupyterHub: Debian jupyterhub $(dpkg-query -W -f='${Version}' jupyterhub 2>/dev/null || echo '?'), DummyAuthenticator, sqlite, CHP started by the hub, INFO logging; public port = CHP in front of the hub, direct = hub port"
    echo "- users: $NUSERS (u1..u$NUSERS) + bench-admin in each hub; \`wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency -H \"Authorization: token T\"\`, after a $WARMUP unreported warm-up per endpoint; hubs run one after the other"
    echo "- admin token: \`greyhub token --admin\` for Greyhub; for JupyterHub a hub-generated token of admin user bench-admin (\`POST /hub/api/users/bench-admin/tokens\`); user token: \`POST /hub/api/users/u1/tokens\` in both"
    echo
    echo "| metric | Greyhub | JupyterHub 3.0 public port (CHP) | JupyterHub 3.0 hub port (direct) | Greyhub / JH (public / direct) | target | met (public / direct) |"
    echo "|---|---:|---:|---:|---:|---|---|"
    row_metric '`GET /hub/api/users?limit=200` (admin)' gh_users200 jh_users200_pub jh_users200_dir
    row_metric '`GET /hub/api/users?limit=200&offset=RANDOM&nocache=UNIQUE` (admin, every request distinct: **uncached**)' gh_users200_uncached jh_users200_uncached_pub jh_users200_uncached_dir 30
    echo "| uncached \`users?limit=200\` requests per CPU-second of hub (+ CHP) | $(v R_PERCPU gh_users200_uncached) | $(v R_PERCPU jh_users200_uncached_pub) | $(v R_PERCPU jh_users200_uncached_dir) | $(ratio "$(v R_PERCPU gh_users200_uncached)" "$(v R_PERCPU jh_users200_uncached_pub)") / $(ratio "$(v R_PERCPU gh_users200_uncached)" "$(v R_PERCPU jh_users200_uncached_dir)") | (≥ 30×) | $(meets rps "$(v R_PERCPU gh_users200_uncached)" "$(v R_PERCPU jh_users200_uncached_pub)" 30) / $(meets rps "$(v R_PERCPU gh_users200_uncached)" "$(v R_PERCPU jh_users200_uncached_dir)" 30) |"
    row_metric '`GET /hub/api/user` (u1 token)' gh_user jh_user_pub jh_user_dir
    local jh_total=""
    [[ -n ${JH_RSS:-} && -n ${CHP_RSS:-} ]] && jh_total=$((JH_RSS + CHP_RSS))
    echo "| VmRSS after the main runs, MiB | $(mib "${GH_RSS:-}") | $(mib "${JH_RSS:-}") hub + $(mib "${CHP_RSS:-}") CHP = $(mib "$jh_total") | $(mib "${JH_RSS:-}") (hub only) | $(ratio "${GH_RSS:-}" "$jh_total") / $(ratio "${GH_RSS:-}" "${JH_RSS:-}") | | |"
    echo "| \`users?limit=200\` requests per CPU-second of hub (+ CHP) | $(v R_PERCPU gh_users200) | $(v R_PERCPU jh_users200_pub) | $(v R_PERCPU jh_users200_dir) | $(ratio "$(v R_PERCPU gh_users200)" "$(v R_PERCPU jh_users200_pub)") / $(ratio "$(v R_PERCPU gh_users200)" "$(v R_PERCPU jh_users200_dir)") | (≥ 50×) | $(meets rps "$(v R_PERCPU gh_users200)" "$(v R_PERCPU jh_users200_pub)") / $(meets rps "$(v R_PERCPU gh_users200)" "$(v R_PERCPU jh_users200_dir)") |"
    if [[ -n $(v R_RPS gh_users200) ]]; then
        echo "| \`users?limit=200\` vs the earlier JupyterHub reference (79 req/s, p99 524 ms) | $(fmt_rps "$(v R_RPS gh_users200)") req/s, p99 $(fmt_ms "$(v R_P99 gh_users200)") ms | 79 (reference) | | $(ratio "$(v R_RPS gh_users200)" 79) req/s, $(ratio "$(v R_P99 gh_users200)" 524) p99 | ≥ 50×, < 1× | $(meets rps "$(v R_RPS gh_users200)" 79) / $(meets p99 "$(v R_P99 gh_users200)" 524) |"
    fi
    if [[ -n $(v R_RPS jh_users200_svc) ]]; then
        echo "| \`users?limit=200\` with the config-file service token (16k SHA-512 rounds per request) | | $(fmt_rps "$(v R_RPS jh_users200_svc)") req/s, p50 $(fmt_ms "$(v R_P50 jh_users200_svc)"), p99 $(fmt_ms "$(v R_P99 jh_users200_svc)") ms | | $(ratio "$(v R_RPS gh_users200)" "$(v R_RPS jh_users200_svc)") req/s | | |"
    fi
    if [[ $EXTRA == 1 ]]; then
        local jh_total_x=""
        [[ -n ${JH_RSS_EXTRA:-} && -n ${CHP_RSS_EXTRA:-} ]] && jh_total_x=$((JH_RSS_EXTRA + CHP_RSS_EXTRA))
        echo "| VmRSS after the extra (profiling) runs below, MiB | $(mib "${GH_RSS_EXTRA:-}") | $(mib "${JH_RSS_EXTRA:-}") hub + $(mib "${CHP_RSS_EXTRA:-}") CHP = $(mib "$jh_total_x") | $(mib "${JH_RSS_EXTRA:-}") (hub only) | $(ratio "${GH_RSS_EXTRA:-}" "$jh_total_x") / $(ratio "${GH_RSS_EXTRA:-}" "${JH_RSS_EXTRA:-}") | | |"
        row_metric '`GET /hub/api/` (no auth)' gh_root jh_root_pub jh_root_dir
        row_metric '`GET /hub/api/users?limit=10` (admin)' gh_users10 "" jh_users10_dir
        row_metric '`GET /hub/api/users?limit=200&nocache=RANDOM` (admin, Greyhub: every request a cache miss)' gh_users200_nocache "" ""
    fi
    echo
    echo "Main JupyterHub number = public port (CHP) with the hub-generated token, as the earlier reference measured (79 req/s, p99 524 ms with 1,000 users). Ratios: Greyhub divided by JupyterHub; for p99 lower is better (target < 1×)."
    echo
    echo "### Every wrk run"
    echo
    echo "| hub | run | path | req/s | p50 ms | p75 ms | p90 ms | p99 ms | non-2xx | socket errors | hub CPU % | hub CPU by thread name (top 4) | CHP CPU % | req per CPU-s (hub+CHP) | wrk CPU % | load (1 min) |"
    echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|"
    local id
    for id in "${RUNS[@]}"; do
        echo "| ${R_HUB[$id]} | ${R_DESC[$id]} | \`${R_URL[$id]}\` | $(fmt_rps "${R_RPS[$id]}") | $(fmt_ms "${R_P50[$id]}") | $(fmt_ms "${R_P75[$id]}") | $(fmt_ms "${R_P90[$id]}") | $(fmt_ms "${R_P99[$id]}") | ${R_NON2XX[$id]} | ${R_SOCK[$id]} | ${R_HUBCPU[$id]} | ${R_THREADS[$id]} | ${R_SIDECPU[$id]} | ${R_PERCPU[$id]} | ${R_WRKCPU[$id]} | ${R_LOAD[$id]} |"
    done
    echo
    echo "CPU % = CPU time used during the measured run / wall time (100 = one core of $(nproc)); hub CPU covers all threads of the hub process. On a loaded box a multi-threaded hub (Greyhub) gets a bigger CPU share than single-threaded Python, so also compare requests per CPU-second."
}

# ---------- main ----------
[[ -x $WRK ]] || die "wrk not found at $WRK"
[[ -x /usr/bin/jupyterhub ]] || [[ $HUBS != *jupyterhub* ]] || die "/usr/bin/jupyterhub missing (Debian package jupyterhub)"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
UNCACHED_LUA=$TMP/uncached.lua
write_uncached_lua "$UNCACHED_LUA"
# Greyhub's database, as configuration through the environment (both `greyhub token` and `greyhub serve` read it)
if [[ -n $GREYHUB_DB_PROVIDER ]]; then
    export Greyhub__Database__Provider=$GREYHUB_DB_PROVIDER
    [[ -n $GREYHUB_DB_CONNECTION ]] && export Greyhub__Database__ConnectionString=$GREYHUB_DB_CONNECTION
fi
log "temp folder $TMP; settings: NUSERS=$NUSERS DURATION=$DURATION CONNECTIONS=$CONNECTIONS THREADS=$THREADS WARMUP=$WARMUP EXTRA=$EXTRA"
for hub in $HUBS; do
    case $hub in
        greyhub) run_greyhub ;;
        jupyterhub) run_jupyterhub ;;
        *) die "unknown hub $hub" ;;
    esac
done

STAMP=$(date -u +%Y-%m-%dT%H%MZ)
mkdir -p "$REPO/benchmarks/results"
OUT=$REPO/benchmarks/results/hub-$STAMP.md
report "$STAMP" >"$OUT"
echo
cat "$OUT"
echo
log "written to $OUT"
