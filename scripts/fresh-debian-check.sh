#!/usr/bin/env bash
# Proves the one test command (./test.sh) on a fresh Debian 12 (bookworm) root filesystem rather than on this
# machine: debootstraps bookworm (cached), clones the repository at a commit from the local .git into it, and runs
# ./test.sh inside `chroot` as root. A proof tool for people changing the test set-up, not part of CI (it installs
# every package from scratch: about 20-30 minutes on 2 cores).
#
#   sudo scripts/fresh-debian-check.sh                    # HEAD (committed state only), the whole suite
#   sudo scripts/fresh-debian-check.sh --commit ci~2      # another commit
#   sudo scripts/fresh-debian-check.sh -- --project tests/Greyhub.Compute.Slurm.Tests   # arguments for ./test.sh
#   sudo scripts/fresh-debian-check.sh --fresh            # a new debootstrap (and empty package cache)
#   sudo scripts/fresh-debian-check.sh --keep             # keep the root filesystem afterwards (path printed)
#
# What the fresh system gets from this machine, and nothing more: its apt sources and its apt "Acquire::" settings
# (the same mirror; the host name is read from /etc/apt at run time), its extra CA certificates
# (/usr/local/share/ca-certificates: HTTPS through this machine's network), /etc/resolv.conf, the .NET SDK
# (/usr/share/dotnet bind-mounted read-only, /usr/bin/dotnet linked) and ~/.nuget/NuGet/NuGet.Config (the same
# package registry). Mounted: /proc, /sys with the host's /sys/fs/cgroup (for Podman), /dev, /dev/pts, and tmpfs
# on /dev/shm, /run and /tmp.
#
# It shares this machine's kernel, network and PID space with whatever else runs here, so: the chroot's Slurm picks
# free ports and keeps its state in the chroot's own /tmp; its Podman has its own storage, socket and /run, and its
# default bridge network gets its own interface and subnet (/etc/containers/networks/podman.json, written here);
# on exit, only processes whose root is this chroot are ended (by PID), then everything mounted under it is
# unmounted and the root filesystem is deleted (unless --keep).
#
# Cache: $GREYHUB_FRESH_DIR (default /var/tmp/greyhub-fresh-debian): bookworm.tar (the debootstrap result) and
# apt-archives/ (downloaded .debs, bind-mounted at /var/cache/apt/archives so re-runs do not download again; the
# packages are still installed from scratch). The log of the last run: $GREYHUB_FRESH_DIR/last-run.log, and the
# logs its services and test runs left: $GREYHUB_FRESH_DIR/last-run-logs/.
set -euo pipefail

# All in one function, read whole before it runs: editing this file during a run does not derail the run.
main() {

here="$(cd "$(dirname "$0")/.." && pwd)"
cache="${GREYHUB_FRESH_DIR:-/var/tmp/greyhub-fresh-debian}"
suite=bookworm
commit=HEAD
fresh=0
keep=0
while (($#)); do
  case "$1" in
    --fresh) fresh=1 ;;
    --keep) keep=1 ;;
    --commit) commit=${2:?--commit needs a revision}; shift ;;
    --) shift; break ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "fresh-debian-check: unknown argument $1 (test.sh arguments go after --)" >&2; exit 2 ;;
  esac
  shift
done

log() { echo "fresh-debian-check: $*" >&2; }
[[ $(id -u) -eq 0 ]] || { log "run it as root (debootstrap, mount, chroot)"; exit 1; }

rev=$(git -C "$here" rev-parse --verify "$commit^{commit}")
dotnet_dir=$(dirname "$(readlink -f "$(command -v dotnet)")")
[[ -x $dotnet_dir/dotnet ]] || { log "the .NET SDK is not on PATH"; exit 1; }
nuget_config="${NUGET_CONFIG_FILE:-$HOME/.nuget/NuGet/NuGet.Config}"

mirror() {
  # The first plain Debian archive (not the security one) in this machine's apt sources.
  local uri
  uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null \
    | grep -Eo '(URIs:[[:space:]]*|^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?)[a-z]+://[^[:space:]]+/debian/?([[:space:]]|$)' \
    | grep -Eo '[a-z]+://[^[:space:]]+' | head -1)
  [[ -n "$uri" ]] || { log "no Debian mirror found in /etc/apt/sources.list*"; return 1; }
  echo "$uri"
}

mkdir -p "$cache"
if ((fresh)); then rm -rf "$cache/$suite.tar" "$cache/apt-archives"; fi
mkdir -p "$cache/apt-archives/partial"

# 1. The debootstrap result, once (about 2-3 minutes), as a tarball.
if [[ ! -f $cache/$suite.tar ]]; then
  command -v debootstrap >/dev/null || apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends debootstrap >&2
  log "debootstrap $suite (cached afterwards in $cache/$suite.tar)"
  base=$(mktemp -d "$cache/debootstrap.XXXXXX")
  chmod 755 "$base"
  if ! debootstrap "$suite" "$base" "$(mirror)" >"$base.log" 2>&1; then
    tail -20 "$base.log" >&2
    rm -rf --one-file-system "$base"
    exit 1
  fi
  rm -rf "$base"/var/cache/apt/archives/*.deb
  tar -C "$base" --numeric-owner -cpf "$cache/$suite.tar.new" .
  mv "$cache/$suite.tar.new" "$cache/$suite.tar"
  rm -rf --one-file-system "$base" "$base.log"
fi

# 2. A new root filesystem from it.
root=$(mktemp -d "$cache/root.XXXXXX")

mount_at() { # mount_at TARGET MOUNT-ARGS... (everything under the root is unmounted on exit)
  local target=$1
  shift
  mkdir -p "$target"
  mount "$@" "$target"
}

in_chroot() { # in_chroot PID: the process runs in this chroot (or in a chroot below it)
  local r
  r=$(readlink "/proc/$1/root" 2>/dev/null) || return 1
  [[ $r == "$root" || $r == "$root"/* ]]
}

cleanup() {
  set +e
  # Containers the chroot's Podman still runs (its own storage; test.sh stopped its API service).
  if [[ -x $root/usr/bin/podman && -d $root/proc/self ]]; then
    chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin CONTAINERS_CONF=/tmp/greyhub-podman/containers.conf \
      podman rm -a -f -t 0 >/dev/null 2>&1
  fi
  # Processes still running inside the chroot (whatever test.sh did not stop): all started by this run.
  local pid pids=() t
  for t in TERM KILL; do
    pids=()
    for pid in /proc/[0-9]*; do
      in_chroot "${pid#/proc/}" && pids+=("${pid#/proc/}")
    done
    ((${#pids[@]})) || break
    log "ending ${#pids[@]} process(es) left in the chroot (SIG$t): $(for pid in "${pids[@]}"; do printf '%s:%s ' "$pid" "$(cat "/proc/$pid/comm" 2>/dev/null)"; done)"
    kill -"$t" "${pids[@]}" 2>/dev/null
    for _ in $(seq 1 50); do
      local alive=0
      for pid in "${pids[@]}"; do [[ -d /proc/$pid ]] && alive=1; done
      ((alive)) || break
      sleep 0.2
    done
  done
  # The logs the chroot's /tmp holds (services, test runs, test results), kept next to last-run.log.
  if [[ -d $root/tmp ]]; then
    rm -rf "$cache/last-run-logs"
    mkdir -p "$cache/last-run-logs"
    (cd "$root/tmp" && find . \( -name '*.log' -o -name '*.out' -o -name '*.trx' -o -path '*/log/*' \) -type f -size -50M -print0 \
      | tar --null -T - -cf - 2>/dev/null) | tar -C "$cache/last-run-logs" -xf - 2>/dev/null
    (cd "$root/root/greyhub" 2>/dev/null && find . -path '*/TestResults/*' -type f -size -50M -print0 \
      | tar --null -T - -cf - 2>/dev/null) | tar -C "$cache/last-run-logs" -xf - 2>/dev/null
  fi
  # Everything mounted under the root (ours, and what Podman or Slurm mounted in there), deepest first.
  local m
  for _ in 1 2 3; do
    while read -r m; do
      umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
    done < <(awk -v r="$root" '$5 == r || index($5, r "/") == 1 {print $5}' /proc/self/mountinfo | sort -r)
  done
  if awk -v r="$root" '$5 == r || index($5, r "/") == 1 {found=1} END {exit !found}' /proc/self/mountinfo; then
    log "some mounts under $root remain; leaving it in place"
  elif ((keep)); then
    log "kept the root filesystem: $root"
  else
    rm -rf --one-file-system "$root"
  fi
}
trap cleanup EXIT

log "unpacking $suite into $root"
tar -C "$root" --numeric-owner -xpf "$cache/$suite.tar"
chmod 755 "$root" # mktemp's 0700 (older caches have it on ./) would lock every user but root out of the chroot's /

# The same mirror and apt settings as this machine (nothing written into the repository).
rm -f "$root/etc/apt/sources.list"
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  [[ -f $f ]] && cp "$f" "$root$f"
done
for f in /etc/apt/apt.conf.d/*; do
  grep -q '^[[:space:]]*Acquire::' "$f" 2>/dev/null && cp "$f" "$root$f"
done
# This machine's extra CA certificates (installed by the ca-certificates package when the test command adds it).
if compgen -G '/usr/local/share/ca-certificates/*' >/dev/null; then
  mkdir -p "$root/usr/local/share/ca-certificates"
  cp -r /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/"
fi
cp /etc/resolv.conf "$root/etc/resolv.conf"
hostname >"$root/etc/hostname"
# A freshly installed machine's /etc/hosts (what debian-installer writes).
cat >"$root/etc/hosts" <<EOF
127.0.0.1	localhost
127.0.1.1	$(hostname)

::1	localhost ip6-localhost ip6-loopback
ff02::1	ip6-allnodes
ff02::2	ip6-allrouters
EOF

# The chroot's Podman default bridge network gets its own interface and subnet (the kernel's network is shared).
n=$(($$ % 200 + 20))
mkdir -p "$root/etc/containers/networks"
cat >"$root/etc/containers/networks/podman.json" <<EOF
{
  "name": "podman",
  "id": "2f259bab93aaaaa2542ba43ef33eb990d0999ee1b9924b557b7be53c0b7a1bb9",
  "driver": "bridge",
  "network_interface": "ghfresh$n",
  "created": "2026-01-01T00:00:00.000000000Z",
  "subnets": [{ "subnet": "10.234.$n.0/24", "gateway": "10.234.$n.1" }],
  "ipv6_enabled": false,
  "internal": false,
  "dns_enabled": false,
  "ipam_options": { "driver": "host-local" }
}
EOF

# The root a mount point of its own, as / is on a machine: Podman's storage (and unshare) make / private in their
# mount namespaces, which fails on a plain directory ("remount /, flags: 0x44000: invalid argument").
mount --bind "$root" "$root"
mount --make-private "$root"

# The .NET SDK and the package registry configuration.
mount_at "$root/usr/share/dotnet" --bind "$dotnet_dir"
mount -o remount,bind,ro "$root/usr/share/dotnet"
ln -sf /usr/share/dotnet/dotnet "$root/usr/bin/dotnet"
if [[ -f $nuget_config ]]; then
  mkdir -p "$root/root/.nuget/NuGet"
  cp "$nuget_config" "$root/root/.nuget/NuGet/NuGet.Config"
fi

# Kernel file systems.
mount_at "$root/proc" -t proc proc
mount_at "$root/sys" -t sysfs sysfs
mount_at "$root/sys/fs/cgroup" --rbind /sys/fs/cgroup
mount --make-rslave "$root/sys/fs/cgroup"
mount_at "$root/dev" --bind /dev
mount_at "$root/dev/pts" --bind /dev/pts
mount_at "$root/dev/shm" -t tmpfs -o mode=1777 shm
mount_at "$root/run" -t tmpfs -o mode=755 run
mount_at "$root/tmp" -t tmpfs -o mode=1777 tmp
mount_at "$root/var/cache/apt/archives" --bind "$cache/apt-archives"

# 3. The repository at the commit, cloned from the local .git.
git clone -q --no-checkout "$here" "$root/root/greyhub"
git -C "$root/root/greyhub" checkout -q --detach "$rev"
log "testing $(git -C "$here" log -1 --format='%h %s' "$rev" | cut -c1-100)"

# 4. The test command, as root on the fresh system, with a login's plain environment.
start=$SECONDS
set +e
chroot "$root" /usr/bin/env -i HOME=/root USER=root LOGNAME=root TERM="${TERM:-dumb}" \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  bash -c 'cd /root/greyhub && exec ./test.sh "$@"' test.sh "$@" 2>&1 | tee "$cache/last-run.log"
rc=${PIPESTATUS[0]}
set -e
elapsed=$((SECONDS - start))
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$cache/last-run.log" | tail -1 || true)
log "commit $(git -C "$here" rev-parse --short "$rev"): ${summary:-no summary line}; exit status $rc; $((elapsed / 60)) min $((elapsed % 60)) s"
exit "$rc"
}

main "$@"
