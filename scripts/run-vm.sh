#!/usr/bin/env bash
# Boots a QEMU/KVM guest whose virtio-net NIC is a vhost-user port of the switch.
#   scripts/run-vm.sh --socket /run/vswitch/vm1.sock --image disk.qcow2
#   scripts/run-vm.sh --socket SOCK --image IMG --queues 2 --memory 2048 --cpus 2 --mac 52:54:00:00:00:01
#   scripts/run-vm.sh --socket SOCK --image IMG --server     # QEMU owns the socket: the switch port
#                                                           # is vhost-user with mode: client
#   scripts/run-vm.sh ... --dry-run                         # print the QEMU command, run nothing
# Without --server the switch owns the socket (its port: type vhost-user, mode: server, the
# default) and QEMU connects to it, reconnecting every second if the switch restarts.
# The guest's memory must be shared (memfd, share=on) so that the switch can reach its virtqueues.
# Needs working KVM (/dev/kvm); the guest console is on this terminal (-nographic).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

socket= image= queues=1 memory=1024 cpus=2 mac=52:54:00:12:34:56 server=no dry_run=no
while [ $# -gt 0 ]; do
  case "$1" in
    --socket) socket=$2; shift ;;
    --image) image=$2; shift ;;
    --queues) queues=$2; shift ;;
    --memory) memory=$2; shift ;;
    --cpus) cpus=$2; shift ;;
    --mac) mac=$2; shift ;;
    --server) server=yes ;;
    --dry-run) dry_run=yes ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
  shift
done
[ -n "$socket" ] || die "--socket PATH is required: the switch port's vhost-user socket"
[ -n "$image" ] || die "--image DISK is required: a bootable guest disk (qcow2 or raw)"
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
if [ "$queues" -gt 1 ]; then
  # One MSI-X vector per rx and per tx queue, plus config and control.
  device="$device,mq=on,vectors=$((2 * queues + 2))"
fi
cmd=(qemu-system-x86_64 -machine q35,accel=kvm -cpu host -smp "$cpus" -m "$memory"
  -object "memory-backend-memfd,id=mem,size=${memory}M,share=on" -numa node,memdev=mem
  -chardev "$chardev" -netdev "$netdev" -device "$device"
  -drive "file=$image,if=virtio" -nographic)

if [ "$dry_run" = yes ]; then
  out=()
  for arg in "${cmd[@]}"; do
    if [[ "$arg" =~ ^[A-Za-z0-9_,./:=@+-]+$ ]]; then out+=("$arg"); else out+=("$(printf '%q' "$arg")"); fi
  done
  echo "${out[*]}"
  exit 0
fi
[ -e /dev/kvm ] || die "no /dev/kvm: this machine cannot run KVM guests (nested virtualisation off?)"
[ -r "$image" ] || die "cannot read guest image '$image'"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found: apt-get install qemu-system-x86"
if [ "$server" = no ] && [ ! -S "$socket" ]; then
  note "$socket does not exist yet; QEMU waits for the switch to create it"
fi
exec "${cmd[@]}"
