#!/usr/bin/env bash
# The whole test suite: installs what it needs, builds the C shim and the Java modules, runs
# unit and integration tests (network namespaces need root), and checks formatting.
#   scripts/test.sh [extra maven args]
set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
source "$here/lib/common.sh"

if [ "$(id -u)" -eq 0 ]; then
  "$here/install-deps.sh"
else
  note "not root: skipping dependency install and the network-namespace tests"
fi
find_java
require_dpdk
cd "$VSWITCH_ROOT"
exec mvn -B verify "$@"
