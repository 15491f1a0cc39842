#!/usr/bin/env bash
# Side-by-side benchmark of the compute path: spawn latency and proxy throughput,
# Greyhub (hub + in-process proxy) vs the Debian jupyterhub 3.0 package + configurable-http-proxy (CHP).
# See benchmarks/compute/README.md. Everything binds to 127.0.0.1 on free ports picked at run time.
#
# Env overrides:
#   REPS=3           measured spawn rounds (1 user and NCONC users each), after one unmeasured 1-user warm-up
#   NCONC=20         users spawned concurrently (behind a barrier) in the concurrent rounds
#   DURATION=10s     wrk duration per measured run; CONNECTIONS=32 (-c); THREADS=1 (-t: wrk shares the 2 cores with the
#                    proxy and the upstream, and one thread loads even nginx; a second thread only takes CPU from them)
#   WARMUP=2s        unreported wrk run before each measured URL (0 = none); same for both hubs
#   MEMREQS=1000000  requests pushed through the proxy to the fast upstream before the "after" VmRSS
#   PUSH_CHUNK=20    the push runs wrk in runs of at most this many seconds, VmRSS read after each (the series)
#   MEMMAX=150       at most this many seconds of wrk for that push (the table prints what was actually sent; CHP does
#                    ~1-3k req/s here, so 1,000,000 through CHP needs MEMMAX=600 or more and a ~20 min run)
#   HUBS="greyhub jupyterhub"   which hubs to run (in this order, never at the same time)
#   GREYHUB_REF=     empty = build the working tree; a commit/ref = build a clean `git archive` of it in the temp folder
#   SKIP_BUILD=0     1 = use the existing Release build (working tree only)
#   GREYHUB_DLL=     use this already built greyhub.dll (no build); GREYHUB_DESC= says what it is in the table
#   GREYHUB_ENV=     extra environment for Greyhub, space-separated NAME=VALUE (e.g. "Logging__LogLevel__Yarp=Warning")
#   KEEP_TMP=0       1 = keep the temp folder (logs, wrk outputs, per-spawn JSON)
#   DUEL_ROUNDS=5    interleaved proxy rounds in Greyhub's phase: Greyhub, a standalone CHP and nginx-as-proxy in front
#                    of the same upstream, loaded in turn for DUEL_DURATION=5s each; medians (0 = skip)
#   DUEL_THREADS="1 2"  wrk thread counts the interleaved rounds run with (each round loads each proxy with each)
#   GREYPROXY=1      1 = `greyhub proxy` (the same build, its own process, CHP's command line and REST API) is a fourth
#                    proxy in the interleaved rounds, gets the route-change runs and its own memory push; 0 = without it
#   ROUTE_N=20       route changes timed per proxy (Greyhub in-process, `greyhub proxy`, CHP): API call / ready -> first
#                    proxied 200 on a fresh route, polled on a kept-alive connection every ROUTE_INTERVAL=0.0005 s (0 = skip)
set -euo pipefail

REPS=${REPS:-3}
NCONC=${NCONC:-20}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-1}
WARMUP=${WARMUP:-2s}
MEMREQS=${MEMREQS:-1000000}
MEMMAX=${MEMMAX:-150}
PUSH_CHUNK=${PUSH_CHUNK:-20}
HUBS=${HUBS:-"greyhub jupyterhub"}
GREYHUB_REF=${GREYHUB_REF:-}
SKIP_BUILD=${SKIP_BUILD:-0}
GREYHUB_DLL=${GREYHUB_DLL:-}
GREYHUB_DESC=${GREYHUB_DESC:-}
GREYHUB_ENV=${GREYHUB_ENV:-}
KEEP_TMP=${KEEP_TMP:-0}
DUEL_ROUNDS=${DUEL_ROUNDS:-5}
DUEL_DURATION=${DUEL_DURATION:-5s}
DUEL_THREADS=${DUEL_THREADS:-"1 2"}
GREYPROXY=${GREYPROXY:-1}
ROUTE_N=${ROUTE_N:-20}
ROUTE_INTERVAL=${ROUTE_INTERVAL:-0.0005}

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3
H="$PY $HERE/../hub/helpers.py"     # ports, get, cputicks (shared with the hub benchmark)
S="$PY $HERE/spawnbench.py"
WRK=/usr/bin/wrk
NGINX=/usr/sbin/nginx
NGINX_SERVER=$HERE/nginx-server.sh
SINGLEUSER=/usr/bin/jupyterhub-singleuser
CHP=/usr/bin/configurable-http-proxy
DOTNET=$(command -v dotnet || true)
GH_DLL=""                    # the greyhub.dll in use (set in run_greyhub)
CLK_TCK=$(getconf CLK_TCK)
CLEAN_PATH=/usr/sbin:/usr/bin:/sbin:/bin

TMP=$(mktemp -d "${TMPDIR:-/tmp}/greyhub-compute-bench.XXXXXX")
RES=$TMP/results
mkdir -p "$RES"
declare -a TRACKED=()        # "pid|cmdline substring" of every process this script started
SERVER_PIDS=$TMP/server-pids # "pid|cmdline substring" of every single-user process the hubs started (found in /proc)
API_CLEANUP=""               # "base|admin token|users" of the running hub: on error its servers are stopped through its API first

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
stop_servers_left() {  # single-user processes the hubs started and did not stop (found via /proc, by PID)
    local line
    [[ -f $SERVER_PIDS ]] || return 0
    while IFS= read -r line; do
        [[ -n $line ]] && stop_pid "${line%%|*}" "${line#*|}"
    done < <(tac "$SERVER_PIDS")
    return 0
}
cleanup() {
    local rc=$? i entry b t u
    trap - EXIT INT TERM
    if [[ -n $API_CLEANUP ]]; then   # a hub may keep its servers running when it stops (Greyhub re-attaches)
        IFS='|' read -r b t u <<<"$API_CLEANUP"
        log "stopping the servers through the hub's API"
        $S stop --base "$b" --admin-token "$t" --users "$u" --pids "$SERVER_PIDS" --timeout 30 >/dev/null 2>&1 || true
    fi
    for ((i = ${#TRACKED[@]} - 1; i >= 0; i--)); do
        entry=${TRACKED[i]}
        stop_pid "${entry%%|*}" "${entry#*|}"
    done
    stop_servers_left
    if ((rc != 0)) && [[ -s $TMP/greyproxy/greyproxy.log ]]; then
        log "the last lines of greyhub proxy's log:"
        tail -30 "$TMP/greyproxy/greyproxy.log" >&2 || true
    fi
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
log_size() { awk -v b="$(stat -c %s "$1" 2>/dev/null || echo 0)" -v l="$(wc -l <"$1" 2>/dev/null || echo 0)" 'BEGIN{printf "%.1f MiB, %d lines", b/1048576, l}'; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
userlist() { local i; for ((i = 1; i <= NCONC; i++)); do printf '%su%d' "$([[ $i == 1 ]] || echo ,)" "$i"; done; }
create_users() {  # create_users BASE ADMIN_TOKEN: u1..uNCONC and "fast"; user tokens into $dir/tokens.json
    local base=$1 token=$2 dir=$3 u names
    names=$(userlist | $PY -c 'import json,sys; print(json.dumps({"usernames": sys.stdin.read().strip().split(",") + ["fast"]}))')
    api POST "$base/hub/api/users" "$token" "$names" >/dev/null
    echo '{}' >"$dir/tokens.json"
    for u in $(userlist | tr , ' '); do
        $S set "$dir/tokens.json" "$u" "\"$(api POST "$base/hub/api/users/$u/tokens" "$token" '{"note":"bench"}' | $H get token)\""
    done
}

# ---------- spawn rounds (same for both hubs) ----------
spawn_round() {  # spawn_round OUT.jsonl BASE ADMIN TOKENS USERS
    local out=$1 base=$2 admin=$3 tokens=$4 users=$5
    $S spawn --base "$base" --admin-token "$admin" --tokens "$tokens" --users "$users" \
        --pids-out "$SERVER_PIDS" --timeout 120 >"$out" || die "spawn round failed ($out)"
    if grep -q '"error"' "$out"; then
        log "spawn errors: $(grep -o '"error": "[^"]*"' "$out" | sort | uniq -c | head -5 | tr '\n' ' ')"
    fi
}
stop_round() {  # stop_round BASE ADMIN USERS
    local out
    out=$($S stop --base "$1" --admin-token "$2" --users "$3" --pids "$SERVER_PIDS" --timeout 60) \
        || die "stopping servers failed: $out"
    log "  stopped: $out"
}
spawn_series() {  # spawn_series HUBKEY BASE ADMIN DIR
    local hub=$1 base=$2 admin=$3 dir=$4 r users f
    users=$(userlist)
    log "$hub: warm-up spawn of u1 (not measured)"
    spawn_round "$dir/warmup.jsonl" "$base" "$admin" "$dir/tokens.json" u1
    grep -q '"error"' "$dir/warmup.jsonl" && die "warm-up spawn failed: $(cat "$dir/warmup.jsonl")"
    $S set "$RES/$hub.json" warmup_s "$($PY -c 'import json,sys; r=json.loads(open(sys.argv[1]).readline()); print(r["t_ready"]-r["t_post"])' "$dir/warmup.jsonl")"
    stop_round "$base" "$admin" u1
    for ((r = 1; r <= REPS; r++)); do
        f=$dir/spawn1-$r.jsonl
        spawn_round "$f" "$base" "$admin" "$dir/tokens.json" u1
        log "$hub: 1 user round $r: $($PY -c 'import json,sys; r=json.loads(open(sys.argv[1]).readline()); g=lambda a,b: "%.3f" % (r[b]-r[a]) if a in r and b in r else "-"; print("code", r.get("code"), "ready", g("t_post","t_ready"), "s, first 200", g("t_post","t_first200"), "s, own start", g("t_proc","t_serving"), "s, serving->ready", g("t_serving","t_ready"), "s")' "$f")"
        stop_round "$base" "$admin" u1
    done
    for ((r = 1; r <= REPS; r++)); do
        f=$dir/spawnN-$r.jsonl
        spawn_round "$f" "$base" "$admin" "$dir/tokens.json" "$users"
        log "$hub: $NCONC users round $r: $($S summary "$f" | $PY -c 'import json,sys; s=json.load(sys.stdin)["rounds"][0]; f=lambda x: "-" if x is None else "%.3f" % x; print("codes", s["codes"], "all ready", f(s["all_ready"]), "s, per-user ready", f(s["ready_med"]), "s, own start", f(s["own_start_med"]), "s, serving->ready med", f(s["notice_med"]), "max", f(s["notice_max"]), "s, errors", len(s["errors"]))')"
        stop_round "$base" "$admin" "$users"
    done
    $S set "$RES/$hub.json" spawn1 "$($S summary "$dir"/spawn1-*.jsonl)"
    $S set "$RES/$hub.json" spawnN "$($S summary "$dir"/spawnN-*.jsonl)"
}

# ---------- wrk runs ----------
FASTREQS=0   # requests sent through the proxy to the fast upstream so far (warm-ups included)
run_wrk() {  # run_wrk HUBKEY ID URL TOKEN "PROXY_PIDS" "UPSTREAM_PIDS" [fast]
    local hub=$1 id=$2 url=$3 token=$4 proxypids=$5 uppids=$6 fast=${7:-}
    local auth=() out=$TMP/wrk-$hub-$id.txt p0 p1 u0 u1 t0 t1 wall j
    [[ -n $token ]] && auth=(-H "Authorization: token $token")
    [[ $(http_code "${auth[@]}" "$url") == 200 ]] || die "$url does not answer 200 before the run"
    if [[ $WARMUP != 0 ]]; then
        $WRK -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "${auth[@]}" "$url" >"$out.warmup" 2>&1 || true
        [[ -n $fast ]] && FASTREQS=$((FASTREQS + $($S wrk "$out.warmup" | $H get requests)))
    fi
    p0=$($H cputicks $proxypids); u0=$($H cputicks $uppids); t0=$(date +%s.%N)
    $WRK -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "${auth[@]}" "$url" >"$out" 2>&1 \
        || die "wrk failed for $url: $(cat "$out")"
    t1=$(date +%s.%N); p1=$($H cputicks $proxypids); u1=$($H cputicks $uppids)
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')
    j=$($S wrk "$out")
    $S set "$RES/$hub.json" "wrk.$id" "$j"
    $S set "$RES/$hub.json" "wrk.$id.url" "\"${url#http://127.0.0.1}\""
    if [[ -n $proxypids ]]; then
        $S set "$RES/$hub.json" "wrk.$id.proxy_cpu" "$(awk -v d=$((p1 - p0)) -v c="$CLK_TCK" -v w="$wall" 'BEGIN{printf "%.0f", 100*d/c/w}')"
    fi
    if [[ -n $uppids ]]; then
        $S set "$RES/$hub.json" "wrk.$id.upstream_cpu" "$(awk -v d=$((u1 - u0)) -v c="$CLK_TCK" -v w="$wall" 'BEGIN{printf "%.0f", 100*d/c/w}')"
    fi
    if [[ -n $fast ]]; then
        FASTREQS=$((FASTREQS + $(echo "$j" | $H get requests)))
        $S set "$RES/$hub.json" "cpu.$id" "$(awk -v d=$((p1 - p0)) -v c="$CLK_TCK" -v w="$wall" 'BEGIN{printf "%.0f", 100*d/c/w}')"
        $S set "$RES/$hub.json" "percpu.$id" "$(awk -v r="$(echo "$j" | $H get rps)" -v d=$((p1 - p0)) -v c="$CLK_TCK" -v w="$wall" 'BEGIN{cpu = d/c/w; if (cpu > 0) printf "%.1f", r/cpu; else print "null"}')"
    fi
    log "$hub $id: $(echo "$j" | $PY -c 'import json,sys; j=json.load(sys.stdin); print("%s req/s, p50 %s ms, p99 %s ms, %s requests, non-2xx %s, socket errors %s" % (j["rps"], j.get("p50"), j.get("p99"), j["requests"], j["non2xx"], j["sockerr"]))')"
}
push_fast() {  # push_fast HUBKEY URL RPS PROXY_PID [SERIES_SO_FAR]: more wrk runs (<= PUSH_CHUNK s each) through the proxy until MEMREQS
    local hub=$1 url=$2 rps=$3 proxypid=$4 t0=$SECONDS left d n=0 out=$TMP/wrk-push.txt series
    series="[${5:+$5, }[$FASTREQS, $(rss_kib "$proxypid")]"
    while ((FASTREQS < MEMREQS && SECONDS - t0 < MEMMAX && n < 60)); do
        left=$((MEMREQS - FASTREQS))
        d=$(awk -v l="$left" -v r="$rps" -v c="$PUSH_CHUNK" -v m=$((MEMMAX - (SECONDS - t0))) 'BEGIN{d = int(l / (r > 0 ? r : 1000) * 1.05) + 1; if (d > c) d = c; if (d > m) d = m; if (d < 2) d = 2; print d}')
        $WRK -t"$THREADS" -c"$CONNECTIONS" -d"${d}s" "$url" >"$out" 2>&1 || die "wrk failed: $(cat "$out")"
        alive "$proxypid" || die "the proxy (pid $proxypid) died during the push"
        FASTREQS=$((FASTREQS + $($S wrk "$out" | $H get requests)))
        $S wrk "$out" >>"$TMP/push-$hub.jsonl"
        series+=", [$FASTREQS, $(rss_kib "$proxypid")]"
        n=$((n + 1))
        log "  push: ${d}s run, $FASTREQS requests so far, proxy VmRSS $(($(rss_kib "$proxypid") / 1024)) MiB"
    done
    $S set "$RES/$hub.json" rss.series "$series]"
    $S set "$RES/$hub.json" rss.push_s "$((SECONDS - t0))"
}

# ---------- the proxy part (same for both hubs once the routes exist) ----------
proxy_part() {  # proxy_part HUBKEY PUBLIC_BASE ADMIN DIR PROXY_PID FAST_DIRECT_URL FAST_PROXY_URL
    local hub=$1 base=$2 admin=$3 dir=$4 proxypid=$5 fast_direct=$6 fast_proxy=$7 u1tok u1url u1pid rps
    u1tok=$($H get u1 <"$dir/tokens.json")
    u1url=$($H get url <"$dir/u1.json")
    u1pid=$($H get pid <"$dir/u1.json")
    $S set "$RES/$hub.json" rss.proxy_before "$(rss_kib "$proxypid")"
    run_wrk "$hub" u1_proxy "$base/user/u1/api" "$u1tok" "$proxypid" "$u1pid"
    run_wrk "$hub" u1_direct "${u1url%/}/api" "$u1tok" "" "$u1pid"
    run_wrk "$hub" fast_direct "$fast_direct" "" "" ""
    nginx_proxy_run "$hub" "$fast_direct"
    FASTREQS=0
    run_wrk "$hub" fast_proxy "$fast_proxy" "" "$proxypid" "" fast
    rps=$($H get rps <<<"$($S wrk "$TMP/wrk-$hub-fast_proxy.txt")")
    log "$hub: pushing the proxy to $MEMREQS requests on the fast upstream (at most ${MEMMAX}s)"
    push_fast "$hub" "$fast_proxy" "$rps" "$proxypid"
    $S set "$RES/$hub.json" rss.requests "$FASTREQS"
    $S set "$RES/$hub.json" rss.proxy_after "$(rss_kib "$proxypid")"
    log "$hub: proxy VmRSS $(($(rss_kib "$proxypid") / 1024)) MiB after $FASTREQS requests to the fast upstream"
}
NGINX_PROXY_PID=""; NGINX_PROXY_URL=""
start_nginx_proxy() {  # start_nginx_proxy KEY FAST_DIRECT_URL: the reference proxy (nginx, 1 worker, kept-alive upstream)
    local key=$1 direct=$2 hostport port path dir=$TMP/nginx-proxy-$1
    hostport=${direct#http://}; hostport=${hostport%%/*}
    path=${direct#http://$hostport}
    port=$($H ports 1)
    mkdir -p "$dir/logs" "$dir/tmp"
    cat >"$dir/nginx.conf" <<NGINXCONF
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $dir/tmp/body; proxy_temp_path $dir/tmp/proxy; fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi; scgi_temp_path $dir/tmp/scgi;
    upstream fast { server $hostport; keepalive 64; }
    server {
        listen 127.0.0.1:$port;
        location / { proxy_pass http://fast; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host \$host; }
    }
}
NGINXCONF
    $NGINX -c "$dir/nginx.conf" -p "$dir" >"$dir/stderr.log" 2>&1 &
    NGINX_PROXY_PID=$!
    track "$NGINX_PROXY_PID" "nginx"
    NGINX_PROXY_URL="http://127.0.0.1:$port$path"
    wait_200 "$NGINX_PROXY_URL" 20 "$NGINX_PROXY_PID"
}
nginx_proxy_run() {  # nginx_proxy_run HUBKEY FAST_DIRECT_URL: one measured run through the reference proxy
    local hub=$1 worker
    start_nginx_proxy "$hub" "$2"
    worker=$(pgrep -P "$NGINX_PROXY_PID" | head -1)
    run_wrk "$hub" fast_nginxproxy "$NGINX_PROXY_URL" "" "${worker:-$NGINX_PROXY_PID}" ""
    stop_pid "$NGINX_PROXY_PID" "nginx"
}

GP_PID=""; GP_PORT=""; GP_API=""; GP_TOKEN=""; GP_DIR=$TMP/greyproxy
start_greyproxy() {  # start_greyproxy: `greyhub proxy` (same dll) on free ports with a random token, as JupyterHub starts CHP
    local extra=() r
    read -r GP_PORT GP_API < <($H ports 2 | tr '\n' ' '; echo)
    GP_TOKEN=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
    mkdir -p "$GP_DIR/home"
    read -r -a extra <<<"$GREYHUB_ENV"
    (cd "$GP_DIR" && exec env -i PATH=$CLEAN_PATH LANG=C.UTF-8 HOME="$GP_DIR/home" CONFIGPROXY_AUTH_TOKEN="$GP_TOKEN" "${extra[@]}" \
        "$DOTNET" "$GH_DLL" proxy --ip 127.0.0.1 --port "$GP_PORT" --api-ip 127.0.0.1 --api-port "$GP_API" \
        --data-dir "$GP_DIR/data" >"$GP_DIR/greyproxy.log" 2>&1) &
    GP_PID=$!
    track "$GP_PID" "greyhub.dll"
    for ((r = 0; r < 300; r++)); do
        [[ $(http_code -H "Authorization: token $GP_TOKEN" "http://127.0.0.1:$GP_API/api/routes") == 200 ]] && break
        alive "$GP_PID" || die "greyhub proxy exited at start: $(tail -20 "$GP_DIR/greyproxy.log")"
        sleep 0.1
    done
    [[ $(http_code -H "Authorization: token $GP_TOKEN" "http://127.0.0.1:$GP_API/api/routes") == 200 ]] \
        || die "greyhub proxy's REST API does not answer: $(tail -20 "$GP_DIR/greyproxy.log")"
    $S set "$RES/greyproxy.json" desc "\"\`dotnet greyhub.dll proxy --ip 127.0.0.1 --port P --api-ip 127.0.0.1 --api-port A --data-dir <tmp>\` (the build above), CONFIGPROXY_AUTH_TOKEN=<random>, env -i PATH=$CLEAN_PATH${GREYHUB_ENV:+, plus $GREYHUB_ENV}, default log level (info)\""
}
start_nginx_any() {  # start_nginx_any: a catch-all nginx (200 on every path) as the route-change target; echo its base
    local port dir=$TMP/nginx-any
    port=$($H ports 1)
    mkdir -p "$dir/logs" "$dir/tmp"
    cat >"$dir/nginx.conf" <<NGINXCONF
$([[ $(id -u) == 0 ]] && echo 'user root;')
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path $dir/tmp/body; proxy_temp_path $dir/tmp/proxy; fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi; scgi_temp_path $dir/tmp/scgi;
    server { listen 127.0.0.1:$port; location / { return 200 "ok\n"; } }
}
NGINXCONF
    $NGINX -c "$dir/nginx.conf" -p "$dir" >"$dir/stderr.log" 2>&1 &
    NGINX_ANY_PID=$!
    track "$NGINX_ANY_PID" "nginx"
    NGINX_ANY_URL=http://127.0.0.1:$port
    wait_200 "$NGINX_ANY_URL/any/x.txt" 20 "$NGINX_ANY_PID"
}
route_change_standalone() {  # route_change_standalone KEY API_BASE TOKEN PROXY_BASE PID
    local key=$1 apibase=$2 token=$3 pbase=$4 pid=$5
    ((ROUTE_N > 0)) || return 0
    $S routelat --api "$apibase" --token "$token" --proxy "$pbase" --target "$NGINX_ANY_URL" --n "$ROUTE_N" \
        --interval "$ROUTE_INTERVAL" >"$TMP/route-$key.jsonl" || die "route-change runs failed for $key"
    alive "$pid" || die "$key (pid $pid) died during the route-change runs"
    $S routesum "$TMP/route-$key.jsonl" >"$RES/route-$key.json"
    log "  route change, $key: $($PY -c 'import json,sys; r=json.load(sys.stdin); f=lambda v: "-" if v is None else "%.1f ms" % (1000 * v); print("n", r["n"], "median", f(r["med"]), "max", f(r["max"]), "errors", r["n_errors"], "before:", r["before"])' <"$RES/route-$key.json")"
}
route_change_hub() {  # route_change_hub BASE ADMIN: in-process Greyhub, ROUTE_N spawns of user rt (profile nginx): ready -> first 200
    local base=$1 admin=$2 i f
    ((ROUTE_N > 0)) || return 0
    log "route changes: $ROUTE_N spawns of user rt (profile nginx) through in-process Greyhub (ready -> first 200 on /user/rt/x.txt)"
    api POST "$base/hub/api/users" "$admin" '{"usernames":["rt"]}' >/dev/null
    API_CLEANUP+=",rt"
    for ((i = 1; i <= ROUTE_N; i++)); do
        f=$TMP/route-hub-$i.json
        $S spawn --base "$base" --admin-token "$admin" --users rt --body '{"profile": "nginx"}' --pattern nginx \
            --first200-path x.txt --tight --poll-interval "$ROUTE_INTERVAL" --timeout 30 --pids-out "$TMP/rt-pids" >"$f" \
            || { cat "$TMP/rt-pids" >>"$SERVER_PIDS" 2>/dev/null; die "spawning rt failed"; }
        grep -q '"error"' "$f" && log "  route change, greyhub in-process: $(cat "$f")"
        cat "$f" >>"$TMP/route-greyhub.jsonl"
        # stop rt alone (its own PID file: the stop waits for every recorded PID to be gone, u1's and fast's are still up)
        $S stop --base "$base" --admin-token "$admin" --users rt --pids "$TMP/rt-pids" --timeout 60 >"$TMP/rt-stop.json" \
            || { cat "$TMP/rt-pids" >>"$SERVER_PIDS"; die "stopping rt failed: $(cat "$TMP/rt-stop.json")"; }
        cat "$TMP/rt-pids" >>"$SERVER_PIDS"; rm -f "$TMP/rt-pids"
    done
    $S routesum "$TMP/route-greyhub.jsonl" >"$RES/route-greyhub.json"
    log "  route change, greyhub in-process: $($PY -c 'import json,sys; r=json.load(sys.stdin); f=lambda v: "-" if v is None else "%.1f ms" % (1000 * v); print("n", r["n"], "ready -> 200 median", f(r["med"]), "max", f(r["max"]), "(POST -> 200 median", f(r.get("post_med")), "), errors", r["n_errors"])' <"$RES/route-greyhub.json")"
}
wrk_requests() { $S wrk "$1" | $H get requests; }
greyproxy_rss_point() { GP_SERIES+="${GP_SERIES:+, }[$GPREQS, $(rss_kib "$GP_PID")]"; }
GPREQS=0; GP_SERIES=""

# ---------- interleaved proxy runs: Greyhub (in-process, own process), CHP and nginx in front of one upstream, in turn ----------
proxy_duel() {  # proxy_duel GREYHUB_FAST_URL GREYHUB_PID FAST_DIRECT_URL GREYHUB_U1_URL U1_DIRECT_URL U1_TOKEN
    local gh_url=$1 gh_pid=$2 direct=$3 gh_u1=$4 u1_direct=$5 u1_token=$6 u1_hostport u1_path hostport path chp_port chp_api chp_token chp_pid ng_worker r t name url pid out p0 p1 t0 t1 names rps
    ((DUEL_ROUNDS > 0)) || return 0
    [[ -x $CHP ]] || die "$CHP missing (Debian package node-configurable-http-proxy, pulled in by jupyterhub)"
    hostport=${direct#http://}; hostport=${hostport%%/*}
    path=${direct#http://$hostport}
    read -r chp_port chp_api < <($H ports 2 | tr '\n' ' '; echo)
    chp_token=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
    # CHP as JupyterHub runs it (same binary, NODE_PATH, default log level), with the route JupyterHub would add.
    env -i PATH=$CLEAN_PATH NODE_PATH=/usr/share/nodejs CONFIGPROXY_AUTH_TOKEN="$chp_token" \
        "$CHP" --ip 127.0.0.1 --port "$chp_port" --api-ip 127.0.0.1 --api-port "$chp_api" >"$TMP/chp-duel.log" 2>&1 &
    chp_pid=$!
    track "$chp_pid" "configurable-http-proxy"
    for ((r = 0; r < 100; r++)); do [[ $(http_code -H "Authorization: token $chp_token" "http://127.0.0.1:$chp_api/api/routes") == 200 ]] && break; sleep 0.1; done
    api POST "http://127.0.0.1:$chp_api/api/routes/user/fast" "$chp_token" "{\"target\": \"http://$hostport\"}" >/dev/null
    wait_200 "http://127.0.0.1:$chp_port$path" 20 "$chp_pid"
    names="greyhub chp nginx"
    if [[ $GREYPROXY == 1 ]]; then
        # `greyhub proxy`: the same command line and the same REST call as CHP
        start_greyproxy
        api POST "http://127.0.0.1:$GP_API/api/routes/user/fast" "$GP_TOKEN" "{\"target\": \"http://$hostport\"}" >/dev/null
        wait_200 "http://127.0.0.1:$GP_PORT$path" 20 "$GP_PID"
        GPREQS=0; GP_SERIES=""
        $S set "$RES/greyproxy.json" rss.proxy_before "$(rss_kib "$GP_PID")"
        greyproxy_rss_point
        names="greyhub greyproxy chp nginx"
    fi
    start_nginx_proxy duel "$direct"
    ng_worker=$(pgrep -P "$NGINX_PROXY_PID" | head -1)
    log "interleaved proxy runs: $DUEL_ROUNDS rounds of ${names// /, } (CHP standalone pid $chp_pid${GP_PID:+, greyhub proxy pid $GP_PID}), ${DUEL_DURATION} each with wrk -t ${DUEL_THREADS// /, -t }, one upstream ($hostport)"
    duel_url() {  # duel_url NAME -> url and pid (globals DU_URL, DU_PID)
        case $1 in
            greyhub) DU_URL=$gh_url; DU_PID=$gh_pid ;;
            greyproxy) DU_URL="http://127.0.0.1:$GP_PORT$path"; DU_PID=$GP_PID ;;
            chp) DU_URL="http://127.0.0.1:$chp_port$path"; DU_PID=$chp_pid ;;
            nginx) DU_URL=$NGINX_PROXY_URL; DU_PID=${ng_worker:-$NGINX_PROXY_PID} ;;
        esac
    }
    for name in $names; do   # one unreported warm-up each
        duel_url "$name"
        out=$TMP/duel-warmup-$name.txt
        $WRK -t"$THREADS" -c"$CONNECTIONS" -d"$DUEL_DURATION" "$DU_URL" >"$out" 2>&1 || die "wrk failed for $DU_URL: $(cat "$out")"
        [[ $name == greyproxy ]] && GPREQS=$((GPREQS + $(wrk_requests "$out")))
    done
    [[ $GREYPROXY == 1 ]] && greyproxy_rss_point
    for ((r = 1; r <= DUEL_ROUNDS; r++)); do
        for t in $DUEL_THREADS; do
            for name in $names; do
                duel_url "$name"; url=$DU_URL; pid=$DU_PID
                out=$TMP/duel-$name-$r-t$t.txt
                p0=$($H cputicks "$pid"); t0=$(date +%s.%N)
                $WRK -t"$t" -c"$CONNECTIONS" -d"$DUEL_DURATION" --latency "$url" >"$out" 2>&1 || die "wrk failed for $url: $(cat "$out")"
                t1=$(date +%s.%N); p1=$($H cputicks "$pid")
                alive "$pid" || die "$name (pid $pid) died during its interleaved run"
                $S wrk "$out" | $PY -c 'import json,sys; j=json.load(sys.stdin); j.update(proxy=sys.argv[1], round=int(sys.argv[2]), threads=int(sys.argv[3]), cpu_s=float(sys.argv[4]), wall=float(sys.argv[5])); print(json.dumps(j))' \
                    "$name" "$r" "$t" "$(awk -v d=$((p1 - p0)) -v c="$CLK_TCK" 'BEGIN{print d/c}')" "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')" >>"$TMP/duel.jsonl"
                [[ $name == greyproxy ]] && GPREQS=$((GPREQS + $(wrk_requests "$out")))
            done
            log "  round $r, wrk -t$t: $(tail -"$(wc -w <<<"$names")" "$TMP/duel.jsonl" | $PY -c 'import json,sys; print(", ".join("%s %.0f req/s p99 %s ms" % (j["proxy"], j["rps"], j.get("p99")) for j in map(json.loads, sys.stdin)))')"
        done
        [[ $GREYPROXY == 1 ]] && greyproxy_rss_point
    done
    $S duel "$TMP/duel.jsonl" >"$RES/duel.json"
    stop_pid "$NGINX_PROXY_PID" "nginx"

    # The same for the single-user server's /api (Python, ~1.5k req/s): the proxies and the server's own port in turn.
    u1_hostport=${u1_direct#http://}; u1_hostport=${u1_hostport%%/*}
    u1_path=${u1_direct#http://$u1_hostport}
    api POST "http://127.0.0.1:$chp_api/api/routes/user/u1" "$chp_token" "{\"target\": \"http://$u1_hostport\"}" >/dev/null
    names="greyhub chp direct"
    if [[ $GREYPROXY == 1 ]]; then
        api POST "http://127.0.0.1:$GP_API/api/routes/user/u1" "$GP_TOKEN" "{\"target\": \"http://$u1_hostport\"}" >/dev/null
        names="greyhub greyproxy chp direct"
    fi
    log "interleaved single-user runs: $DUEL_ROUNDS rounds of ${names// /, } on $u1_path, ${DUEL_DURATION} each with wrk -t$THREADS"
    for ((r = 0; r <= DUEL_ROUNDS; r++)); do   # round 0: an unreported warm-up
        for name in $names; do
            case $name in
                greyhub) url=$gh_u1; pid=$gh_pid ;;
                greyproxy) url="http://127.0.0.1:$GP_PORT$u1_path"; pid=$GP_PID ;;
                chp) url="http://127.0.0.1:$chp_port$u1_path"; pid=$chp_pid ;;
                direct) url=$u1_direct; pid="" ;;
            esac
            out=$TMP/duel-u1-$name-$r.txt
            p0=$([[ -n $pid ]] && $H cputicks "$pid" || echo 0); t0=$(date +%s.%N)
            $WRK -t"$THREADS" -c"$CONNECTIONS" -d"$DUEL_DURATION" --latency -H "Authorization: token $u1_token" "$url" >"$out" 2>&1 \
                || die "wrk failed for $url: $(cat "$out")"
            t1=$(date +%s.%N); p1=$([[ -n $pid ]] && $H cputicks "$pid" || echo 0)
            [[ $name == greyproxy ]] && GPREQS=$((GPREQS + $(wrk_requests "$out")))
            ((r > 0)) || continue
            $S wrk "$out" | $PY -c 'import json,sys; j=json.load(sys.stdin); j.update(proxy=sys.argv[1], round=int(sys.argv[2]), threads=int(sys.argv[3]), cpu_s=float(sys.argv[4]), wall=float(sys.argv[5])); print(json.dumps(j))' \
                "$name" "$r" "$THREADS" "$(awk -v d=$((p1 - p0)) -v c="$CLK_TCK" 'BEGIN{print d/c}')" "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')" >>"$TMP/duel-u1.jsonl"
        done
        ((r > 0)) && log "  round $r: $(tail -"$(wc -w <<<"$names")" "$TMP/duel-u1.jsonl" | $PY -c 'import json,sys; print(", ".join("%s %.0f req/s p99 %s ms" % (j["proxy"], j["rps"], j.get("p99")) for j in map(json.loads, sys.stdin)))')"
    done
    $S duel "$TMP/duel-u1.jsonl" >"$RES/duel-u1.json"
    [[ $GREYPROXY == 1 ]] && greyproxy_rss_point

    # Route changes through the standalone proxies' REST API: POST /api/routes/<fresh path> -> first 200 through the proxy.
    if ((ROUTE_N > 0)); then
        start_nginx_any
        log "route changes: $ROUTE_N per standalone proxy (POST /api/routes -> first 200, polled every ${ROUTE_INTERVAL}s)"
        [[ $GREYPROXY == 1 ]] && route_change_standalone greyproxy "http://127.0.0.1:$GP_API" "$GP_TOKEN" "http://127.0.0.1:$GP_PORT" "$GP_PID"
        route_change_standalone chp "http://127.0.0.1:$chp_api" "$chp_token" "http://127.0.0.1:$chp_port" "$chp_pid"
        stop_pid "$NGINX_ANY_PID" "nginx"
        if [[ $GREYPROXY == 1 ]]; then
            GPREQS=$((GPREQS + 2 * ROUTE_N)); greyproxy_rss_point
        fi
    fi
    stop_pid "$chp_pid" "configurable-http-proxy"

    # `greyhub proxy`'s memory: the requests of the interleaved runs count; push the rest of MEMREQS through it.
    if [[ $GREYPROXY == 1 ]]; then
        rps=$($H get rps <<<"$($S wrk "$TMP/duel-greyproxy-1-t$THREADS.txt" 2>/dev/null || $S wrk "$TMP/duel-warmup-greyproxy.txt")")
        FASTREQS=$GPREQS
        log "greyhub proxy: pushing it to $MEMREQS requests on the fast upstream (at most ${MEMMAX}s; $GPREQS so far)"
        push_fast greyproxy "http://127.0.0.1:$GP_PORT$path" "$rps" "$GP_PID" "$GP_SERIES"
        $S set "$RES/greyproxy.json" rss.requests "$FASTREQS"
        $S set "$RES/greyproxy.json" rss.proxy_after "$(rss_kib "$GP_PID")"
        log "greyhub proxy: VmRSS $(($(rss_kib "$GP_PID") / 1024)) MiB after $FASTREQS requests"
        alive "$GP_PID" || die "greyhub proxy died"
        stop_pid "$GP_PID" "greyhub.dll"
        greyproxy_notes
    fi
}
greyproxy_notes() {  # the standalone proxy's log: size, warnings/errors (by category), an exit code if it was not 0 on TERM
    local logf=$GP_DIR/greyproxy.log notes
    notes=$($PY - "$logf" <<'PYEOF'
import json, re, sys, collections
text = open(sys.argv[1], encoding="utf-8", errors="replace").read().splitlines()
levels = collections.Counter()
first = collections.OrderedDict()
for i, line in enumerate(text):
    m = re.match(r"^(warn|fail|crit|error|dbug|trce|info): (\S+)", line)
    if m:
        levels[m.group(1)] += 1
        if m.group(1) in ("warn", "fail", "crit", "error"):
            msg = text[i + 1].strip() if i + 1 < len(text) else ""
            key = m.group(1) + " " + m.group(2)
            first.setdefault(key, [0, msg[:160]])
            first[key][0] += 1
    elif re.search(r"Unhandled exception|Segmentation|core dumped|OutOfMemory", line):
        first.setdefault("crash", [0, line[:160]])
        first["crash"][0] += 1
notes = ["log at the end: %d lines, %s" % (len(text), ", ".join("%s %d" % kv for kv in sorted(levels.items())) or "no log entries")]
for key, (n, msg) in list(first.items())[:8]:
    notes.append("%s × %d, first: %s" % (key, n, msg))
print(json.dumps(notes))
PYEOF
)
    $S set "$RES/greyproxy.json" notes "$notes"
}
spawn_u1() {  # spawn_u1 BASE ADMIN DIR: start u1's server for the proxy runs, its record (url, pid) into DIR/u1.json
    local base=$1 admin=$2 dir=$3
    $S spawn --base "$base" --admin-token "$admin" --tokens "$dir/tokens.json" --users u1 --pids-out "$SERVER_PIDS" >"$dir/u1.json" \
        || die "spawning u1 failed"
    grep -q '"error"' "$dir/u1.json" && die "spawning u1 failed: $(cat "$dir/u1.json")"
    [[ -n $($H get url <"$dir/u1.json") ]] || die "u1's server not found in /proc"
}

# ---------- Greyhub ----------
GH_BUILD_DESC=""
run_greyhub() {
    local src=$REPO port base pid dir=$TMP/greyhub data admin_token dll ngbase fasturl i f args=()
    mkdir -p "$dir/home"
    data=$dir/data
    if [[ -n $GREYHUB_DLL ]]; then
        GH_BUILD_DESC="prebuilt ${GREYHUB_DESC:-$GREYHUB_DLL}"
    elif [[ -n $GREYHUB_REF ]]; then
        src=$TMP/src
        mkdir -p "$src"
        git -C "$REPO" archive --format=tar "$GREYHUB_REF" | tar -x -C "$src"
        GH_BUILD_DESC="clean snapshot of $(git -C "$REPO" rev-parse --short "$GREYHUB_REF") ($(git -C "$REPO" log -1 --format=%s "$GREYHUB_REF"))"
    else
        local dirty
        local deps=(src/Greyhub.Host src/Greyhub.Hub src/Greyhub.Data src/Greyhub.Scopes src/Greyhub.Abstractions src/Greyhub.Compute.Local src/Greyhub.Spawners.Engine)
        dirty=$(git -C "$REPO" status --porcelain -- "${deps[@]}" | wc -l)
        GH_BUILD_DESC="working tree at $(git -C "$REPO" rev-parse --short HEAD) ($(git -C "$REPO" log -1 --format=%s HEAD | cut -c1-100))"
        ((dirty == 0)) || GH_BUILD_DESC+=", plus $dirty uncommitted change(s)"
    fi
    dll=${GREYHUB_DLL:-$src/src/Greyhub.Host/bin/Release/net10.0/greyhub.dll}
    if [[ -z $GREYHUB_DLL ]] && [[ $SKIP_BUILD != 1 || -n $GREYHUB_REF ]]; then
        log "building Greyhub (Release) in $src"
        (cd "$src" && dotnet build -c Release src/Greyhub.Host >"$TMP/greyhub-build.log" 2>&1) \
            || { tail -30 "$TMP/greyhub-build.log" >&2; die "Greyhub build failed"; }
    fi
    [[ -f $dll ]] || die "missing $dll"
    GH_DLL=$dll
    $S set "$RES/greyhub.json" desc "\"$GH_BUILD_DESC; Release build, \`dotnet greyhub.dll serve\` (hub + in-process proxy on one port), sqlite data dir, env -i PATH=$CLEAN_PATH${GREYHUB_ENV:+, plus $GREYHUB_ENV}\""

    # single-user command (+ --allow-root as root, as for JupyterHub) and the "nginx" profile for the fast upstream
    ngbase=$TMP/nginx-servers
    mkdir -p "$ngbase"
    local genv=(PATH=$CLEAN_PATH LANG=C.UTF-8 HOME="$dir/home"
        Greyhub__Spawner__Command__0=$SINGLEUSER
        Greyhub__Spawner__Profiles__0__Name=default
        Greyhub__Spawner__Profiles__1__Name=nginx
        Greyhub__Spawner__Profiles__1__Command__0=/bin/sh
        Greyhub__Spawner__Profiles__1__Command__1=$NGINX_SERVER
        Greyhub__Spawner__Profiles__1__Command__2=$ngbase
        Greyhub__Spawner__Profiles__1__Args=
        Greyhub__Compute__Local__JobsDirectory="$dir/jobs")
    [[ $(id -u) == 0 ]] && genv+=(Greyhub__Spawner__Args__0=--allow-root)
    local extra=()
    read -r -a extra <<<"$GREYHUB_ENV"
    genv+=("${extra[@]}")

    port=$($H ports 1)
    base=http://127.0.0.1:$port
    admin_token=$(env -i "${genv[@]}" "$DOTNET" "$dll" token --admin --data-dir "$data" bench-admin 2>>"$TMP/greyhub-token.log") \
        || { cat "$TMP/greyhub-token.log" >&2; die "greyhub token failed"; }
    admin_token=$(printf '%s' "$admin_token" | tail -1 | tr -d '[:space:]')
    [[ -n $admin_token ]] || die "empty admin token"

    log "starting Greyhub on $base"
    (cd "$dir" && exec env -i "${genv[@]}" "$DOTNET" "$dll" serve --urls "$base" --data-dir "$data" >"$dir/greyhub.log" 2>&1) &
    pid=$!
    track "$pid" "greyhub.dll"
    wait_200 "$base/hub/api/" 60 "$pid"
    log "creating u1..u$NCONC, fast, and user tokens"
    create_users "$base" "$admin_token" "$dir"
    API_CLEANUP="$base|$admin_token|$(userlist),fast"

    spawn_series greyhub "$base" "$admin_token" "$dir"

    log "greyhub: starting u1's server and the fast upstream (user fast, profile nginx)"
    spawn_u1 "$base" "$admin_token" "$dir"
    $S spawn --base "$base" --admin-token "$admin_token" --users fast --body '{"profile": "nginx"}' --pattern nginx \
        --no-first200 --pids-out "$SERVER_PIDS" >"$dir/fast.json" || die "spawning fast failed"
    grep -q '"error"' "$dir/fast.json" && die "spawning fast (profile nginx) failed: $(cat "$dir/fast.json")"
    fasturl=
    for i in $(seq 50); do
        for f in "$ngbase"/*/service-url; do
            [[ -f $f ]] && [[ $(cat "$f") == */user/fast/ ]] && fasturl=$(cat "$f") && break 2
        done
        sleep 0.1
    done
    [[ -n $fasturl ]] || die "the nginx profile's server did not write its service-url under $ngbase (is it nginx-server.sh?)"
    f=${f%/service-url}/nginx.pid
    [[ -f $f ]] && echo "$(cat "$f")|nginx: master" >>"$SERVER_PIDS"
    [[ $(http_code "$base/user/fast/x.txt") == 200 ]] || die "$base/user/fast/x.txt does not answer 200 through Greyhub"

    proxy_part greyhub "$base" "$admin_token" "$dir" "$pid" "${fasturl%/}/x.txt" "$base/user/fast/x.txt"
    proxy_duel "$base/user/fast/x.txt" "$pid" "${fasturl%/}/x.txt" "$base/user/u1/api" "$($H get url <"$dir/u1.json" | sed 's:/$::')/api" \
        "$($H get u1 <"$dir/tokens.json")"
    $S set "$RES/greyhub.json" rss.hub_after "$(rss_kib "$pid")"
    route_change_hub "$base" "$admin_token"

    stop_round "$base" "$admin_token" "u1,fast"
    API_CLEANUP=""
    log "stopping Greyhub"
    stop_pid "$pid" "greyhub.dll"
    $S set "$RES/greyhub.json" notes "[\"hub log (stdout+stderr) at the end: $(log_size "$dir/greyhub.log")\"]"
    stop_servers_left
}

# ---------- JupyterHub 3.0 + CHP ----------
run_jupyterhub() {
    local dir=$TMP/jupyterhub ports pub hubp chpapi cfg svc_token chp_token pid chp_pid base direct admin_token
    local ngport ngpid fasturl ver
    mkdir -p "$dir/home"
    mapfile -t ports < <($H ports 4)
    pub=${ports[0]}; hubp=${ports[1]}; chpapi=${ports[2]}; ngport=${ports[3]}
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
c.JupyterHub.spawner_class = 'jupyterhub.spawner.SimpleLocalProcessSpawner'
c.SimpleLocalProcessSpawner.home_dir_template = '$dir/home/{username}'
c.Spawner.cmd = ['$SINGLEUSER']
c.Spawner.args = $([[ $(id -u) == 0 ]] && echo "['--allow-root']" || echo "[]")
c.JupyterHub.db_url = 'sqlite:///$dir/jupyterhub.sqlite'
c.JupyterHub.cookie_secret_file = '$dir/jupyterhub_cookie_secret'
c.JupyterHub.pid_file = '$dir/jupyterhub.pid'
c.JupyterHub.services = [{'name': 'bench', 'api_token': os.environ['JHB_ADMIN_TOKEN']}]
c.JupyterHub.load_roles = [{'name': 'admin', 'services': ['bench']}]
EOF
    ver=$(dpkg-query -W -f='${Version}' jupyterhub 2>/dev/null || echo '?')
    $S set "$RES/jupyterhub.json" desc "\"Debian jupyterhub $ver, SimpleLocalProcessSpawner, Spawner.cmd=[$SINGLEUSER]$([[ $(id -u) == 0 ]] && echo ' --allow-root'), cleanup_servers default, DummyAuthenticator, sqlite, CHP $(dpkg-query -W -f='${Version}' node-configurable-http-proxy 2>/dev/null || echo '?') started by the hub (NODE_PATH=/usr/share/nodejs), env -i PATH=$CLEAN_PATH, INFO logging\""
    base=http://127.0.0.1:$pub
    direct=http://127.0.0.1:$hubp
    log "starting JupyterHub 3.0: public (CHP) $base, hub $direct, CHP API :$chpapi"
    (cd "$dir" && exec env -i PATH=$CLEAN_PATH LANG=C.UTF-8 HOME="$dir" NODE_PATH=/usr/share/nodejs \
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

    log "creating bench-admin, u1..u$NCONC, fast, and user tokens"
    api POST "$direct/hub/api/users" "$svc_token" '{"usernames":["bench-admin"],"admin":true}' >/dev/null
    admin_token=$(api POST "$direct/hub/api/users/bench-admin/tokens" "$svc_token" '{"note":"bench"}' | $H get token)
    create_users "$direct" "$admin_token" "$dir"
    API_CLEANUP="$base|$admin_token|$(userlist)"

    spawn_series jupyterhub "$base" "$admin_token" "$dir"

    log "jupyterhub: starting u1's server and the fast upstream (our nginx, route /user/fast in CHP)"
    spawn_u1 "$base" "$admin_token" "$dir"
    mkdir -p "$TMP/nginx-servers"
    (exec env -i PATH=$CLEAN_PATH JUPYTERHUB_SERVICE_URL="http://127.0.0.1:$ngport/user/fast/" \
        JUPYTERHUB_SERVICE_PREFIX=/user/fast/ NGINX=$NGINX /bin/sh "$NGINX_SERVER" "$TMP/nginx-servers" >"$dir/nginx-server.log" 2>&1) &
    ngpid=$!
    track "$ngpid" "nginx"
    fasturl=http://127.0.0.1:$ngport/user/fast/x.txt
    wait_200 "$fasturl" 20 "$ngpid"
    api POST "http://127.0.0.1:$chpapi/api/routes/user/fast" "$chp_token" "{\"target\": \"http://127.0.0.1:$ngport\"}" >/dev/null
    [[ $(http_code "$base/user/fast/x.txt") == 200 ]] || die "$base/user/fast/x.txt does not answer 200 through CHP"

    proxy_part jupyterhub "$base" "$admin_token" "$dir" "$chp_pid" "$fasturl" "$base/user/fast/x.txt"
    $S set "$RES/jupyterhub.json" rss.hub_after "$(rss_kib "$pid")"

    stop_round "$base" "$admin_token" u1
    API_CLEANUP=""
    stop_pid "$ngpid" "nginx"
    log "stopping JupyterHub"
    stop_pid "$pid" "jupyterhub"
    $S set "$RES/jupyterhub.json" notes "[\"hub + CHP log at the end: $(log_size "$dir/jupyterhub.log")\"]"
    stop_pid "$chp_pid" "configurable-http-proxy"
    stop_servers_left
}

# ---------- main ----------
[[ -x $WRK ]] || die "wrk not found at $WRK"
[[ -x $NGINX ]] || die "nginx not found at $NGINX (apt-get install nginx-light; the benchmark starts its own instances)"
[[ -x $SINGLEUSER ]] || die "$SINGLEUSER missing (Debian package jupyterhub)"
[[ -x /usr/bin/jupyterhub ]] || [[ $HUBS != *jupyterhub* ]] || die "/usr/bin/jupyterhub missing (Debian package jupyterhub)"
[[ -n $DOTNET ]] || [[ $HUBS != *greyhub* ]] || die "dotnet not found"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
log "temp folder $TMP; settings: REPS=$REPS NCONC=$NCONC DURATION=$DURATION CONNECTIONS=$CONNECTIONS THREADS=$THREADS WARMUP=$WARMUP MEMREQS=$MEMREQS MEMMAX=$MEMMAX PUSH_CHUNK=$PUSH_CHUNK HUBS=\"$HUBS\" DUEL_ROUNDS=$DUEL_ROUNDS DUEL_THREADS=\"$DUEL_THREADS\" GREYPROXY=$GREYPROXY ROUTE_N=$ROUTE_N"
for hub in $HUBS; do
    case $hub in
        greyhub) run_greyhub ;;
        jupyterhub) run_jupyterhub ;;
        *) die "unknown hub $hub" ;;
    esac
done

STAMP=$(date -u +%Y-%m-%dT%H%MZ)
$S set "$RES/meta.json" stamp "\"$STAMP\""
$S set "$RES/meta.json" cores "$(nproc)"
$S set "$RES/meta.json" mem "\"$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)\""
$S set "$RES/meta.json" load "\"$LOAD_START\""
$S set "$RES/meta.json" reps "$REPS"
$S set "$RES/meta.json" nconc "$NCONC"
$S set "$RES/meta.json" threads "$THREADS"
$S set "$RES/meta.json" connections "$CONNECTIONS"
$S set "$RES/meta.json" duration "\"$DURATION\""
$S set "$RES/meta.json" warmup "\"$WARMUP\""
mkdir -p "$REPO/benchmarks/results"
OUT=$REPO/benchmarks/results/compute-$STAMP.md
$S report "$RES" >"$OUT"
cp "$RES/greyhub.json" "$REPO/benchmarks/results/compute-$STAMP.greyhub.json" 2>/dev/null || true
cp "$RES/jupyterhub.json" "$REPO/benchmarks/results/compute-$STAMP.jupyterhub.json" 2>/dev/null || true
cp "$RES/greyproxy.json" "$REPO/benchmarks/results/compute-$STAMP.greyproxy.json" 2>/dev/null || true
for f in "$RES"/duel.json "$RES"/duel-u1.json "$RES"/route-*.json; do   # interleaved runs and route changes
    [[ -f $f ]] && cp "$f" "$REPO/benchmarks/results/compute-$STAMP.$(basename "$f")"
done
echo
cat "$OUT"
echo
log "written to $OUT"
