# Shared helpers of the perf scripts (scripts/bench.sh, jmh.sh, latency.sh, rfc2544.sh,
# pktgen.sh). Source it after scripts/lib/common.sh; do not run it.

PERF_JVM_OPTS=(--enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -Xms256m -Xmx1g)

perf_classpath() {
  echo "$VSWITCH_ROOT/perf/target/classes:$VSWITCH_ROOT/perf/target/lib/*"
}

# Builds everything (perf included) when the perf module has not been packaged yet, or when
# ensure_built finds the sources newer than the build.
perf_ensure_built() {
  ensure_built
  if [ ! -d "$VSWITCH_ROOT/perf/target/lib" ] || [ ! -d "$VSWITCH_ROOT/perf/target/classes/io" ] \
    || [ -n "$(find "$VSWITCH_ROOT/perf/src" -newer "$VSWITCH_ROOT/perf/target/lib" -print -quit)" ]; then
    note "building the perf module (mvn package)..."
    (cd "$VSWITCH_ROOT" && mvn -B -q package -DskipTests -Dspotless.check.skip=true) >&2 \
      || die "build failed; run 'mvn package' in $VSWITCH_ROOT to see why"
    touch "$VSWITCH_ROOT/perf/target/lib"
  fi
}

# Hugepages for a bench: when fewer than PAGES 2 MiB pages are free, reserves (and mounts) them
# with scripts/hugepages.sh and registers perf_release_hugepages to give back exactly that.
PERF_HUGEPAGES_BEFORE=
perf_reserve_hugepages() {
  local pages=$1 free total
  free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
  total=$(awk '/HugePages_Total/ {print $2}' /proc/meminfo)
  if [ "$free" -ge "$pages" ] && awk '$3 == "hugetlbfs"' /proc/mounts | grep -q .; then
    return 0
  fi
  [ "$(id -u)" -eq 0 ] || die "need $pages free hugepages (have $free): run as root, or pass --no-hugepages"
  PERF_HUGEPAGES_BEFORE=$total
  "$VSWITCH_ROOT/scripts/hugepages.sh" $((total - free + pages)) >&2
}

perf_release_hugepages() {
  [ -n "$PERF_HUGEPAGES_BEFORE" ] || return 0
  if [ "$PERF_HUGEPAGES_BEFORE" -eq 0 ]; then
    "$VSWITCH_ROOT/scripts/hugepages.sh" --release >&2 || true
  else
    sysctl -qw vm.nr_hugepages="$PERF_HUGEPAGES_BEFORE" || true
  fi
  PERF_HUGEPAGES_BEFORE=
}

# Stops a background job we started (and its process group when it has one), then waits.
perf_stop_pid() {
  local pid=$1
  [ -n "$pid" ] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

perf_report_dir() {
  local kind=$1 dir
  dir="$VSWITCH_ROOT/reports/$kind-$(date +%Y%m%d-%H%M%S)"
  mkdir -p "$dir"
  echo "$dir"
}
