#!/usr/bin/env bash
# Builds libvswitch_shim.so against the system's DPDK (pkg-config libdpdk).
# Called by Maven (ffm-bindings, generate-resources) with the output directory.
set -euo pipefail
out=${1:?usage: build-shim.sh OUTPUT_DIR}
src=$(cd "$(dirname "$0")" && pwd)
if ! command -v pkg-config >/dev/null || ! pkg-config --exists libdpdk; then
  echo "vswitch: error: DPDK development files not found (pkg-config libdpdk). Install them: sudo apt-get install dpdk dpdk-dev libdpdk-dev pkg-config (or run scripts/install-deps.sh)" >&2
  exit 1
fi
mkdir -p "$out"
# -Werror: the shim is small enough that every warning is a bug.
${CC:-cc} -O3 -g -fPIC -shared -Wall -Wextra -Werror -Wno-unused-parameter \
  $(pkg-config --cflags libdpdk) \
  -o "$out/libvswitch_shim.so" "$src/vswitch_shim.c" \
  -Wl,--no-as-needed $(pkg-config --libs libdpdk)
echo "built $out/libvswitch_shim.so against DPDK $(pkg-config --modversion libdpdk)"
