package io.vswitch.perf.loop.tail;

/**
 * A span of CLOCK_MONOTONIC time (the clock of {@code System.nanoTime()} in every JVM on Linux, and
 * of unified logging's {@code timenanos} decoration), ns, with what happened in it.
 */
public record Interval(long start, long end, String what) {
  public Interval {
    if (end < start) {
      throw new IllegalArgumentException("interval ends before it starts: " + start + ".." + end);
    }
  }

  /** How many ns this and [{@code from}, {@code to}] have in common; 0 when disjoint. */
  public long overlap(long from, long to) {
    return Math.max(0, Math.min(end, to) - Math.max(start, from));
  }

  /** True when the two share any instant (touching ends count). */
  public boolean touches(long from, long to) {
    return start <= to && from <= end;
  }

  public long length() {
    return end - start;
  }
}
