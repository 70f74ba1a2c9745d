#!/usr/bin/env bash
# Builds a tiny test guest for scripts/run-vm.sh: Debian's cloud kernel (downloaded with apt-get
# download, unpacked, not installed) and a busybox-static initramfs whose /init loads virtio-net,
# gives eth0 a static address and pings a peer. Cached; prints "KERNEL INITRD" on stdout.
#   scripts/guest-image.sh            # build once into ~/.cache/vswitch-guest (or $VSWITCH_GUEST_CACHE)
# Kernel command line the /init reads (run-vm.sh --append):
#   vsw.ip=10.0.0.2/24   eth0's address (without it eth0 stays down)
#   vsw.ping=10.0.0.1    ping it once a second forever, one console line per try:
#                        "vsw-guest: ping N ok" or "vsw-guest: ping N fail"
#   vsw.stream=10.0.0.1:5001  a TCP stream of zeros to it, as fast as it goes, until the
#                        connection breaks: "vsw-guest: stream ended"
# The console (ttyS0) says "vsw-guest: eth0 up ADDR" once the NIC is configured.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

cache=${VSWITCH_GUEST_CACHE:-$HOME/.cache/vswitch-guest}
version=3 # bump when the initramfs layout changes, so that caches are rebuilt
if [ -f "$cache/vmlinuz" ] && [ -f "$cache/initramfs.gz" ] && [ "$(cat "$cache/version" 2>/dev/null)" = "$version" ]; then
  echo "$cache/vmlinuz $cache/initramfs.gz"
  exit 0
fi
for tool in apt-get apt-cache dpkg-deb depmod cpio gzip; do
  command -v "$tool" >/dev/null || die "$tool not found: this script needs Debian's packaging tools"
done
busybox=/bin/busybox
[ -x "$busybox" ] && "$busybox" --list >/dev/null 2>&1 || die "no busybox: apt-get install busybox-static"
if ldd "$busybox" >/dev/null 2>&1; then
  die "$busybox is dynamically linked; the initramfs needs busybox-static (apt-get install busybox-static)"
fi

mkdir -p "$cache"
work=$(mktemp -d "$cache/build.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The versioned image package the cloud meta-package depends on, e.g. linux-image-6.1.0-57-cloud-amd64.
package=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')
[ -n "$package" ] || die "apt-cache knows no linux-image-cloud-amd64 (run apt-get update)"
note "downloading $package (unpacked into $cache, not installed)"
chmod 777 "$work" # apt-get download fetches as _apt
(cd "$work" && apt-get download -q "$package" >/dev/null) || die "apt-get download $package failed"
dpkg-deb -x "$work"/"$package"_*.deb "$work/kernel"
kver=${package#linux-image-}
modules="$work/kernel/lib/modules/$kver"
[ -d "$modules" ] || die "no modules for $kver in $package"
depmod -b "$work/kernel" "$kver" # the .deb ships no modules.dep: its postinst makes it

# Load order: each module after what it depends on (modules.dep lists the dependencies).
order=()
add_module() { # $1: path relative to $modules
  local m dep
  m=$1
  for known in "${order[@]}"; do [ "$known" = "$m" ] && return 0; done
  for dep in $(awk -v m="$m:" '$1 == m {for (i = 2; i <= NF; i++) print $i}' "$modules/modules.dep"); do
    add_module "$dep"
  done
  order+=("$m")
}
for name in virtio_pci virtio_net; do
  path=$(awk -F: -v n="/$name.ko" 'index($1, n) && substr($1, length($1) - length(n) + 1) == n {print $1; exit}' "$modules/modules.dep")
  # Built in (=y) is fine too: then there is nothing to load.
  [ -n "$path" ] && add_module "$path"
done

root="$work/root"
mkdir -p "$root"/{bin,dev,proc,sys,modules}
cp "$busybox" "$root/bin/busybox"
for m in "${order[@]}"; do
  cp "$modules/$m" "$root/modules/"
  echo "$(basename "$m")" >>"$root/modules/order"
done
cat >"$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /modules/order); do insmod /modules/$m || echo "vsw-guest: cannot load $m"; done
addr= target= stream=
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    vsw.ip=*) addr=${arg#vsw.ip=} ;;
    vsw.ping=*) target=${arg#vsw.ping=} ;;
    vsw.stream=*) stream=${arg#vsw.stream=} ;;
  esac
done
ip link set lo up
if [ -n "$addr" ]; then
  i=0
  while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  ip addr add "$addr" dev eth0 && ip link set eth0 up && echo "vsw-guest: eth0 up $addr"
fi
if [ -n "$stream" ]; then
  (sleep 2; dd if=/dev/zero bs=65536 2>/dev/null | nc "${stream%:*}" "${stream#*:}"
    echo "vsw-guest: stream ended") &
fi
n=0
while true; do
  if [ -n "$target" ]; then
    n=$((n + 1))
    if ping -c 1 -W 1 "$target" >/dev/null 2>&1; then echo "vsw-guest: ping $n ok"; else echo "vsw-guest: ping $n fail"; fi
  fi
  sleep 1
done
EOF
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initramfs.gz"

mv "$work/kernel/boot/vmlinuz-$kver" "$cache/vmlinuz"
mv "$work/initramfs.gz" "$cache/initramfs.gz"
echo "$version" >"$cache/version"
note "guest image: $cache/vmlinuz $cache/initramfs.gz (kernel $kver, modules: ${order[*]##*/})"
echo "$cache/vmlinuz $cache/initramfs.gz"
