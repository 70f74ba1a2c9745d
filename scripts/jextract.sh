#!/usr/bin/env bash
# Regenerates the raw FFM layer (io.vswitch.ffm.raw) from the shim's header with jextract.
#
# Expects jextract for JDK 22 (jextract 22, https://jdk.java.net/jextract/): the code it
# generates must compile with --release 22. Builds for JDK 23+ emit SymbolLookup.findOrThrow,
# which JDK 22 lacks; replace it with find(..).orElseThrow() as the committed files do.
#
# The output goes to ffm-bindings/target/jextract, not over the committed sources: the committed
# layer marks the fast-path functions Linker.Option.critical(false), which jextract cannot do.
# Diff, then carry the changes over by hand.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
command -v jextract >/dev/null || die "jextract is not on PATH; get jextract 22 from https://jdk.java.net/jextract/"
require_dpdk

src="$VSWITCH_ROOT/ffm-bindings/src/main/c"
out="$VSWITCH_ROOT/ffm-bindings/target/jextract"
rm -rf "$out"
# jextract cannot take pkg-config's `-include rte_config.h`; the wrapper header includes it first.
includes=$(pkg-config --cflags-only-I libdpdk)
# shellcheck disable=SC2086
jextract --output "$out" --target-package io.vswitch.ffm.raw --header-class-name vswitch_shim_h \
  --library vswitch_shim $includes -I "$src" \
  --include-function-regex 'vs_.*' --include-struct vs_port_stats --include-struct vs_link_info \
  --include-struct vs_port_info \
  "$src/vswitch_shim_wrapper.h"
note "generated into $out; compare with ffm-bindings/src/main/java/io/vswitch/ffm/raw"
diff -ru "$VSWITCH_ROOT/ffm-bindings/src/main/java/io/vswitch/ffm/raw" "$out/io/vswitch/ffm/raw" | diffstat 2>/dev/null || true
