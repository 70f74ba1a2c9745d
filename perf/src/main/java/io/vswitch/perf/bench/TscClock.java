package io.vswitch.perf.bench;

import io.vswitch.ffm.Eal;

/**
 * The TSC's frequency, measured as DPDK's rte_get_tsc_hz does when the CPU does not say it: TSC
 * ticks over a known interval of the monotonic clock. Each TSC read sits between two clock reads,
 * so the error is the reads' few hundred nanoseconds over the interval (under 10 ppm at 0.5 s).
 * rdtsc needs no EAL: nothing is initialised in the bench's own JVM.
 */
public final class TscClock {
  private TscClock() {}

  public static double measureHz(long millis) {
    long[] start = read();
    TestpmdRunner.sleep(millis);
    long[] end = read();
    return (end[1] - start[1]) * 1e9 / (end[0] - start[0]);
  }

  /** {nanoTime at the TSC read, TSC}: the tightest of a few tries. */
  private static long[] read() {
    long bestSpan = Long.MAX_VALUE;
    long[] best = null;
    for (int i = 0; i < 16; i++) {
      long before = System.nanoTime();
      long tsc = Eal.rdtsc();
      long after = System.nanoTime();
      if (after - before < bestSpan) {
        bestSpan = after - before;
        best = new long[] {before + (after - before) / 2, tsc};
      }
    }
    return best;
  }
}
