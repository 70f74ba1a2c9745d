#!/usr/bin/env bash
# Where the cycles go: runs one row of perf/bench/configurations.yaml exactly as scripts/bench.sh
# does (net_pcap generator -> switch -> net_null sink, same cores, same VswitchRunner), loads
# async-profiler (Maven Central tools.profiler:async-profiler:4.1, linux-x64) into the switch
# after the warm-up, and writes to reports/profile-<time>/<row>/:
#   flame.html        flame graph, a tower per thread; the worker's (Java, inlined _[i], native DPDK
#                     and kernel frames) is the wide one
#   stacks.collapsed  the same samples as collapsed stacks, rooted at [thread-name tid=N]
#   breakdown.txt     % of the worker's samples per stage / native part -> cycles per packet
#                     (TSC Hz / packet rate, times the worker's on-CPU share), and the heaviest
#                     leaf frames by name
#
#   scripts/profile.sh l2-access-trunk               # 5 s warm-up, 10 s profiled, event=cpu
#   scripts/profile.sh xconnect --event itimer       # where perf_events is refused
#   scripts/profile.sh l2-acl10 --seconds 20 --interval-us 500 --cstack dwarf
#   scripts/profile.sh l2-access-trunk --agent-options features=vtable
#   scripts/profile.sh --list                        # the rows
#
# Other options are EndToEndBench's (--frame-size, --worker-core, --main-core, --no-hugepages...).
# Hugepages, the switch and the temp dir are given back / stopped / removed at exit.
set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
source "$here/lib/common.sh"
source "$VSWITCH_ROOT/perf/lib.sh"

hugepages=on
row=
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-hugepages) hugepages=off ;;
    --list) sed -n 's/^- name: //p' "$VSWITCH_ROOT/perf/bench/configurations.yaml"; exit 0 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --*) args+=("$1" "$2"); shift ;;
    *) [ -z "$row" ] || die "one row at a time (got '$row' and '$1')"; row=$1 ;;
  esac
  shift
done
[ -n "$row" ] || die "which row? scripts/profile.sh ROW (scripts/profile.sh --list)"
[ "$(id -u)" -eq 0 ] || die "the profile runs DPDK processes and needs root"
find_java
require_dpdk
perf_ensure_built

perf_harness_session "$hugepages" profile
perf_harness_java io.vswitch.perf.profile.ProfileMain \
  --row "$row" --work-dir "$work" --hugepages "$hugepages" --out "$report/$row" "${args[@]}"
note "flame graph, stacks and breakdown in $report/$row"
