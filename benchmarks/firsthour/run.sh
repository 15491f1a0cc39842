#!/usr/bin/env bash
# Start pressed in Chromium → the notebook's UI on screen, Greyhub vs Debian's JupyterHub 3.0, one hub at a time,
# both on 127.0.0.1 on free ports. See README.md. Arguments go to the console (e.g. --runs 11 --hubs greyhub).
#   SKIP_BUILD=1   use the existing Release builds
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
[[ -x /usr/bin/jupyterhub && -x /usr/bin/jupyterhub-singleuser ]] || { echo "needs Debian's jupyterhub: apt-get install jupyterhub python3-notebook" >&2; exit 2; }
[[ -x /usr/bin/chromium ]] || { echo "needs Chromium: apt-get install chromium" >&2; exit 2; }
if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    dotnet build -c Release "$REPO/src/Greyhub.Host/Greyhub.Host.csproj" -v q -nologo >&2
    dotnet build -c Release "$HERE/Greyhub.FirstHour/Greyhub.FirstHour.csproj" -v q -nologo >&2
fi
exec dotnet "$HERE/Greyhub.FirstHour/bin/Release/net10.0/Greyhub.FirstHour.dll" \
    --greyhub "$REPO/src/Greyhub.Host/bin/Release/net10.0/greyhub.dll" "$@"
