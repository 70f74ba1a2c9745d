#!/usr/bin/env bash
# JMH micro-benchmarks of the data plane, in ns per packet, with allocation (-prof gc).
#
#   scripts/jmh.sh                      # every benchmark
#   scripts/jmh.sh CrossConnect         # those matching a regex (JMH's include pattern)
#   scripts/jmh.sh PacketBatch -p frameSize=64,1518 -f 2   # more JMH options after the regex
#   scripts/jmh.sh -l                   # list them
#
# Benchmarks with @OperationsPerInvocation(32) report per packet (a burst is 32); gc.alloc.rate.norm
# is bytes allocated per operation, i.e. per packet there (0 is the goal). Results also go to
# reports/jmh-<time>/result.json. Reserves hugepages if too few are free and gives them back at
# exit (--no-hugepages: run with --no-huge). The benchmark thread is pinned to the worker core
# (VSWITCH_BENCH_CORE, default 1), alone; the rest of the JVM runs on the other cores.
set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
source "$here/lib/common.sh"
source "$VSWITCH_ROOT/perf/lib.sh"

hugepages=on
args=()
for a in "$@"; do
  case "$a" in
    --no-hugepages) hugepages=off ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) args+=("$a") ;;
  esac
done
find_java
require_dpdk
perf_ensure_built

report=$(perf_report_dir jmh)
java_pid=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  perf_stop_pid "$java_pid"
  perf_release_hugepages
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if [ "$hugepages" = on ] && [ "$(id -u)" -eq 0 ]; then
  perf_reserve_hugepages 300
fi

# The benchmark thread runs alone on the worker core, as the switch's worker does in the end-to-end
# bench; the JVM (JIT, GC, JMH's threads) runs on the other cores. Pinning the whole JVM to the
# worker core made the benchmark take turns with them there (perf jmh BenchCore).
core=${VSWITCH_BENCH_CORE:-1}
pin=()
if command -v taskset >/dev/null && [ "$core" -lt "$(nproc)" ]; then
  others=$(seq 0 $(($(nproc) - 1)) | grep -vx "$core" | paste -sd, || true)
  if [ -n "$others" ]; then
    pin=(taskset -c "$others")
    export VSWITCH_BENCH_THREAD_CORE=$core # BenchCore
  else
    pin=(taskset -c "$core") # one core: everything shares it
  fi
fi
cd "$VSWITCH_ROOT"
"${pin[@]}" java "${PERF_JVM_OPTS[@]}" -cp "$(perf_classpath)" org.openjdk.jmh.Main \
  -prof gc -rf json -rff "$report/result.json" "${args[@]}" &
java_pid=$!
wait "$java_pid"
java_pid=
note "JMH results in $report/result.json"
