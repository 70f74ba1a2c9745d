#!/usr/bin/env bash
# Latency through the switch over a vhost-user loop: a Java DPDK generator (its own EAL, two
# virtio-user ports) writes the TSC into each frame, the switch forwards between its two
# vhost-user ports, the generator receives and records (now - stamp) in HdrHistogram. First the
# most the loop delivers, then trials at fractions of it; p50/p99/p99.9/p99.99/max printed and
# .hgrm files saved in reports/latency-<time>/.
#
#   scripts/latency.sh                           # 64-byte frames, loads 10%,50%,90%, 5 s each
#   scripts/latency.sh --loads 0.1,0.5 --seconds 10 --frame-size 512
#   scripts/latency.sh --l2                      # the switch in L2 mode (both ports access vlan 10)
#   scripts/latency.sh --main-core 0 --worker-core 1
#
# The generator shares the main core with the switch's (idle) main thread; the switch's worker
# has the worker core. Everything started is stopped, sockets removed, hugepages given back.
set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
source "$here/lib/common.sh"
source "$VSWITCH_ROOT/perf/lib.sh"

mode=xconnect main_core=0 worker_core=1
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --l2) mode=l2 ;;
    --main-core) main_core=$2; shift ;;
    --worker-core) worker_core=$2; shift ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) args+=("$1") ;;
  esac
  shift
done
[ "$(id -u)" -eq 0 ] || die "the latency bench runs DPDK processes and needs root"
find_java
require_dpdk
perf_ensure_built

work=$(mktemp -d /tmp/vswitch-latency.XXXXXX)
report=$(perf_report_dir latency)
gen_pid=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  perf_stop_pid "$gen_pid"
  perf_stop_pid "$PERF_SWITCH_PID"
  cp "$work/switch.log" "$report/" 2>/dev/null || true
  rm -rf "$work"
  perf_release_hugepages
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM
perf_reserve_hugepages 900

cd "$VSWITCH_ROOT"
perf_start_loop_switch "$work" "$mode" "$main_core" "$worker_core" on
note "switch running ($mode); generator on core $main_core"
java "${PERF_JVM_OPTS[@]}" -cp "$(perf_classpath)" io.vswitch.perf.loop.LoopMain latency \
  --tx "$PERF_LOOP_TX" --rx "$PERF_LOOP_RX" --core "$main_core" --out "$report" "${args[@]}" &
gen_pid=$!
wait "$gen_pid"
gen_pid=
note "histograms and table in $report"
