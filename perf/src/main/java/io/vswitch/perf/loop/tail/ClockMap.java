package io.vswitch.perf.loop.tail;

/**
 * Maps the generator's TSC readings onto CLOCK_MONOTONIC ns, the clock the switch's safepoint log
 * ({@code timenanos}) and its worker-stall scrapes are in, by a straight line through two (TSC,
 * nanoTime) pairs read back to back before and after a trial. The TSC is invariant on the machines
 * DPDK runs on, so a line is exact up to the few hundred ns each pair takes to read.
 */
public record ClockMap(long tsc0, long nanos0, double nanosPerTick) {
  public static ClockMap between(long tsc0, long nanos0, long tsc1, long nanos1) {
    if (tsc1 <= tsc0) {
      throw new IllegalArgumentException("the second TSC reading must come after the first");
    }
    return new ClockMap(tsc0, nanos0, (nanos1 - nanos0) / (double) (tsc1 - tsc0));
  }

  public long nanos(long tsc) {
    return nanos0 + Math.round((tsc - tsc0) * nanosPerTick);
  }
}
