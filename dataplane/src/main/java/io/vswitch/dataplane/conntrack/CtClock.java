package io.vswitch.dataplane.conntrack;

/**
 * Conntrack's notion of time: milliseconds on the JVM's monotonic clock, consistent across the
 * workers and the control thread. Starts at 1000 so that no entry is ever created at time 0. The
 * stage reads it once per burst; tests pass their own times instead.
 */
public final class CtClock {
  private static final long ORIGIN = System.nanoTime();

  private CtClock() {}

  public static long nowMillis() {
    return (System.nanoTime() - ORIGIN) / 1_000_000L + 1000;
  }
}
