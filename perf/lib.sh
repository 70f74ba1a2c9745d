# Shared helpers of the perf scripts (scripts/bench.sh, jmh.sh, latency.sh, rfc2544.sh,
# pktgen.sh). Source it after scripts/lib/common.sh; do not run it.

# The switch's options (scripts/lib/common.sh, sourced first): the same collector everywhere.
PERF_JVM_OPTS=("${VSWITCH_JVM_OPTS[@]}")

# The extra JVM option that logs every safepoint to FILE, stamped with CLOCK_MONOTONIC
# (timenanos: System.nanoTime() of every JVM here, so two processes' logs line up) and uptime.
# Appended after PERF_JVM_OPTS, never instead of them.
perf_safepoint_log_opt() {
  echo "-Xlog:safepoint*=info:file=$1:uptime,timenanos,tags"
}

perf_classpath() {
  echo "$VSWITCH_ROOT/perf/target/classes:$VSWITCH_ROOT/perf/target/lib/*"
}

# Builds everything (perf included) when the perf module has not been packaged yet, or when
# ensure_built finds the sources newer than the build. VSWITCH_NO_BUILD=1 uses what is built
# (e.g. while someone else's half-written change does not compile).
perf_ensure_built() {
  if [ "${VSWITCH_NO_BUILD:-0}" = 1 ]; then
    [ -d "$VSWITCH_ROOT/perf/target/lib" ] || die "VSWITCH_NO_BUILD=1 but perf is not built"
    return 0
  fi
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

# One harness run (scripts/bench.sh, scripts/profile.sh): a temp work dir and a report dir
# (globals work, report), hugepages reserved when $1 is "on" (PERF_HUGEPAGES 2 MiB pages, default
# 1100), and an exit trap that stops the Java
# process, keeps its logs in the report, removes the work dir and gives the hugepages back.
perf_harness_session() {
  work=$(mktemp -d "/tmp/vswitch-$2.XXXXXX")
  report=$(perf_report_dir "$2")
  java_pid=
  trap perf_harness_cleanup EXIT
  trap 'exit 130' INT TERM
  if [ "$1" = on ]; then
    perf_reserve_hugepages "${PERF_HUGEPAGES:-1100}"
  fi
}

perf_harness_cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  perf_stop_pid "$java_pid"
  [ -d "$work/logs" ] && cp -r "$work/logs" "$report/" 2>/dev/null
  rm -rf "$work"
  perf_release_hugepages
  exit $rc
}

# Runs the harness's Java main class with the perf classpath, from the project root, in the
# background so the exit trap can stop it, and waits for it.
perf_harness_java() {
  cd "$VSWITCH_ROOT"
  java "${PERF_JVM_OPTS[@]}" -cp "$(perf_classpath)" "$@" &
  java_pid=$!
  wait "$java_pid"
  java_pid=
}

# The loop of the latency and RFC 2544 benches: the switch with two vhost-user ports (server
# sockets under DIR) cross-connected (or, with MODE=l2, both on access VLAN 10), worker on
# WORKER_CORE, main on MAIN_CORE, its API (and /metrics) on the unix socket DIR/state/api.sock.
# Further arguments are extra JVM options, after PERF_JVM_OPTS. Sets PERF_SWITCH_PID,
# PERF_LOOP_TX, PERF_LOOP_RX, PERF_LOOP_API.
PERF_SWITCH_PID=
perf_start_loop_switch() {
  local dir=$1 mode=$2 main_core=$3 worker_core=$4 hugepages=$5
  shift 5
  local cfg="$dir/switch.yaml" forwarding
  if [ "$mode" = l2 ]; then
    forwarding="port-groups:
  - {name: vlan10, vlan: {mode: access, id: 10}}
fdb: {aging-seconds: 300}"
  else
    forwarding="cross-connect: [[vm1, vm2]]"
  fi
  cat > "$cfg" <<YAML
eal: {hugepages: $hugepages, memory-mb: 1024, main-core: $main_core}
workers: {cores: [$worker_core], idle: busy-spin}
ports:
  - {name: vm1, devargs: "net_vhost0,iface=lo/statistics"$([ "$mode" = l2 ] && echo ", port-group: vlan10")}
  - {name: vm2, devargs: "net_vhost1,iface=lo/queues"$([ "$mode" = l2 ] && echo ", port-group: vlan10")}
$forwarding
YAML
  # Workaround: ConfigValidator checks every iface= against /sys/class/net, vhost sockets too.
  # Relative socket paths that also name entries of /sys/class/net/lo pass the check, and DPDK
  # creates them under the switch's working directory ($dir/sw/lo/...).
  mkdir -p "$dir/sw/lo" "$dir/state"
  (cd "$dir/sw" && exec java "${PERF_JVM_OPTS[@]}" "$@" -cp "$(perf_classpath)" \
    io.vswitch.control.VswitchMain --config "$cfg" --counters "$dir/counters" \
    --state-dir "$dir/state") \
    > "$dir/switch.log" 2>&1 &
  PERF_SWITCH_PID=$!
  for _ in $(seq 1 600); do
    grep -q '^vswitch: running' "$dir/switch.log" 2>/dev/null && break
    if ! kill -0 "$PERF_SWITCH_PID" 2>/dev/null; then
      cat "$dir/switch.log" >&2
      PERF_SWITCH_PID=
      die "the switch did not start (config $cfg)"
    fi
    sleep 0.1
  done
  grep -q '^vswitch: running' "$dir/switch.log" || die "the switch did not start in 60 s"
  PERF_LOOP_TX="net_virtio_user0,path=$dir/sw/lo/statistics"
  PERF_LOOP_RX="net_virtio_user1,path=$dir/sw/lo/queues"
  PERF_LOOP_API="$dir/state/api.sock"
}

# The body shared by scripts/latency.sh and scripts/rfc2544.sh: parse the common options, start the
# switch between two vhost-user ports, run LoopMain KIND as the generator, and clean up everything
# on exit. Cores: the switch's worker (--worker-core), its main thread, where HousekeepingAffinity
# also keeps its JVM's other threads (--main-core), and the generator's thread (--gen-core). With
# 3 or more cores the defaults give each its own (0 main, 1 worker, 2 generator); with fewer the
# generator shares the main core, and the table says so. The generator's JVM runs under taskset
# on the main core (its own GC/JIT threads); only its generator thread pins itself elsewhere.
# Both JVMs log their safepoints into the report directory.
#   perf_loop_main KIND SCRIPT HELP_LINES DONE_MESSAGE "$@"
perf_loop_main() {
  local kind=$1 script=$2 help_lines=$3 done_message=$4
  shift 4
  local mode=xconnect main_core=0 worker_core=1 gen_core=
  local args=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --l2) mode=l2 ;;
      --main-core) main_core=$2; shift ;;
      --worker-core) worker_core=$2; shift ;;
      --gen-core) gen_core=$2; shift ;;
      -h|--help) sed -n "2,${help_lines}p" "$script" | sed 's/^# \{0,1\}//'; exit 0 ;;
      *) args+=("$1") ;;
    esac
    shift
  done
  if [ -z "$gen_core" ]; then
    gen_core=$main_core
    local c
    for c in $(seq 0 $(($(getconf _NPROCESSORS_ONLN) - 1))); do
      if [ "$c" != "$main_core" ] && [ "$c" != "$worker_core" ]; then gen_core=$c; break; fi
    done
  fi
  [ "$(id -u)" -eq 0 ] || die "the $kind bench runs DPDK processes and needs root"
  find_java
  require_dpdk
  perf_ensure_built

  PERF_LOOP_WORK=$(mktemp -d "/tmp/vswitch-$kind.XXXXXX")
  PERF_LOOP_REPORT=$(perf_report_dir "$kind")
  PERF_LOOP_GEN_PID=
  trap perf_loop_cleanup EXIT
  trap 'exit 130' INT TERM
  perf_reserve_hugepages 900

  cd "$VSWITCH_ROOT"
  perf_start_loop_switch "$PERF_LOOP_WORK" "$mode" "$main_core" "$worker_core" on \
    "$(perf_safepoint_log_opt "$PERF_LOOP_REPORT/safepoint-switch.log")"
  if [ "$gen_core" = "$main_core" ] || [ "$gen_core" = "$worker_core" ]; then
    note "switch running ($mode); generator on core $gen_core, SHARED with the switch's $([ "$gen_core" = "$worker_core" ] && echo worker || echo "main thread and JVM housekeeping")"
  else
    note "switch running ($mode); generator on core $gen_core of its own"
  fi
  taskset -c "$main_core" java "${PERF_JVM_OPTS[@]}" \
    "$(perf_safepoint_log_opt "$PERF_LOOP_REPORT/safepoint-generator.log")" \
    -cp "$(perf_classpath)" io.vswitch.perf.loop.LoopMain "$kind" \
    --tx "$PERF_LOOP_TX" --rx "$PERF_LOOP_RX" --core "$gen_core" --out "$PERF_LOOP_REPORT" \
    --main-core "$main_core" --worker-core "$worker_core" --online-cores "$(getconf _NPROCESSORS_ONLN)" \
    --api-socket "$PERF_LOOP_API" --switch-pid "$PERF_SWITCH_PID" \
    --safepoint-log "$PERF_LOOP_REPORT/safepoint-generator.log" \
    --switch-safepoint-log "$PERF_LOOP_REPORT/safepoint-switch.log" \
    "${args[@]}" &
  PERF_LOOP_GEN_PID=$!
  wait "$PERF_LOOP_GEN_PID"
  PERF_LOOP_GEN_PID=
  note "$done_message $PERF_LOOP_REPORT"
}

perf_loop_cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  perf_stop_pid "$PERF_LOOP_GEN_PID"
  perf_stop_pid "$PERF_SWITCH_PID"
  cp "$PERF_LOOP_WORK/switch.log" "$PERF_LOOP_REPORT/" 2>/dev/null || true
  rm -rf "$PERF_LOOP_WORK"
  perf_release_hugepages
  exit $rc
}
