#!/usr/bin/env bash
# The whole test suite: installs what it needs, builds the C shim and the Java modules, runs
# unit and integration tests (network namespaces need root), and checks formatting.
# As root it also reserves hugepages for the vNIC tests (a virtio-user peer needs them) and gives
# back exactly what it reserved when it exits; without them those tests skip and say why.
#   scripts/test.sh [extra maven args]
set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
source "$here/lib/common.sh"

if [ "$(id -u)" -eq 0 ]; then
  "$here/install-deps.sh"
else
  note "not root: skipping dependency install and the network-namespace tests"
fi
find_java
require_dpdk
cd "$VSWITCH_ROOT"

# 200 pages of 2 MiB (400 MB): the vNIC tests' testpmd peer or switch (128 MB) with room to
# spare, and deliberately less than the 512 MB a default config asks for, so that every other
# test's switch (eal.hugepages: auto) keeps running --no-huge instead of racing for these pages.
TEST_HUGEPAGES=${VSWITCH_TEST_HUGEPAGES:-200}
added=0 mounted_here=no
release_hugepages() {
  if [ "$added" -gt 0 ]; then
    local now
    now=$(cat /proc/sys/vm/nr_hugepages)
    sysctl -qw vm.nr_hugepages=$((now > added ? now - added : 0)) || true
    note "released the $added hugepages reserved for the tests"
  fi
  if [ "$mounted_here" = yes ]; then umount /dev/hugepages 2>/dev/null && rm -f /run/vswitch-hugepages-mounted; fi
}
if [ "$(id -u)" -eq 0 ]; then
  # On top of whatever the machine has: pages other processes hold or take are not ours to count.
  before=$(cat /proc/sys/vm/nr_hugepages)
  [ -f /run/vswitch-hugepages-mounted ] || awk '$3 == "hugetlbfs"' /proc/mounts | grep -q . || mounted_here=yes
  trap release_hugepages EXIT
  "$here/hugepages.sh" $((before + TEST_HUGEPAGES)) >&2 \
    || note "no hugepages for the vNIC tests; they will skip"
  added=$(( $(cat /proc/sys/vm/nr_hugepages) - before ))
  [ "$added" -ge 0 ] || added=0
fi
mvn -B verify "$@"
