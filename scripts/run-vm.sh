#!/usr/bin/env bash
# Boots a QEMU guest whose virtio-net NIC is a vhost-user port of the switch.
#   scripts/run-vm.sh --socket /run/vswitch/vm1.sock --image disk.qcow2
#   scripts/run-vm.sh --socket SOCK --test-guest --append "vsw.ip=10.0.0.2/24 vsw.ping=10.0.0.1"
#                     # a tiny guest (scripts/guest-image.sh builds it on first use): no disk
#   scripts/run-vm.sh --socket SOCK --kernel VMLINUZ --initrd INITRD [--append "ARGS"]
#   scripts/run-vm.sh ... --accel tcg|kvm   # default: KVM when it is usable, else TCG (slow)
#   scripts/run-vm.sh --socket SOCK --image IMG --queues 2 --memory 2048 --cpus 2 --mac 52:54:00:00:00:01
#   scripts/run-vm.sh --socket SOCK --image IMG --server     # QEMU owns the socket: the switch port
#                                                           # is vhost-user with mode: client
#   scripts/run-vm.sh ... --monitor /tmp/vm1.mon            # QEMU's monitor (HMP) on a unix socket
#   scripts/run-vm.sh ... --incoming tcp:0:4444             # the destination of a live migration:
#                     # same options as the source, on the new host's vhost-user socket; then on the
#                     # source's monitor: migrate -d tcp:NEWHOST:4444
#   scripts/run-vm.sh ... --dry-run                         # print the QEMU command, run nothing
# Without --server the switch owns the socket (its port: type vhost-user, mode: server, the
# default) and QEMU connects to it, reconnecting every second if the switch restarts.
# The guest's memory must be shared (memfd, share=on) so that the switch can reach its virtqueues.
# The guest console is on this terminal (-nographic), or in a file with --console FILE.
# QEMU 7.2's virtio-net segfaults in its MSI-X path over vhost-user, so on QEMU < 8 the device
# gets vectors=0 (legacy interrupts); newer QEMU gets MSI-X vectors for multi-queue.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

socket= image= kernel= initrd= append= console= accel=auto monitor= incoming=
queues=1 memory=1024 cpus=2 mac=52:54:00:12:34:56 server=no dry_run=no
while [ $# -gt 0 ]; do
  case "$1" in
    --socket) socket=$2; shift ;;
    --image) image=$2; shift ;;
    --kernel) kernel=$2; shift ;;
    --initrd) initrd=$2; shift ;;
    --append) append=$2; shift ;;
    --test-guest)
      image_files=$("$(dirname "$0")/guest-image.sh") || die "cannot build the test guest (above)"
      read -r kernel initrd <<<"$image_files" ;;
    --console) console=$2; shift ;;
    --accel) accel=$2; shift ;;
    --queues) queues=$2; shift ;;
    --memory) memory=$2; shift ;;
    --cpus) cpus=$2; shift ;;
    --mac) mac=$2; shift ;;
    --server) server=yes ;;
    --monitor) monitor=$2; shift ;;
    --incoming) incoming=$2; shift ;;
    --dry-run) dry_run=yes ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
  shift
done
[ -n "$socket" ] || die "--socket PATH is required: the switch port's vhost-user socket"
[ -n "$image" ] || [ -n "$kernel" ] \
  || die "--image DISK (a bootable qcow2 or raw disk), --kernel FILE or --test-guest is required"
[ -z "$kernel" ] || [ -n "$initrd" ] || die "--kernel needs --initrd"
case "$accel" in auto | kvm | tcg) ;; *) die "--accel must be auto, kvm or tcg, not '$accel'" ;; esac
[[ "$queues" =~ ^[1-9][0-9]*$ ]] || die "--queues must be a positive number, not '$queues'"
[[ "$memory" =~ ^[1-9][0-9]*$ ]] || die "--memory must be MB, not '$memory'"

if [ "$server" = yes ]; then
  chardev="socket,id=vsw0,path=$socket,server=on,wait=off"
else
  # reconnect=1: a restarted switch gets its VM back without operator action.
  chardev="socket,id=vsw0,path=$socket,reconnect=1"
fi
netdev="vhost-user,id=net0,chardev=vsw0,queues=$queues"
device="virtio-net-pci,netdev=net0,mac=$mac"
# $QEMU_VERSION overrides what the installed QEMU says (for --dry-run on another machine).
qemu_version=${QEMU_VERSION:-$(qemu-system-x86_64 --version 2>/dev/null | sed -n 's/^QEMU emulator version \([0-9.]*\).*/\1/p')}
[ "$queues" -gt 1 ] && device="$device,mq=on"
if [ -n "$qemu_version" ] && [ "${qemu_version%%.*}" -lt 8 ]; then
  device="$device,vectors=0" # QEMU 7.x: MSI-X over vhost-user segfaults; INTx works
elif [ "$queues" -gt 1 ]; then
  device="$device,vectors=$((2 * queues + 2))" # one per rx and tx queue, config and control
fi

# KVM needs /dev/kvm read-write and virtualisation in the CPU; a VM without nested virtualisation
# has the device but no vmx/svm, and KVM then fails. TCG runs anywhere, slowly.
if [ "$accel" = auto ]; then
  if [ -r /dev/kvm ] && [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo; then accel=kvm; else accel=tcg; fi
fi
cpu=host
[ "$accel" = tcg ] && cpu=max
cmd=(qemu-system-x86_64 -machine "pc,accel=$accel,memory-backend=mem" -cpu "$cpu" -smp "$cpus" -m "$memory"
  -object "memory-backend-memfd,id=mem,size=${memory}M,share=on"
  -chardev "$chardev" -netdev "$netdev" -device "$device")
if [ -n "$kernel" ]; then
  cmd+=(-kernel "$kernel" -initrd "$initrd" -append "console=ttyS0 panic=-1 quiet $append" -no-reboot)
else
  cmd+=(-drive "file=$image,if=virtio")
fi
if [ -n "$console" ]; then
  cmd+=(-display none -serial "file:$console")
  [ -n "$monitor" ] || cmd+=(-monitor none)
else
  cmd+=(-nographic)
fi
[ -z "$monitor" ] || cmd+=(-monitor "unix:$monitor,server=on,wait=off")
[ -z "$incoming" ] || cmd+=(-incoming "$incoming")

if [ "$dry_run" = yes ]; then
  out=()
  for arg in "${cmd[@]}"; do
    if [[ "$arg" =~ ^[A-Za-z0-9_,./:=@+-]+$ ]]; then out+=("$arg"); else out+=("$(printf '%q' "$arg")"); fi
  done
  echo "${out[*]}"
  exit 0
fi
[ "$accel" != kvm ] || [ -e /dev/kvm ] || die "no /dev/kvm: use --accel tcg (or enable nested virtualisation)"
[ -z "$image" ] || [ -r "$image" ] || die "cannot read guest image '$image'"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found: apt-get install qemu-system-x86"
if [ "$server" = no ] && [ ! -S "$socket" ]; then
  note "$socket does not exist yet; QEMU waits for the switch to create it"
fi
exec "${cmd[@]}"
