#!/usr/bin/env bash
# Installs the `greyhub` command: publishes src/Greyhub.Host once (framework-dependent, Release, ReadyToRun) into
# PREFIX/lib/greyhub and writes a launcher PREFIX/bin/greyhub. Each call then starts the published program directly,
# instead of `dotnet run` checking and building the project every time (10-30 s a call). greyhub runs in the folder it
# is called from: greyhub.json is read and greyhub-data written there, as with `dotnet run`.
#
#   scripts/install.sh                       # into ~/.local: ~/.local/lib/greyhub and ~/.local/bin/greyhub (no sudo)
#   scripts/install.sh --prefix DIR          # into DIR/lib/greyhub and DIR/bin/greyhub (any folder you can write to)
#   scripts/install.sh --uninstall [--prefix DIR]
#
# Options: --prefix DIR (default ~/.local), --configuration NAME (default Release), --no-build (publish what the last
# build of that configuration left; the tests use it), --uninstall. Run it again after pulling to update.
set -euo pipefail

prefix="${HOME}/.local"
configuration=Release
no_build=
uninstall=

while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="${2:?--prefix needs a folder}"; shift 2 ;;
    --prefix=*) prefix="${1#*=}"; shift ;;
    -c|--configuration) configuration="${2:?--configuration needs a name}"; shift 2 ;;
    --configuration=*) configuration="${1#*=}"; shift ;;
    --no-build) no_build=--no-build; shift ;;
    --uninstall) uninstall=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown argument '$1' (--help)" >&2; exit 2 ;;
  esac
done

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="$(mkdir -p "$prefix" && cd "$prefix" && pwd)"
lib="$prefix/lib/greyhub"
launcher="$prefix/bin/greyhub"

if [ -n "$uninstall" ]; then
  rm -rf "$lib" "$launcher"
  echo "Removed $lib and $launcher"
  exit 0
fi

# The launcher names the dotnet found now, so greyhub also runs where PATH lacks it (a service, sudo).
dotnet="$(command -v dotnet || true)"
if [ -z "$dotnet" ]; then
  echo "install.sh: dotnet is not on PATH; install the .NET 10 SDK first (README.md)" >&2
  exit 1
fi
dotnet="$(readlink -f "$dotnet")"

# Published next to the old copy, then swapped, so a failed publish leaves a working greyhub in place.
staging="$lib.new"
rm -rf "$staging"
project="$repo/src/Greyhub.Host/Greyhub.Host.csproj"
# ReadyToRun (code compiled ahead of time for this machine's architecture) halves the start-up of each call; it needs
# the SDK's crossgen package from the NuGet feed once, so without it the plain build is installed. Not with --no-build:
# an existing build is architecture-neutral.
case "$(uname -m)" in
  x86_64) rid=linux-x64 ;;
  aarch64) rid=linux-arm64 ;;
  *) rid= ;;
esac
if [ -z "$no_build" ] && [ -n "$rid" ] \
  && "$dotnet" publish "$project" -c "$configuration" -r "$rid" --self-contained false -p:PublishReadyToRun=true -o "$staging" -nologo -v quiet; then
  :
else
  [ -z "$no_build" ] && [ -n "$rid" ] && echo "install.sh: ReadyToRun publish failed; installing the plain build" >&2
  rm -rf "$staging"
  "$dotnet" publish "$project" -c "$configuration" -o "$staging" $no_build -nologo -v quiet
fi
rm -rf "$lib"
mv "$staging" "$lib"

mkdir -p "$(dirname "$launcher")"
cat > "$launcher.new" <<EOF
#!/bin/sh
# Written by $repo/scripts/install.sh; run it again to update.
exec "$dotnet" "$lib/greyhub.dll" "\$@"
EOF
chmod 755 "$launcher.new"
mv "$launcher.new" "$launcher"

echo "Installed greyhub ($configuration) in $lib; launcher $launcher"
case ":$PATH:" in
  *":$(dirname "$launcher"):"*) ;;
  *) echo "Note: $(dirname "$launcher") is not on PATH; add it, e.g. echo 'export PATH=\"$(dirname "$launcher"):\$PATH\"' >> ~/.profile" ;;
esac
