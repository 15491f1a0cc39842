#!/usr/bin/env bash
# A fresh clone → the notebook's UI, following README.md only: clone, `users add --admin`, `dotnet run --project
# src/Greyhub.Host`, sign in, press Start (measured by the Greyhub.FirstHour console in Chromium). See README.md.
#   NUGET=cached     the user's NuGet package folder as it is (default)
#   NUGET=uncached   empty NuGet package and HTTP caches in the temp folder: every package is downloaded
#   BRANCH=...       the branch to clone (default: the one checked out here)
# Needs the Debian packages README.md names (jupyterhub) and chromium; binds 127.0.0.1 on a free port.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SOURCE=$(git -C "$HERE" rev-parse --show-toplevel)
BRANCH=${BRANCH:-$(git -C "$HERE" rev-parse --abbrev-ref HEAD)}
NUGET=${NUGET:-cached}
CONSOLE=$HERE/Greyhub.FirstHour/bin/Release/net10.0/Greyhub.FirstHour.dll
[[ -f $CONSOLE ]] || dotnet build -c Release "$HERE/Greyhub.FirstHour/Greyhub.FirstHour.csproj" -v q -nologo >&2
TMP=$(mktemp -d /tmp/greyhub-fresh-clone.XXXXXX)
HUB_PID=
TOKEN=
PORT=
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
cleanup() {
    local rc=$? child
    if [[ -n $TOKEN ]]; then
        # A server outlives its hub by design: stop it through the API first (nothing happens when it is stopped).
        curl -s --noproxy '*' -o /dev/null -X DELETE -H "Authorization: token $TOKEN" "http://127.0.0.1:$PORT/hub/api/users/alice/server" || true
        sleep 3
    fi
    if [[ -n $HUB_PID ]]; then
        # `dotnet run` starts the hub as its child: stop the child by its pid, then `dotnet run` itself.
        for child in $(cat "/proc/$HUB_PID/task/$HUB_PID/children" 2>/dev/null); do kill -TERM "$child" 2>/dev/null || true; done
        kill -TERM "$HUB_PID" 2>/dev/null || true
        wait "$HUB_PID" 2>/dev/null || true
    fi
    rm -rf "$TMP"
    exit "$rc"
}
trap cleanup EXIT
if [[ $NUGET == uncached ]]; then
    export NUGET_PACKAGES=$TMP/nuget-packages NUGET_HTTP_CACHE_PATH=$TMP/nuget-http-cache
fi
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PASSWORD=fresh-clone-$$
log "load average: $(cat /proc/loadavg)"

t0=$(now)
git clone -q --no-local --branch "$BRANCH" "$SOURCE" "$TMP/greyhub"
t1=$(now)
cd "$TMP/greyhub"
# README: `dotnet run --project src/Greyhub.Host -- users add --admin alice` (prompts); --password-stdin is its scripted form.
echo "$PASSWORD" | dotnet run --project src/Greyhub.Host -- users add --admin --password-stdin alice >"$TMP/users-add.log" 2>&1
t2=$(now)
# README: `dotnet run --project src/Greyhub.Host` (on a free port instead of 8000: this machine is shared).
dotnet run --project src/Greyhub.Host -- --urls "http://127.0.0.1:$PORT" >"$TMP/hub.log" 2>&1 &
HUB_PID=$!
until curl -sf --noproxy '*' -o /dev/null "http://127.0.0.1:$PORT/hub/api/"; do
    kill -0 "$HUB_PID" 2>/dev/null || { cat "$TMP/hub.log" >&2; exit 1; }
    sleep 0.1
done
t3=$(now)
# Untimed: a token to stop the server afterwards, from the build `dotnet run` just made, in the data folder the hub
# uses (found, not assumed: ./greyhub-data since the run folder is the caller's; src/Greyhub.Host/greyhub-data before).
DATA=$(dirname "$(find "$TMP/greyhub" -name greyhub.sqlite -path '*greyhub-data*' | head -1)")
log "data folder: ${DATA#"$TMP/greyhub/"}"
TOKEN=$(dotnet src/Greyhub.Host/bin/Debug/net10.0/greyhub.dll token --admin --data-dir "$DATA" alice 2>/dev/null)
RESULT=$(dotnet "$CONSOLE" --url "http://127.0.0.1:$PORT/" --token "$TOKEN" --user alice --password "$PASSWORD" --runs 1 --warmup 0 2>"$TMP/console.log") \
    || { cat "$TMP/console.log" >&2; exit 1; }
UI_MS=$(grep -oP 'run 1: server page \d+ ms, UI \K\d+' "$TMP/console.log")
grep -q "open the classic Notebook at /tree\|open JupyterLab at /lab\|open the Notebook at /tree" "$TMP/hub.log" \
    || log "warning: the hub did not log which UI servers open"
total=$(awk -v a="$t0" -v b="$t3" -v ui="$UI_MS" 'BEGIN { printf "%.1f", b - a + ui / 1000 }')
echo "| NuGet $NUGET | $(secs "$t0" "$t1") | $(secs "$t1" "$t2") | $(secs "$t2" "$t3") | $(awk -v ui="$UI_MS" 'BEGIN { printf "%.1f", ui / 1000 }') | $total |"
log "load average: $(cat /proc/loadavg)"
