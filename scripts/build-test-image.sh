#!/usr/bin/env bash
# Builds Greyhub's local container images without any registry, and caches them by content hash.
#
#   scripts/build-test-image.sh            # both images below
#   scripts/build-test-image.sh python     # only the small one the engine tests use
#
#   localhost/greyhub-python:bookworm   debootstrap --variant=minbase of Debian 12 with python3 and Dask
#                                       (python3-distributed, python3-numpy), imported with `podman import` (the
#                                       containers engine tests and the clusters tests on containers run it)
#   localhost/greyhub-jupyter:bookworm  FROM the one above + Debian's jupyterhub (jupyterhub-singleuser), the
#                                       classic Notebook and ipykernel, built with `podman build --network host`
#
# An image whose `greyhub.recipe` label matches the recipe hash is kept as it is. Otherwise a saved copy
# ($GREYHUB_IMAGE_CACHE/<name>-<hash>.tar, default /var/cache/greyhub-images) is loaded, and only when there is
# none is the image built and saved there: CI builds each recipe once per machine. The Debian mirror is read from
# /etc/apt/sources.list* at run time. Needs the podman CLI configured as scripts/podman-local.sh configures it.
set -euo pipefail
cd "$(dirname "$0")/.."

what="${1:-all}"
cache="${GREYHUB_IMAGE_CACHE:-/var/cache/greyhub-images}"
suite=bookworm
python_image=localhost/greyhub-python:$suite
jupyter_image=localhost/greyhub-jupyter:$suite
# Dask (scheduler, workers and dask.array) for the clusters tests on the containers engine.
python_packages="python3,python3-distributed,python3-numpy"
jupyter_packages="jupyterhub python3-notebook python3-ipykernel"
# Bump when the steps below change in a way the recipe strings do not show.
recipe_version=1

eval "$(bash scripts/podman-local.sh env)"
export CONTAINERS_CONF

need() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "build-test-image: installing ${missing[*]}" >&2
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

mirror() {
  # The first plain Debian archive (not the security one) in the machine's apt sources.
  local uri
  uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null \
    | grep -Eo '(URIs:[[:space:]]*|^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?)[a-z]+://[^[:space:]]+/debian/?([[:space:]]|$)' \
    | grep -Eo '[a-z]+://[^[:space:]]+' | head -1)
  [[ -n "$uri" ]] || { echo "build-test-image: no Debian mirror found in /etc/apt/sources.list*" >&2; return 1; }
  echo "$uri"
}

hash_of() { printf '%s' "$*" | sha256sum | cut -c1-16; }

current() { podman image inspect --format '{{ index .Labels "greyhub.recipe" }}' "$1" 2>/dev/null || true; }

# up_to_date IMAGE HASH: true when the image exists with that recipe, loading a cached copy if needed.
up_to_date() {
  local image=$1 hash=$2 name
  name=$(basename "${image%%:*}")
  if [[ "$(current "$image")" == "$hash" ]]; then
    echo "build-test-image: $image is up to date ($hash)"
    return 0
  fi
  if [[ -f "$cache/$name-$hash.tar" ]]; then
    podman load -q -i "$cache/$name-$hash.tar" >/dev/null
    if [[ "$(current "$image")" == "$hash" ]]; then
      echo "build-test-image: $image loaded from $cache/$name-$hash.tar"
      return 0
    fi
  fi
  return 1
}

save() {
  local image=$1 hash=$2 name
  name=$(basename "${image%%:*}")
  mkdir -p "$cache"
  rm -f "$cache/$name"-*.tar
  podman save -q -o "$cache/$name-$hash.tar" "$image"
}

build_python() {
  local hash root start
  hash=$(hash_of "v$recipe_version debootstrap minbase $suite $python_packages")
  up_to_date "$python_image" "$hash" && return 0
  need debootstrap
  start=$SECONDS
  root=$(mktemp -d /tmp/greyhub-rootfs.XXXXXX)
  trap 'rm -rf "$root"' RETURN
  debootstrap --variant=minbase --include="$python_packages" "$suite" "$root" "$(mirror)" >"$root.log" 2>&1 \
    || { tail -20 "$root.log" >&2; return 1; }
  rm -f "$root.log"
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -c . | podman import -q \
    --change 'CMD ["/usr/bin/python3"]' \
    --change "LABEL greyhub.recipe=$hash" \
    - "$python_image" >/dev/null
  save "$python_image" "$hash"
  echo "build-test-image: built $python_image in $((SECONDS - start)) s"
}

build_jupyter() {
  local base hash context start
  base=$(current "$python_image")
  hash=$(hash_of "v$recipe_version $base $jupyter_packages")
  up_to_date "$jupyter_image" "$hash" && return 0
  start=$SECONDS
  context=$(mktemp -d /tmp/greyhub-jupyter.XXXXXX)
  trap 'rm -rf "$context"' RETURN
  cat >"$context/Containerfile" <<EOF
FROM $python_image
RUN apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $jupyter_packages \\
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb
LABEL greyhub.recipe=$hash
CMD ["jupyterhub-singleuser"]
EOF
  podman build -q --network host --pull=never -t "$jupyter_image" "$context" >/dev/null
  save "$jupyter_image" "$hash"
  echo "build-test-image: built $jupyter_image in $((SECONDS - start)) s"
}

case "$what" in
  python) build_python ;;
  jupyter) build_python; build_jupyter ;;
  all) build_python; build_jupyter ;;
  *) echo "usage: $0 [all|python|jupyter]" >&2; exit 2 ;;
esac
