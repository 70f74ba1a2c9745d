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
perf_loop_main rfc2544 "$0" 14 "report (rfc2544.html) in" "$@"
