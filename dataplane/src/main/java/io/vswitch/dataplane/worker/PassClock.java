package io.vswitch.dataplane.worker;

import io.vswitch.dataplane.conntrack.CtClock;
import io.vswitch.dataplane.l2.FdbClock;
import io.vswitch.ffm.Eal;

/**
 * A worker's one clock read per poll pass: the TSC, read once by {@link #tick()} at the top of the
 * pass, and every other notion of time the pass needs derived from it without another read: the
 * policers' and shapers' TSC time, the FDB's whole seconds, and the pass-to-pass gap in nanoseconds
 * for the stall histogram.
 *
 * <p>FDB seconds and conntrack milliseconds must agree with the control thread's ({@link FdbClock},
 * {@link CtClock}, on the JVM's monotonic clock), so they are not computed from the TSC: they are
 * re-read from those clocks when the TSC passes the next refresh point (sixteen times a second for
 * seconds, every millisecond for milliseconds). Either is then late by at most its refresh
 * interval, and a pass pays two compares.
 *
 * <p>Single writer: the worker thread that ticks it.
 */
public final class PassClock {
  private static final int REFRESHES_PER_SECOND = 16;

  private final long hz;
  private final long refreshTicks;

  /** Nanoseconds per tick as a 32.32 fixed-point multiplier, for gaps below 2^32 ticks. */
  private final long nanosPerTickFixed;

  /** The longest gap the fixed-point multiply takes without overflow. */
  private final long fastLimit;

  private final boolean manual;
  private final long milliTicks;
  private long tsc;
  private long seconds;
  private long nextRefresh;
  private long millis;
  private long nextMilli;

  private PassClock(long hz, boolean manual, long start) {
    if (hz <= 0) {
      throw new IllegalArgumentException("TSC frequency " + hz);
    }
    this.hz = hz;
    this.manual = manual;
    this.refreshTicks = Math.max(1, hz / REFRESHES_PER_SECOND);
    this.nanosPerTickFixed = Math.max(1, (1_000_000_000L << 32) / hz);
    this.fastLimit = Long.MAX_VALUE / nanosPerTickFixed;
    this.tsc = start;
    this.seconds = FdbClock.nowSeconds();
    this.nextRefresh = start + refreshTicks;
    this.milliTicks = Math.max(1, hz / 1000);
    this.millis = CtClock.nowMillis();
    this.nextMilli = start + milliTicks;
  }

  /** The TSC of this machine, at the frequency the EAL measured (or measured here without one). */
  public static PassClock tsc() {
    return new PassClock(tscHz(), false, Eal.rdtsc());
  }

  /** A clock that moves only by {@link #set}: for tests and benches that replay time. */
  public static PassClock manual(long hz) {
    return new PassClock(hz, true, 0);
  }

  /** Reads the TSC once: the time of this pass. Returns it. */
  public long tick() {
    if (!manual) {
      advance(Eal.rdtsc());
    }
    return tsc;
  }

  /** Manual clocks: this pass happens at {@code ticks}. */
  public void set(long ticks) {
    if (!manual) {
      throw new IllegalStateException("a TSC clock is not set by hand");
    }
    advance(ticks);
  }

  private void advance(long now) {
    tsc = now;
    if (now - nextRefresh >= 0) {
      seconds = FdbClock.nowSeconds();
      nextRefresh = now + refreshTicks;
    }
    if (now - nextMilli >= 0) {
      millis = CtClock.nowMillis();
      nextMilli = now + milliTicks;
    }
  }

  /** TSC time of the current pass. */
  public long now() {
    return tsc;
  }

  /** FDB time of the current pass, in {@link FdbClock}'s whole seconds. */
  public long seconds() {
    return seconds;
  }

  /** Conntrack time of the current pass, in {@link CtClock}'s milliseconds. */
  public long millis() {
    return millis;
  }

  /** TSC ticks per second. */
  public long hz() {
    return hz;
  }

  /** {@code ticks} in nanoseconds: a multiply and a shift, but for gaps of about two seconds. */
  public long nanos(long ticks) {
    if (ticks <= 0) {
      return 0;
    }
    if (ticks < fastLimit) {
      return (ticks * nanosPerTickFixed) >>> 32;
    }
    return ticks / hz * 1_000_000_000L + (ticks % hz) * 1_000_000_000L / hz;
  }

  private static long tscHz() {
    Eal eal = Eal.current();
    if (eal != null) {
      return eal.tscHz();
    }
    // No EAL (unit tests of the poll loop): measure the TSC against the monotonic clock.
    long t0 = Eal.rdtsc();
    long n0 = System.nanoTime();
    long n1;
    do {
      n1 = System.nanoTime();
    } while (n1 - n0 < 20_000_000L);
    long t1 = Eal.rdtsc();
    return Math.max(1, (t1 - t0) * 1_000_000_000L / (n1 - n0));
  }
}
