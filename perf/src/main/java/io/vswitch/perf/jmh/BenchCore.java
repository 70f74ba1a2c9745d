package io.vswitch.perf.jmh;

import io.vswitch.ffm.CpuAffinity;

/**
 * The core a benchmark thread runs on alone, as the switch's worker does in the end-to-end bench.
 * scripts/jmh.sh names it in {@link #VARIABLE} and starts the JVM on the other cores, so the JIT,
 * GC and JMH's own threads do not take turns with the benchmark on its core. That share is one the
 * on-CPU profiler cannot see: the fork keeps the core busy either way.
 */
public final class BenchCore {
  static final String VARIABLE = "VSWITCH_BENCH_THREAD_CORE";

  private BenchCore() {}

  /**
   * Pins the calling thread (a benchmark's, from its trial set-up) to the core {@link #VARIABLE}
   * names; when it is unset the thread stays where the JVM was started.
   */
  public static void pinCallingThread() {
    String core = System.getenv(VARIABLE);
    if (core != null && !core.isBlank()) {
      CpuAffinity.pin(Integer.parseInt(core.strip()));
    }
  }
}
