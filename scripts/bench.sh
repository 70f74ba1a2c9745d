#!/usr/bin/env bash
# End-to-end bench: in one run, on the same cores and the same virtual ports (a net_pcap port
# replaying 64-byte frames forever into a net_null no-rx=1 port), measures dpdk-testpmd io and
# macswap and every row of perf/bench/configurations.yaml (switch configurations, and OVS-DPDK
# NORMAL bridges with the same traffic and rules when OVS is installed), and prints one table:
# Mpps, ratios to the references, cycles per packet, heap bytes per packet on the switch's
# worker threads, then issue 12's targets with pass/fail.
#
#   scripts/bench.sh                       # everything, 64-byte frames, 3 s warm-up + 5 s per row
#   scripts/bench.sh --frame-size 256      # other frame sizes
#   scripts/bench.sh --only 'xconnect|io'  # a subset (regex on row names)
#   scripts/bench.sh --with-ovs            # apt-get install openvswitch-switch-dpdk if absent
#   scripts/bench.sh --with-ovs --only 'io$|^xconnect$|fair'   # the same-traffic rows + targets
#   scripts/bench.sh --seconds 10 --warmup 5 --worker-core 1 --main-core 0
#   scripts/bench.sh --no-hugepages        # --no-huge everywhere (much slower; laptops)
#
# Reserves hugepages if too few are free and gives back exactly those at exit. Everything it
# starts (testpmd, the switch, ovsdb-server, ovs-vswitchd) is stopped and its temp dir removed on
# exit, also on failure or Ctrl-C. The table and all logs are kept in reports/bench-<time>/.
set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
source "$here/lib/common.sh"
source "$VSWITCH_ROOT/perf/lib.sh"

with_ovs=no
hugepages=on
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --with-ovs) with_ovs=yes ;;
    --no-hugepages) hugepages=off ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) args+=("$1") ;;
  esac
  shift
done

[ "$(id -u)" -eq 0 ] || die "the bench runs DPDK processes and needs root"
find_java
require_dpdk
command -v dpdk-testpmd >/dev/null || die "dpdk-testpmd not found: apt-get install dpdk"
if [ "$with_ovs" = yes ] && [ ! -x /usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk ]; then
  note "installing openvswitch-switch-dpdk (apt-get)..."
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q openvswitch-switch-dpdk >&2 \
    || die "could not install openvswitch-switch-dpdk"
fi
perf_ensure_built

# the switch or OVS (1 GiB each, one at a time) and the connection rows' generator (~1.4 GiB)
PERF_HUGEPAGES=1800 perf_harness_session "$hugepages" bench
perf_harness_java io.vswitch.perf.bench.EndToEndBench \
  --work-dir "$work" --hugepages "$hugepages" --report "$report/table.txt" "${args[@]}"
note "report and logs in $report"
