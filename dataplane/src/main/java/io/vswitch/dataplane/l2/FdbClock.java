package io.vswitch.dataplane.l2;

/**
 * The FDB's notion of time: whole seconds on the JVM's monotonic clock, shared by every worker and
 * the control thread (System.nanoTime is consistent across threads). Starts at 1 so that a learned
 * entry's time is never 0.
 */
public final class FdbClock {
  private static final long ORIGIN = System.nanoTime();

  private FdbClock() {}

  public static long nowSeconds() {
    return (System.nanoTime() - ORIGIN) / 1_000_000_000L + 1;
  }
}
