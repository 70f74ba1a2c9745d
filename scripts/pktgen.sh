#!/usr/bin/env bash
# Drives the switch from a traffic generator attached as a virtio-user peer of its vhost-user
# port, as users who test with Pktgen-DPDK do: Pktgen-DPDK when installed (pktgen or
# dpdk-pktgen on PATH, or PKTGEN=/path), else dpdk-testpmd --forward-mode=txonly. The switch
# cross-connects the vhost-user port to a net_null sink; the rate is read from its counters.
#
#   scripts/pktgen.sh                       # 64-byte frames, 3 s warm-up + 10 s
#   scripts/pktgen.sh --frame-size 512 --seconds 20
#   scripts/pktgen.sh --testpmd             # use testpmd even when pktgen is there
#   scripts/pktgen.sh --gen-cpu 0 --worker-core 1
#
# The generator's lcores are mapped onto --gen-cpu (default 0) with --lcores, so the switch's
# worker keeps its core on a 2-core machine. The pktgen command file used is kept in the report
# folder (reports/pktgen-<time>/pktgen.cmd) so it can be rerun by hand.
set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
source "$here/lib/common.sh"
source "$VSWITCH_ROOT/perf/lib.sh"

size=64 seconds=10 warmup=3 gen_cpu=0 main_core=0 worker_core=1 force_testpmd=no
while [ $# -gt 0 ]; do
  case "$1" in
    --frame-size) size=$2; shift ;;
    --seconds) seconds=$2; shift ;;
    --warmup) warmup=$2; shift ;;
    --gen-cpu) gen_cpu=$2; shift ;;
    --main-core) main_core=$2; shift ;;
    --worker-core) worker_core=$2; shift ;;
    --testpmd) force_testpmd=yes ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
  shift
done
[ "$(id -u)" -eq 0 ] || die "needs root (DPDK)"
find_java
require_dpdk
perf_ensure_built

pktgen=${PKTGEN:-$(command -v pktgen || command -v dpdk-pktgen || true)}
[ "$force_testpmd" = yes ] && pktgen=
work=$(mktemp -d /tmp/vswitch-pktgen.XXXXXX)
report=$(perf_report_dir pktgen)
gen_pid= switch_pid=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  perf_stop_pid "$gen_pid"
  perf_stop_pid "$switch_pid"
  cp "$work"/*.log "$report/" 2>/dev/null || true
  rm -rf "$work"
  perf_release_hugepages
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM
perf_reserve_hugepages 900

# The switch: vhost-user port 'vm' (socket under $work/sw, see perf_start_loop_switch for why
# the path is relative) cross-connected to a sink.
mkdir -p "$work/sw/lo"
cat > "$work/switch.yaml" <<YAML
eal: {hugepages: on, memory-mb: 1024, main-core: $main_core}
workers: {cores: [$worker_core], idle: busy-spin}
ports:
  - {name: vm, devargs: "net_vhost0,iface=lo/statistics"}
  - {name: sink, devargs: "net_null0,no-rx=1"}
cross-connect: [[vm, sink]]
YAML
(cd "$work/sw" && exec java "${PERF_JVM_OPTS[@]}" -cp "$(perf_classpath)" \
  io.vswitch.control.VswitchMain --config "$work/switch.yaml" --counters "$work/counters") \
  > "$work/switch.log" 2>&1 &
switch_pid=$!
for _ in $(seq 1 600); do
  grep -q '^vswitch: running' "$work/switch.log" && break
  kill -0 "$switch_pid" 2>/dev/null || { cat "$work/switch.log" >&2; die "the switch did not start"; }
  sleep 0.1
done
sock="$work/sw/lo/statistics"
eal=(--lcores="0@$gen_cpu,1@$gen_cpu" --in-memory --no-telemetry --single-file-segments --no-pci -m 512
  --log-level=warning --vdev="net_virtio_user0,path=$sock")

if [ -n "$pktgen" ]; then
  cat > "$report/pktgen.cmd" <<CMD
set 0 size $size
set 0 rate 100
set 0 count 0
set 0 proto udp
set 0 dst mac 02:00:ff:ff:ff:00
start 0
CMD
  note "generator: Pktgen-DPDK ($pktgen) with $report/pktgen.cmd"
  # pktgen wants a terminal for its display; script(1) gives it one and keeps it off ours.
  script -qfec "$pktgen ${eal[*]} -- -P -T -m '1.0' -f $report/pktgen.cmd" /dev/null \
    < /dev/null > "$work/pktgen.log" 2>&1 &
  gen_pid=$!
else
  note "generator: dpdk-testpmd --forward-mode=txonly (Pktgen-DPDK not found; set PKTGEN= to use it)"
  dpdk-testpmd "${eal[@]}" -- --forward-mode=txonly --txpkts=$((size - 4)) --nb-cores=1 \
    --stats-period=1 --auto-start > "$work/testpmd.log" 2>&1 &
  gen_pid=$!
fi
java "${PERF_JVM_OPTS[@]}" -cp "$(perf_classpath)" io.vswitch.perf.bench.CounterRate \
  "$work/counters" sink "$warmup" "$seconds" | tee "$report/rate.txt"
kill -0 "$gen_pid" 2>/dev/null || { tail -20 "$work"/*.log >&2; die "the generator exited early"; }
note "logs in $report"
