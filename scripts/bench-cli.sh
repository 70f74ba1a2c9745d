#!/usr/bin/env bash
# How long one vswitchctl call takes, end to end (bash wrapper, JVM start, one API request), against
# a live daemon (net_null ports, no hugepages) and with the daemon down. Target: < 0.3 s a call.
# Usage: scripts/bench-cli.sh [CALLS]   (uses hyperfine when installed, else a timed loop; CPU time
# per call is the figure that holds on a loaded machine, wall time the one an operator feels)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib/common.sh"
find_java
require_dpdk
ensure_built
calls=${1:-20}
work=$(mktemp -d /tmp/vswitch-bench-cli.XXXXXX)
daemon=
cleanup() { [ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
cat > "$work/switch.yaml" <<YAML
eal: {hugepages: "off"}
workers: {cores: [-1], idle: backoff}
port-groups: [{name: web, vlan: {mode: access, id: 10}}]
ports: [{name: a, devargs: "net_null_benchcli0,no-rx=1", port-group: web}]
YAML
"$here/vswitch" --config "$work/switch.yaml" --state-dir "$work/state" >"$work/switch.log" 2>&1 &
daemon=$!
for _ in $(seq 600); do grep -q "vswitch: running" "$work/switch.log" && break; sleep 0.1; done
grep -q "vswitch: running" "$work/switch.log" || die "the daemon did not start: $(cat "$work/switch.log")"
ctl="$here/vswitchctl --state-dir $work/state"
$ctl show >/dev/null   # the first call writes the AppCDS archive
measure() { # name, command
  if command -v hyperfine >/dev/null; then
    hyperfine -N --warmup 3 --runs "$calls" -i "$2" --command-name "$1"
  else
    local start end cpu
    start=$(date +%s%N)
    cpu=$( { TIMEFORMAT='%U %S'; time (for _ in $(seq "$calls"); do $2 >/dev/null 2>&1 || true; done); } 2>&1 )
    end=$(date +%s%N)
    echo "$1: $(( (end - start) / calls / 1000000 )) ms wall, $(awk -v c="$cpu" -v n="$calls" \
      'BEGIN { split(c, t, " "); printf "%d", (t[1] + t[2]) * 1000 / n }') ms CPU per call (mean of $calls)"
  fi
}
measure "vswitchctl show" "$ctl show"
measure "vswitchctl history" "$ctl history"
$ctl add-acl-rule bench '{"priority":1,"action":"deny"}' >/dev/null
kill "$daemon"; wait "$daemon" 2>/dev/null || true; daemon=
measure "vswitchctl show (daemon down)" "$ctl show"
