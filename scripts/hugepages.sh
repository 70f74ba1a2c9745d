#!/usr/bin/env bash
# Reserves 2 MiB hugepages and mounts hugetlbfs so EAL can use them (faster than --no-huge).
#   scripts/hugepages.sh [PAGES]     reserve PAGES (default 512 = 1 GiB) and mount /dev/hugepages
#   scripts/hugepages.sh --release   give the pages back and unmount what this script mounted
# On failure it undoes what it did, so nothing is left half-way.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

mount_point=/dev/hugepages
marker=/run/vswitch-hugepages-mounted
[ "$(id -u)" -eq 0 ] || die "hugepages need root: sudo $0 $*"

if [ "${1:-}" = "--release" ]; then
  sysctl -qw vm.nr_hugepages=0
  if [ -f "$marker" ]; then umount "$mount_point" && rm -f "$marker"; fi
  note "hugepages released"
  exit 0
fi

pages=${1:-512}
[[ "$pages" =~ ^[0-9]+$ ]] || die "PAGES must be a number, not '$pages'"
before=$(cat /proc/sys/vm/nr_hugepages)
mounted_here=no

rollback() {
  sysctl -qw vm.nr_hugepages="$before" || true
  [ "$mounted_here" = yes ] && umount "$mount_point" 2>/dev/null && rm -f "$marker"
}
trap 'rollback; die "could not set up hugepages; nothing was changed"' ERR

sysctl -qw vm.nr_hugepages="$pages"
got=$(awk '/HugePages_Total/ {print $2}' /proc/meminfo)
if [ "$got" -lt "$pages" ]; then
  rollback
  die "asked for $pages hugepages, the kernel gave $got (memory too fragmented? try fewer, or reboot)"
fi
if ! awk '$3 == "hugetlbfs"' /proc/mounts | grep -q .; then
  mkdir -p "$mount_point"
  mount -t hugetlbfs nodev "$mount_point"
  mounted_here=yes
  touch "$marker"
fi
trap - ERR
note "$got hugepages of 2 MiB reserved; hugetlbfs at $(awk '$3 == "hugetlbfs" {print $2; exit}' /proc/mounts)"
