#!/usr/bin/env bash
# Worker-stall bench: does the control plane stop the workers? For each collector, in one run, the
# switch (L2: a net_pcap port replaying 64-byte frames forever, unicast by a static FDB entry to a
# net_null sink) forwards while
#   1. nothing else happens (the baseline window), then
#   2. CHANGES API changes run back to back (a third port moved between two port groups: each is
#      validated, compiled, published to the workers and journaled),
# and prints per window: the forwarding rate, the worker-stall histogram's max and p99.9 (gaps
# between two poll passes, from /metrics; log2 buckets, so "<= 2^k" bounds) and the JVM's longest
# safepoint (-Xlog:safepoint) with its VM operation's own time, which tells a GC or other VM stop
# from the kernel preempting the worker or the threads a safepoint waits for. No pass/fail:
# numbers to read; on a shared or oversubscribed machine the kernel's preemptions dominate.
#
#   scripts/stall-bench.sh                          # ParallelGC, ZGC, Shenandoah; 1000 changes
#   scripts/stall-bench.sh --gcs 'ParallelGC ZGC' --changes 500 --seconds 10
#   scripts/stall-bench.sh --worker-core 1 --main-core 0 --hugepages on
#
# The JVM options are scripts/lib/common.sh's VSWITCH_JVM_OPTS with only the collector replaced.
# Everything it starts is stopped and its temp dir removed on exit; logs are kept in
# reports/stall-<time>/.
set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
source "$here/lib/common.sh"
source "$VSWITCH_ROOT/perf/lib.sh"

gcs="ParallelGC ZGC ShenandoahGC"
changes=1000
seconds=5
warmup=5
main_core=0
worker_core=1
hugepages=off
while [ $# -gt 0 ]; do
  case "$1" in
    --gcs) gcs=$2; shift ;;
    --changes) changes=$2; shift ;;
    --seconds) seconds=$2; shift ;;
    --warmup) warmup=$2; shift ;;
    --main-core) main_core=$2; shift ;;
    --worker-core) worker_core=$2; shift ;;
    --hugepages) hugepages=$2; shift ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
  shift
done
[ "$(id -u)" -eq 0 ] || die "the bench runs DPDK processes and needs root"
command -v curl >/dev/null || die "curl not found: apt-get install curl"
find_java
require_dpdk
ensure_built

work=$(mktemp -d /tmp/vswitch-stall.XXXXXX)
report=$(perf_report_dir stall)
switch_pid=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  perf_stop_pid "$switch_pid"
  cp "$work"/*.log "$report/" 2>/dev/null || true
  rm -rf "$work"
  [ "$hugepages" = on ] && perf_release_hugepages
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM
[ "$hugepages" = on ] && perf_reserve_hugepages 600

# One 64-byte frame (60 + FCS) to 02:00:00:00:00:02 from 02:00:00:00:00:01, local experimental
# ethertype 0x88b5 (no IP header to check), in a pcap file.
{
  printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x01\x00\x00\x00'
  printf '\x00\x00\x00\x00\x00\x00\x00\x00\x3c\x00\x00\x00\x3c\x00\x00\x00'
  printf '\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x88\xb5'
  head -c 46 /dev/zero
} > "$work/frame.pcap"

# The GC flag of VSWITCH_JVM_OPTS replaced by -XX:+Use$1.
jvm_opts() {
  local o
  for o in "${VSWITCH_JVM_OPTS[@]}"; do
    case "$o" in -XX:+Use*GC) ;; *) printf '%s\n' "$o" ;; esac
  done
  printf '%s\n' "-XX:+Use$1"
}

metrics() { taskset -c "$main_core" curl -sf "http://$api/metrics"; }
# The sink's forwarded frames.
tx_packets() { awk '$1 == "vswitch_port_packets_total{port=\"sink\",direction=\"tx\"}" {print $2}' <<<"$1"; }
# Worker 0's cumulative stall buckets: "le count" lines.
stall_buckets() {
  sed -n 's/^vswitch_worker_stall_seconds_bucket{worker="0",le="\([^"]*\)"} \(.*\)$/\1 \2/p' <<<"$1"
}
# max and p99.9 of the gaps between two scrapes, from the bucket deltas: "max<=X p99.9<=Y".
stall_window() {
  join <(stall_buckets "$1") <(stall_buckets "$2") | awk '
    { le[NR] = $1; d[NR] = $3 - $2 } END {
      total = d[NR]; if (total == 0) { print "no passes"; exit }
      prev = 0; max = "-"; p = "-"
      for (i = 1; i <= NR; i++) {
        if (d[i] > prev) max = le[i]
        if (p == "-" && d[i] >= total * 0.999) p = le[i]
        prev = d[i]
      }
      printf "max<=%s p99.9<=%s passes=%d", fmt(max), fmt(p), total
    }
    function fmt(s) { if (s == "+Inf") return ">1.07s"; return sprintf("%.3gms", s * 1000) }'
}
# Safepoints in log lines FROM..TO: their count, the longest (Total) and the longest VM operation
# itself (At safepoint); the rest of a long one is threads taking long to reach it (preempted).
safepoints() {
  awk -v a="$2" -v b="$3" 'NR >= a && NR <= b' "$1" | sed -n 's/.*At safepoint: \([0-9]*\) ns.*Total: \([0-9]*\) ns.*/\1 \2/p' \
    | awk '{ n++; if ($2 > m) m = $2; if ($1 > op) op = $1 } END {
      printf "safepoints=%d longest=%.3fms (operation %.3fms)", n, m / 1e6, op / 1e6 }'
}
lines() { wc -l < "$1"; }

printf '%-13s %-9s %9s  %-46s %s\n' collector window Mpps "worker stalls (worker 0)" "JVM pauses" \
  | tee "$report/table.txt"
for gc in $gcs; do
  dir="$work/$gc"
  mkdir -p "$dir/state"
  api="127.0.0.1:$((20000 + RANDOM % 20000))"
  cat > "$dir/switch.yaml" <<YAML
eal: {hugepages: "$hugepages", memory-mb: 512, main-core: $main_core}
workers: {cores: [$worker_core], idle: busy-spin}
port-groups:
  - {name: v10, vlan: {mode: access, id: 10}}
  - {name: v20, vlan: {mode: access, id: 20}}
ports:
  - {name: gen, devargs: "net_pcap0,rx_pcap=$work/frame.pcap,infinite_rx=1", port-group: v10}
  - {name: sink, devargs: "net_null0,no-rx=1", port-group: v10}
  - {name: moved, devargs: "net_null1,no-rx=1", port-group: v10}
fdb: {static: [{mac: "02:00:00:00:00:02", vlan: 10, port: sink}]}
YAML
  mapfile -t opts < <(jvm_opts "$gc")
  log="$work/switch-$gc.log"
  sp="$work/safepoint-$gc.log"
  java "${opts[@]}" "-Xlog:safepoint=info:file=$sp" -cp "$(vswitch_classpath)" \
    io.vswitch.control.VswitchMain --config "$dir/switch.yaml" --state-dir "$dir/state" \
    --api "$api" --counters "$dir/counters" > "$log" 2>&1 &
  switch_pid=$!
  for _ in $(seq 1 600); do
    grep -q '^vswitch: running' "$log" 2>/dev/null && break
    kill -0 "$switch_pid" 2>/dev/null || { cat "$log" >&2; die "the switch did not start ($gc)"; }
    sleep 0.1
  done
  token=$(cat "$dir/state/api-token")
  # The changes, as one curl run over one connection: moved to v20 and back, CHANGES times.
  for i in $(seq 1 "$changes"); do
    printf 'url = "http://%s/v1/ports/moved/port-group"\nrequest = "PUT"\ndata = "%s"\n' \
      "$api" "$([ $((i % 2)) = 1 ] && echo v20 || echo v10)"
    printf 'header = "Authorization: Bearer %s"\noutput = "%s"\nwrite-out = "%%{http_code}\\n"\n' \
      "$token" "$dir/last-answer"
    [ "$i" -lt "$changes" ] && echo next
  done > "$dir/changes.curl"
  sleep "$warmup"

  m0=$(metrics); s0=$(lines "$sp"); t0=$(date +%s%N)
  sleep "$seconds"
  m1=$(metrics); s1=$(lines "$sp"); t1=$(date +%s%N)
  # The client on the main core, with the switch's own control threads: not on the worker's.
  codes=$(taskset -c "$main_core" curl -s -K "$dir/changes.curl")
  grep -qv '^200$' <<<"$codes" && note "$gc: a refused change: $(cat "$dir/last-answer")"
  m2=$(metrics); s2=$(lines "$sp"); t2=$(date +%s%N)
  ok=$(grep -c '^200$' <<<"$codes" || true)
  [ "$ok" -eq "$changes" ] || note "$gc: only $ok of $changes changes answered 200"

  rate() { awk -v a="$(tx_packets "$1")" -v b="$(tx_packets "$2")" -v t="$3" \
    'BEGIN { printf "%.2f", (b - a) * 1e3 / t }'; }
  printf '%-13s %-9s %9s  %-46s %s\n' "$gc" idle "$(rate "$m0" "$m1" $((t1 - t0)))" \
    "$(stall_window "$m0" "$m1")" "$(safepoints "$sp" $((s0 + 1)) "$s1")" | tee -a "$report/table.txt"
  printf '%-13s %-9s %9s  %-46s %s\n' "$gc" "$ok chg" "$(rate "$m1" "$m2" $((t2 - t1)))" \
    "$(stall_window "$m1" "$m2")" "$(safepoints "$sp" $((s1 + 1)) "$s2")" \
    | tee -a "$report/table.txt"
  awk '$1 == "vswitch_worker_max_stall_seconds{worker=\"0\"}" {
    printf "%-13s since start: worker max stall %.3f ms\n", "'"$gc"'", $2 * 1000 }' <<<"$m2" \
    | tee -a "$report/table.txt"
  perf_stop_pid "$switch_pid"
  switch_pid=
done
note "report and logs in $report"
