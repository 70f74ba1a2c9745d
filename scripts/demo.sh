#!/usr/bin/env bash
# The laptop demo: two "VMs" (network namespaces) on veth links, joined by vswitch over AF_XDP
# (or AF_PACKET where the kernel has no AF_XDP), with no DPDK NIC and no hugepages needed.
# It pings across the switch, prints the switch's counters, and removes everything it made.
#   sudo scripts/demo.sh [af_xdp|af_packet]
set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
source "$here/lib/common.sh"
[ "$(id -u)" -eq 0 ] || die "the demo creates network namespaces: run it as root (sudo $0)"

driver=${1:-af_xdp}
case "$driver" in
  af_xdp) options=",busy_budget=0" ;;   # veth cannot busy-poll
  af_packet) options="" ;;
  *) die "driver must be af_xdp or af_packet, not '$driver'" ;;
esac

"$here/install-deps.sh"
find_java
ensure_built

work=$(mktemp -d /tmp/vswitch-demo.XXXXXX)
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  for h in 1 2; do ip netns del "vsdemo$h" 2>/dev/null || true; ip link del "vsdemo${h}s" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

for h in 1 2; do
  ip netns add "vsdemo$h"
  ip link add "vsdemo${h}h" type veth peer name "vsdemo${h}s"
  ip link set "vsdemo${h}h" netns "vsdemo$h"
  ip -n "vsdemo$h" addr add "10.200.0.$h/24" dev "vsdemo${h}h"
  ip -n "vsdemo$h" link set "vsdemo${h}h" up
  sysctl -qw "net.ipv6.conf.vsdemo${h}s.disable_ipv6=1"
  ip link set "vsdemo${h}s" up
done

cat > "$work/demo.yaml" <<YAML
# Two VM-like hosts on one switch, laptop fallback: no NIC, no hugepages.
workers: {cores: [-1], idle: backoff}
ports:
  - {name: vm1, devargs: "net_${driver}0,iface=vsdemo1s${options}"}
  - {name: vm2, devargs: "net_${driver}1,iface=vsdemo2s${options}"}
cross-connect: [[vm1, vm2]]
YAML
echo "== config ($work/demo.yaml)"; cat "$work/demo.yaml"

"$here/vswitch" --config "$work/demo.yaml" > "$work/switch.log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do
  grep -q "vswitch: running" "$work/switch.log" && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/switch.log"; die "the switch did not start"; }
  sleep 0.5
done
grep "vswitch: running" "$work/switch.log"

echo "== vm1 (10.200.0.1) pings vm2 (10.200.0.2) through the switch"
for _ in $(seq 1 20); do ip netns exec vsdemo1 ping -c 1 -W 1 -q 10.200.0.2 >/dev/null && break; done
ip netns exec vsdemo1 ping -c 5 -i 0.2 10.200.0.2

echo "== stopping the switch (SIGTERM): its exit report"
kill -TERM "$pid"; wait "$pid" || true; pid=""
sed -n '/^port /,$p' "$work/switch.log"
