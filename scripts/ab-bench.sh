#!/usr/bin/env bash
# Is a change faster? Builds a base commit in a temporary worktree next to this tree (built as it
# is, uncommitted changes included), then runs one bench row on both in A B B A rounds and prints
# each run's cycles/packet, the per-round difference (this tree minus base) and its median.
#
#   scripts/ab-bench.sh HEAD~1                      # l2-fair, 10 rounds of 3 s runs
#   scripts/ab-bench.sh 4e109fc --row l2-fair-acl300 --rounds 14
#   scripts/ab-bench.sh main --row xconnect --seconds 5 --warmup 3
#
# Why A B B A and not A B A B: on this project's 2-vCPU VM, two runs of the same tree in a row
# differ by a median of 36 cycles/packet (A/A, 10 pairs of l2-fair: the second of each pair was
# faster 8 times). Strict alternation gives one tree that position every time, which is as large
# as the changes measured. A B B A gives each tree each position equally. Cuts smaller than about
# 15 cycles/packet still need many rounds here, since single runs vary by 5-25 %.
#
# The worktree and its build are removed at exit. Needs what scripts/bench.sh needs (root, DPDK).
set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
source "$here/lib/common.sh"

[ $# -ge 1 ] || die "usage: scripts/ab-bench.sh BASE-COMMIT [--row ROW] [--rounds N] [--seconds S] [--warmup S]"
base_ref=$1
shift
row=l2-fair
rounds=10
seconds=3
warmup=2
while [ $# -gt 0 ]; do
  case "$1" in
    --row) row=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --seconds) seconds=$2; shift ;;
    --warmup) warmup=$2; shift ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1'" ;;
  esac
  shift
done
[ "$(id -u)" -eq 0 ] || die "the bench runs DPDK processes and needs root"
find_java
commit=$(git -C "$VSWITCH_ROOT" rev-parse --verify --quiet "$base_ref^{commit}") \
  || die "'$base_ref' is not a commit of $VSWITCH_ROOT"

base=$(mktemp -d /tmp/vswitch-ab-base.XXXXXX)
cleanup() {
  git -C "$VSWITCH_ROOT" worktree remove --force "$base" >/dev/null 2>&1 || rm -rf "$base"
  git -C "$VSWITCH_ROOT" worktree prune >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
git -C "$VSWITCH_ROOT" worktree add --detach --force "$base" "$commit" >/dev/null 2>&1 \
  || die "could not make a worktree of $commit"
for tree in "$base" "$VSWITCH_ROOT"; do
  note "building $tree..."
  (cd "$tree" && mvn -B -q -o verify -DskipTests -Dspotless.check.skip=true >/dev/null 2>&1) \
    || (cd "$tree" && mvn -B -q verify -DskipTests -Dspotless.check.skip=true) >&2 \
    || die "build of $tree failed"
done

# One run of the row on a tree: its cycles/packet, or nothing when the row did not run.
cycles() {
  (cd "$1" && VSWITCH_NO_BUILD=1 scripts/bench.sh --only "^$row\$" --seconds "$seconds" \
    --warmup "$warmup" 2>/dev/null) | awk -v row="$row" '$1 == row && $2 ~ /^[0-9.]+$/ {print $6}'
}

results=$(mktemp /tmp/vswitch-ab.XXXXXX)
trap 'rm -f "$results"; cleanup' EXIT
echo "row $row, base $(git -C "$VSWITCH_ROOT" rev-parse --short "$commit"), this tree $(git -C "$VSWITCH_ROOT" rev-parse --short HEAD)$(git -C "$VSWITCH_ROOT" diff --quiet HEAD || echo ' + changes')"
echo "round  base   this   this   base   (cycles/packet, in run order)"
for r in $(seq 1 "$rounds"); do
  a1=$(cycles "$base"); b1=$(cycles "$VSWITCH_ROOT"); b2=$(cycles "$VSWITCH_ROOT"); a2=$(cycles "$base")
  [ -n "$a1" ] && [ -n "$b1" ] && [ -n "$b2" ] && [ -n "$a2" ] || die "round $r: a run of $row failed"
  printf '%5d  %5s  %5s  %5s  %5s\n' "$r" "$a1" "$b1" "$b2" "$a2"
  echo "$a1 $b1 $b2 $a2" >>"$results"
done
python3 - "$results" <<'PY'
import statistics, sys
rounds = [list(map(int, l.split())) for l in open(sys.argv[1]) if l.strip()]
base = [x for r in rounds for x in (r[0], r[3])]
this = [x for r in rounds for x in (r[1], r[2])]
diff = sorted((r[1] + r[2] - r[0] - r[3]) / 2 for r in rounds)
lower = sum(1 for d in diff if d < 0)
print(f"base: median {statistics.median(base)}, min {min(base)}; "
      f"this tree: median {statistics.median(this)}, min {min(this)}")
print(f"this - base per round: median {statistics.median(diff):+.1f} cycles/packet, "
      f"lower in {lower} of {len(diff)} rounds; all: {diff}")
PY
