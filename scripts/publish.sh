#!/usr/bin/env bash
# Builds Greyhub's release artifacts from this repository, ReadyToRun (compiled ahead of time, so a fresh hub's first
# requests and spawns do not wait for the JIT), into OUT (default ./artifacts):
#
#   greyhub-VERSION-linux-x64.tar.gz   self-contained: the `greyhub` executable with its own .NET runtime in one folder
#                                      greyhub-VERSION-linux-x64/, plus INSTALL.md; nothing else to install
#   nupkg/Greyhub.VERSION.nupkg        the `dotnet tool` package (with Greyhub.linux-x64.VERSION.nupkg, its ReadyToRun
#                                      payload): dotnet tool install --global --add-source OUT/nupkg Greyhub
#
#   scripts/publish.sh [--output OUT] [--tarball-only|--tool-only] [--keep-build]
#
# The build goes to OUT/build (--artifacts-path), never to the projects' own bin/ and obj/, so it can run while the
# working tree is being built or tested; it is removed at the end unless --keep-build. Needs the .NET 10 SDK and, once,
# the linux-x64 runtime and crossgen packages from NuGet (restored like any package). The version is the one in
# src/Greyhub.Host/Greyhub.Host.csproj. Prints the artifacts' paths, one per line, last.
set -euo pipefail

out=artifacts
what=all
keep_build=
while (($#)); do
  case "$1" in
    -o|--output) out="${2:?--output needs a folder}"; shift 2 ;;
    --output=*) out="${1#*=}"; shift ;;
    --tarball-only) what=tarball; shift ;;
    --tool-only) what=tool; shift ;;
    --keep-build) keep_build=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "publish.sh: unknown argument '$1' (--help)" >&2; exit 2 ;;
  esac
done

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
project="$repo/src/Greyhub.Host/Greyhub.Host.csproj"
command -v dotnet >/dev/null || { echo "publish.sh: dotnet is not on PATH; install the .NET 10 SDK (README.md)" >&2; exit 1; }
mkdir -p "$out"
out="$(cd "$out" && pwd)"
build="$out/build"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$project" | head -1)
[[ -n "$version" ]] || { echo "publish.sh: no <Version> in $project" >&2; exit 1; }
rid=linux-x64
made=()

if [[ $what != tool ]]; then
  name="greyhub-$version-$rid"
  staging="$out/$name"
  rm -rf "$staging"
  # Self-contained: the runtime comes along, so the target machine needs no .NET; ReadyToRun for the start-up.
  dotnet publish "$project" -c Release -r "$rid" --self-contained true -p:PublishReadyToRun=true \
    --artifacts-path "$build" -o "$staging" -nologo -v quiet
  # Debug symbols and XML docs are for developers, not for running the hub.
  find "$staging" -maxdepth 1 \( -name '*.pdb' -o -name '*.xml' \) -delete
  sed "s/@VERSION@/$version/g" "$repo/docs/install-tarball.md" >"$staging/INSTALL.md"
  tar -C "$out" -czf "$out/$name.tar.gz" "$name"
  rm -rf "$staging"
  made+=("$out/$name.tar.gz")
fi

if [[ $what != tarball ]]; then
  rm -rf "$out/nupkg"
  # GreyhubTool=true turns on PackAsTool and the per-runtime ReadyToRun package (Greyhub.Host.csproj).
  dotnet pack "$project" -c Release -p:GreyhubTool=true --artifacts-path "$build" -o "$out/nupkg" -nologo -v quiet
  made+=("$out/nupkg/Greyhub.$version.nupkg")
fi

[[ -n "$keep_build" ]] || rm -rf "$build"
printf '%s\n' "${made[@]}"
