#!/usr/bin/env bash
# Builds the hub's container image (Containerfile) with Podman, without any registry:
#
#   scripts/build-hub-image.sh [--tarball greyhub-VERSION-linux-x64.tar.gz] [--tag IMAGE]
#
# The hub is the self-contained ReadyToRun tarball of scripts/publish.sh (published now when --tarball is not given);
# the base is localhost/greyhub-jupyter:bookworm (Debian 12 with jupyterhub-singleuser), built or loaded from its cache
# by scripts/build-test-image.sh. The tag defaults to localhost/greyhub:VERSION. An image whose `greyhub.recipe` label
# matches the hash of the hub's files, the Containerfile and the base image is kept as it is. Needs the podman CLI
# (as root: rootful Podman; it uses scripts/podman-local.sh's containers.conf: runc and explicit ulimits). Prints the
# image's name last.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

tarball=
tag=
while (($#)); do
  case "$1" in
    --tarball) tarball="${2:?--tarball needs a file}"; shift 2 ;;
    --tarball=*) tarball="${1#*=}"; shift ;;
    --tag) tag="${2:?--tag needs an image name}"; shift 2 ;;
    --tag=*) tag="${1#*=}"; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-hub-image.sh: unknown argument '$1' (--help)" >&2; exit 2 ;;
  esac
done

command -v podman >/dev/null || {
  echo "build-hub-image.sh: podman is missing; install it with: apt-get install -y --no-install-recommends podman runc catatonit netavark aardvark-dns iptables" >&2
  exit 1
}
eval "$(bash "$repo/scripts/podman-local.sh" env)"
export CONTAINERS_CONF

work=$(mktemp -d /tmp/greyhub-hub-image.XXXXXX)
trap 'rm -rf "$work"' EXIT
if [[ -z "$tarball" ]]; then
  tarball=$(bash "$repo/scripts/publish.sh" --tarball-only --output "$work/artifacts" | tail -1)
fi
[[ -f "$tarball" ]] || { echo "build-hub-image.sh: no tarball $tarball" >&2; exit 1; }
version=$(basename "$tarball" | sed -n 's/^greyhub-\(.*\)-linux-x64\.tar\.gz$/\1/p')
[[ -n "$version" ]] || { echo "build-hub-image.sh: $tarball is not named greyhub-VERSION-linux-x64.tar.gz" >&2; exit 1; }
tag="${tag:-localhost/greyhub:$version}"

bash "$repo/scripts/build-test-image.sh" jupyter >&2
base=localhost/greyhub-jupyter:bookworm

context="$work/context"
mkdir -p "$context/greyhub"
tar -C "$context/greyhub" --strip-components=1 -xzf "$tarball"
cp "$repo/Containerfile" "$context/Containerfile"
hash=$( (cd "$context" && find . -type f -print0 | sort -z | xargs -0 sha256sum; podman image inspect --format '{{.Id}}' "$base") | sha256sum | cut -c1-16)
if [[ "$(podman image inspect --format '{{ index .Labels "greyhub.recipe" }}' "$tag" 2>/dev/null || true)" == "$hash" ]]; then
  echo "build-hub-image.sh: $tag is up to date ($hash)" >&2
else
  start=$SECONDS
  podman build -q --pull=never --network none --build-arg "BASE=$base" --label "greyhub.recipe=$hash" -t "$tag" "$context" >/dev/null
  echo "build-hub-image.sh: built $tag in $((SECONDS - start)) s" >&2
fi
echo "$tag"
