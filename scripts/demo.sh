#!/usr/bin/env bash
# The laptop demo: three "VMs" (network namespaces) on veth links, joined by vswitch as an L2
# switch over AF_XDP (or AF_PACKET), with no DPDK NIC and no hugepages needed. vm1 and vm2 are in
# port group "web" (VLAN 10), vm3 in "db" (VLAN 20) but on the same IP subnet, so only the VLANs
# keep it apart. The switch runs as a daemon; vswitchctl shows what it learned, then moves vm3
# into VLAN 10 while it runs. Everything it made is removed at the end.
#   sudo scripts/demo.sh [afxdp|afpacket]
set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
source "$here/lib/common.sh"
[ "$(id -u)" -eq 0 ] || die "the demo creates network namespaces: run it as root (sudo $0)"

type=${1:-afxdp}
case "$type" in
  afxdp|afpacket) ;;
  *) die "port type must be afxdp or afpacket, not '$type'" ;;
esac

"$here/install-deps.sh"
find_java
ensure_built

work=$(mktemp -d /tmp/vswitch-demo.XXXXXX)
api=127.0.0.1:6659
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  for h in 1 2 3; do ip netns del "vsdemo$h" 2>/dev/null || true; ip link del "vsdemo${h}s" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
ctl() { "$here/vswitchctl" --api "http://$api" --state-dir "$work/state" "$@"; }

for h in 1 2 3; do
  ip netns add "vsdemo$h"
  ip link add "vsdemo${h}h" type veth peer name "vsdemo${h}s"
  ip link set "vsdemo${h}h" netns "vsdemo$h"
  ip -n "vsdemo$h" addr add "10.200.0.$h/24" dev "vsdemo${h}h"
  ip -n "vsdemo$h" link set "vsdemo${h}h" up
  sysctl -qw "net.ipv6.conf.vsdemo${h}s.disable_ipv6=1"
  ip link set "vsdemo${h}s" up
done

cat > "$work/demo.yaml" <<YAML
# Three VM-like hosts on one L2 switch, laptop fallback: no NIC, no hugepages.
workers: {cores: [-1], idle: backoff}
port-groups:
  - {name: web, vlan: {mode: access, id: 10}}
  - {name: db,  vlan: {mode: access, id: 20}}
ports:
  - {name: vm1, type: $type, iface: vsdemo1s, port-group: web}
  - {name: vm2, type: $type, iface: vsdemo2s, port-group: web}
  - {name: vm3, type: $type, iface: vsdemo3s, port-group: db}
YAML
echo "== config ($work/demo.yaml)"; cat "$work/demo.yaml"

"$here/vswitch" --config "$work/demo.yaml" --state-dir "$work/state" --api "$api" \
  > "$work/switch.log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do
  grep -q "vswitch: running" "$work/switch.log" && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/switch.log"; die "the switch did not start"; }
  sleep 0.5
done
grep "vswitch: running" "$work/switch.log"

ping_from() { ip netns exec "vsdemo$1" ping -c "$3" -i 0.2 -W 1 -q "10.200.0.$2" | tail -2 | head -1; }
echo "== vm1 pings vm2 (both VLAN 10)"
for _ in $(seq 1 20); do ip netns exec vsdemo1 ping -c 1 -W 1 -q 10.200.0.2 >/dev/null && break; done
ping_from 1 2 5
echo "== vm1 pings vm3 (VLAN 20, same subnet): nothing crosses VLANs"
ping_from 1 3 3 || true
echo "== what the switch learned (vswitchctl dump-fdb)"
ctl dump-fdb
echo "== move vm3 into VLAN 10 while the switch runs (vswitchctl set-port-group vm3 web)"
ctl set-port-group vm3 web
for _ in $(seq 1 10); do ip netns exec vsdemo1 ping -c 1 -W 1 -q 10.200.0.3 >/dev/null && break; done
ping_from 1 3 5
echo "== counters and the journal of changes"
ctl counters
ctl history

echo "== stopping the switch (SIGTERM): its exit report"
kill -TERM "$pid"; wait "$pid" || true; pid=""
sed -n '/^port /,$p' "$work/switch.log"
