#!/usr/bin/env bash
# Latency through the switch over a vhost-user loop: a Java DPDK generator (its own EAL, two
# virtio-user ports) writes the TSC into each frame, the switch forwards between its two
# vhost-user ports, the generator receives and records (now - stamp) in HdrHistogram. First the
# most the loop delivers, then trials at fractions of it; p50/p99/p99.9/p99.99/max printed. The
# frames above p99.9 are correlated with both JVMs' safepoints, the generator's own loop gaps and
# the worker-stall histogram of the switch's /metrics ("tail samples overlapping a safepoint: K
# of N"). reports/latency-<time>/: latency.txt, .hgrm files, *-tail.txt, safepoint-*.log.
#
#   scripts/latency.sh                           # 64-byte frames, loads 10%,50%,90%, 5 s each
#   scripts/latency.sh --loads 0.1,0.5 --seconds 10 --frame-size 512
#   scripts/latency.sh --l2                      # the switch in L2 mode (both ports access vlan 10)
#   scripts/latency.sh --main-core 0 --worker-core 1 --gen-core 2 [--gap-us 5] [--scrape-ms 100]
#
# Cores: with 3+ the generator gets one of its own (default: the first that is neither the main
# nor the worker core); with 2 it shares the main core with the switch's main thread and JVM
# housekeeping, and the table says so. --gen-core 1 puts it on the worker's core instead.
# Everything started is stopped, sockets removed, hugepages given back.
set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
source "$here/lib/common.sh"
source "$VSWITCH_ROOT/perf/lib.sh"
perf_loop_main latency "$0" 18 "histograms and table in" "$@"
