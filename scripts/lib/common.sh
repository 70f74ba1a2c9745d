# Shared helpers for vswitch's scripts. Source it; do not run it.

VSWITCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

die() { echo "vswitch: error: $*" >&2; exit 1; }
note() { echo "vswitch: $*" >&2; }

# Finds a JDK >= 22 (the FFM API): $JAVA_HOME first, then /usr/lib/jvm. Exports JAVA_HOME/PATH.
find_java() {
  local candidates=() c v
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  for c in /usr/lib/jvm/*; do [ -d "$c" ] && candidates+=("$c"); done
  for c in "${candidates[@]}"; do
    [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
    v=$("$c/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
    if [ -n "$v" ] && [ "${v%%.*}" -ge 22 ] 2>/dev/null; then
      export JAVA_HOME="$c" PATH="$c/bin:$PATH"
      # jetcd's gRPC (protobuf, Netty: the distributed switch's etcd client, control side only)
      # uses sun.misc.Unsafe, which JDK 23+ warns about on stderr; allowed, as before JDK 23.
      if [ "${v%%.*}" -ge 23 ] 2>/dev/null && [[ " ${VSWITCH_JVM_OPTS[*]:-} " != *unsafe-memory* ]]; then
        VSWITCH_JVM_OPTS+=(--sun-misc-unsafe-memory-access=allow)
      fi
      return 0
    fi
  done
  die "no JDK >= 22 found (looked at \$JAVA_HOME and /usr/lib/jvm). Install one, e.g. Temurin 25 (https://adoptium.net) into /usr/lib/jvm, or set JAVA_HOME"
}

require_dpdk() {
  command -v pkg-config >/dev/null && pkg-config --exists libdpdk \
    || die "DPDK not found (pkg-config libdpdk). Install it: sudo scripts/install-deps.sh"
}

# Builds the switch if it has not been built (or the sources are newer than the build).
ensure_built() {
  local stamp="$VSWITCH_ROOT/control/target/lib"
  if [ ! -d "$stamp" ] || [ -n "$(find "$VSWITCH_ROOT" -path '*/src/*' -newer "$stamp" -print -quit 2>/dev/null)" ]; then
    note "building (mvn package)..."
    (cd "$VSWITCH_ROOT" && mvn -B -q package -DskipTests -Dspotless.check.skip=true) >&2 \
      || die "build failed; run 'mvn package' in $VSWITCH_ROOT to see why"
    touch "$stamp"
  fi
}

vswitch_classpath() {
  echo "$VSWITCH_ROOT/control/target/classes:$VSWITCH_ROOT/control/target/lib/*"
}

# Maven 3.8 on JDK 25 warns about its own use of sun.misc.Unsafe; the warning is not ours.
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"

# The one place for the switch's JVM options (pom.xml's vswitch.jvm.args for tests, perf/lib.sh,
# EndToEndBench and the Dockerfile follow it). ZGC (generational): its pauses stay tens of us
# whatever the control plane allocates; ParallelGC's young pauses took 3-130 ms during 1,000 API
# changes and stopped the workers for as long (scripts/stall-bench.sh compares them). ZGC's load
# barriers cost ~20% of the 64-byte L2 rate on one core when first measured (16.0 vs 19.3-20.0
# Mpps); since the stages read their arrays once a burst, six alternating pairs of l2-fair runs
# (2026-12-08) put ZGC at a median 10 cycles/packet above ParallelGC (of ~155; pairs from -44 to
# +41, inside this machine's noise). VSWITCH_GC=ParallelGC where the control plane is quiet and
# pauses are fine.
VSWITCH_GC=${VSWITCH_GC:-ZGC}
case "$VSWITCH_GC" in
  ZGC | ParallelGC | G1GC | ShenandoahGC) ;;
  *) die "VSWITCH_GC must be ZGC, ParallelGC, G1GC or ShenandoahGC, not '$VSWITCH_GC'" ;;
esac
export VSWITCH_GC
VSWITCH_JVM_OPTS=(--enable-native-access=ALL-UNNAMED "-XX:+Use$VSWITCH_GC" -Xms256m -Xmx1g)
