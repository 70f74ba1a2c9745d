#!/usr/bin/env bash
# RFC 2544 through the switch over the vhost-user loop (the generator of scripts/latency.sh):
# per frame size, throughput by binary search for zero loss, latency at that rate, frame loss
# rate against offered load (10% steps), back-to-back bursts. Output: a table on stdout and
# reports/rfc2544-<time>/{rfc2544.txt,rfc2544.html,*.hgrm} (HTML with inline SVG plots).
#
#   scripts/rfc2544.sh                             # sizes 64,128,256,512,1024,1280,1518, 2 s trials
#   scripts/rfc2544.sh --sizes 64,1518 --trial-seconds 1
#   scripts/rfc2544.sh --resolution 0.005 --loss-steps 10 --l2
#
# "Offered load" is relative to the most the generator (one Java core on virtio-user) can send,
# not a NIC's line rate: virtual ports have none. Full run: about 7 sizes x ~30 trials x trial time.
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
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) args+=("$1") ;;
  esac
  shift
done
[ "$(id -u)" -eq 0 ] || die "the RFC 2544 bench runs DPDK processes and needs root"
find_java
require_dpdk
perf_ensure_built

work=$(mktemp -d /tmp/vswitch-rfc2544.XXXXXX)
report=$(perf_report_dir rfc2544)
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
java "${PERF_JVM_OPTS[@]}" -cp "$(perf_classpath)" io.vswitch.perf.loop.LoopMain rfc2544 \
  --tx "$PERF_LOOP_TX" --rx "$PERF_LOOP_RX" --core "$main_core" --out "$report" "${args[@]}" &
gen_pid=$!
wait "$gen_pid"
gen_pid=
note "report in $report/rfc2544.html"
