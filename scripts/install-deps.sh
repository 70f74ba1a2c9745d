#!/usr/bin/env bash
# Installs what vswitch needs on Debian 12 / Ubuntu: DPDK 22.11 (runtime, headers, testpmd),
# a C compiler, Maven, iproute2 and ping for the namespace tests, QEMU, busybox-static and cpio
# for the real-guest test (scripts/guest-image.sh), Prometheus (promtool lints /metrics; the
# scrape test runs its own server on a free loopback port), etcd (the distributed switch's store;
# its tests run their own etcd on a free loopback port with a temp data dir), and nfdump (the
# IPFIX tests run their own nfcapd collector on a loopback port), and Open vSwitch (the LACP
# tests' partner: their own ovsdb-server and ovs-vswitchd, netdev datapath, in a namespace and a
# temp dir). Idempotent: does nothing when everything
# is there. A JDK >= 22 is not in Debian 12's archive: see the message below.
#   scripts/install-deps.sh --guest   # also build the test guest's kernel + initramfs now
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

packages=(dpdk dpdk-dev libdpdk-dev pkg-config gcc make maven iproute2 iputils-ping tcpdump ethtool procps iperf3
  qemu-system-x86 busybox-static cpio kmod prometheus etcd-server nfdump openvswitch-switch)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || die "missing packages: ${missing[*]}; run this script as root (sudo $0)"
  command -v apt-get >/dev/null || die "no apt-get: install ${missing[*]} with your package manager"
  note "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [[ " ${missing[*]} " == *" nfdump "* ]]; then
    # Debian's nfdump starts an nfcapd service on install; the tests start their own collectors.
    if [ -d /run/systemd/system ]; then
      systemctl disable --now nfdump >/dev/null 2>&1 || true
    else
      service nfdump stop >/dev/null 2>&1 || true
      update-rc.d nfdump disable >/dev/null 2>&1 || true
    fi
  fi
  if [[ " ${missing[*]} " == *" prometheus "* ]]; then
    # Debian starts (and enables) a prometheus service on :9090 on install; the tests run their own
    # server on a free port, so the one this script just installed is stopped and disabled. A
    # Prometheus the machine already had is left alone.
    if [ -d /run/systemd/system ]; then
      systemctl disable --now prometheus >/dev/null 2>&1 || true
    else
      service prometheus stop >/dev/null 2>&1 || true
      update-rc.d prometheus disable >/dev/null 2>&1 || true
    fi
  fi
  if [[ " ${missing[*]} " == *" openvswitch-switch "* ]]; then
    # The package's service would run a system OVS on /var/run/openvswitch; the LACP tests start
    # their own, private ones, so the one this install started (if any) is stopped and disabled.
    if [ -d /run/systemd/system ]; then
      systemctl disable --now openvswitch-switch >/dev/null 2>&1 || true
    else
      service openvswitch-switch stop >/dev/null 2>&1 || true
      update-rc.d openvswitch-switch disable >/dev/null 2>&1 || true
    fi
  fi
  if [[ " ${missing[*]} " == *" etcd-server "* ]]; then
    # Debian's etcd-server enables and (where policy allows) starts an etcd on 127.0.0.1:2379 with
    # /var/lib/etcd; the tests start their own, so the one this install started is stopped and
    # disabled. An etcd the machine already ran is left alone.
    if [ -d /run/systemd/system ]; then
      systemctl disable --now etcd >/dev/null 2>&1 || true
    else
      service etcd stop >/dev/null 2>&1 || true
      update-rc.d etcd disable >/dev/null 2>&1 || true
    fi
    for pid in $(pgrep -x etcd -u etcd 2>/dev/null || true); do
      kill "$pid" 2>/dev/null || true   # the package's own (user etcd), not one of root's
    done
  fi
fi

require_dpdk
find_java
if [ "${1:-}" = --guest ]; then
  "$(dirname "${BASH_SOURCE[0]}")/guest-image.sh" >/dev/null
fi
note "ready: DPDK $(pkg-config --modversion libdpdk), $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
