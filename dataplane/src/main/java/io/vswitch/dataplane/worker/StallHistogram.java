package io.vswitch.dataplane.worker;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * How long a worker went between two looks at its queues: a fixed log2-bucket histogram of the gaps
 * between poll passes, plus the largest gap. One writer (the worker, once per pass, no allocation,
 * no lock, no CAS: opaque stores that monitoring reads racily); any number of readers.
 *
 * <p>Bucket {@code b} counts gaps in [2^(b-1), 2^b) ns (bucket 0: under 1 ns), so bucket 20 ends at
 * ~1.05 ms. A gap is what a frame queued right after a pass began waits at most for the next one:
 * the pass's own work plus anything that stopped the thread (a GC or other safepoint, a JIT
 * deoptimisation, the kernel preempting it). The idle strategy's intentional sleep is not a stall
 * and is left out by the caller (see {@link WorkerThread}).
 */
public final class StallHistogram {
  /** Buckets up to 2^40 ns (~18 min); anything longer lands in the last. */
  public static final int BUCKETS = 41;

  private static final VarHandle COUNTS = MethodHandles.arrayElementVarHandle(long[].class);
  private static final VarHandle MAX;
  private static final VarHandle SUM;

  static {
    try {
      MAX = MethodHandles.lookup().findVarHandle(StallHistogram.class, "maxNanos", long.class);
      SUM = MethodHandles.lookup().findVarHandle(StallHistogram.class, "sumNanos", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final long[] counts = new long[BUCKETS];

  @SuppressWarnings("unused") // through MAX
  private long maxNanos;

  @SuppressWarnings("unused") // through SUM
  private long sumNanos;

  /** Records one gap; worker thread only. */
  public void record(long gapNanos) {
    int bucket = bucket(gapNanos);
    COUNTS.setOpaque(counts, bucket, (long) COUNTS.getOpaque(counts, bucket) + 1);
    SUM.setOpaque(this, (long) SUM.getOpaque(this) + gapNanos);
    if (gapNanos > (long) MAX.getOpaque(this)) {
      MAX.setOpaque(this, gapNanos);
    }
  }

  /** The bucket of a gap: 64 minus its leading zeros, capped. */
  public static int bucket(long gapNanos) {
    return Math.min(BUCKETS - 1, 64 - Long.numberOfLeadingZeros(Math.max(0, gapNanos)));
  }

  /** The exclusive upper bound of bucket {@code b} in ns (2^b); the last bucket has none. */
  public static long upperBoundNanos(int b) {
    return 1L << b;
  }

  /** Gaps recorded in bucket {@code b} so far. */
  public long count(int b) {
    return (long) COUNTS.getOpaque(counts, b);
  }

  /** Fills {@code into} (length {@link #BUCKETS}) with the per-bucket counts; returns the total. */
  public long snapshot(long[] into) {
    long total = 0;
    for (int b = 0; b < BUCKETS; b++) {
      into[b] = count(b);
      total += into[b];
    }
    return total;
  }

  /** All gaps recorded, added up, ns. */
  public long sumNanos() {
    return (long) SUM.getOpaque(this);
  }

  /** The largest gap recorded, ns. */
  public long maxNanos() {
    return (long) MAX.getOpaque(this);
  }

  /**
   * The smallest bucket bound below which at least {@code quantile} of the gaps lie (an upper
   * estimate, within a factor of two), ns; 0 when nothing was recorded.
   */
  public long quantileUpperBoundNanos(double quantile) {
    long[] c = new long[BUCKETS];
    long total = snapshot(c);
    if (total == 0) {
      return 0;
    }
    long need = (long) Math.ceil(quantile * total);
    long seen = 0;
    for (int b = 0; b < BUCKETS; b++) {
      seen += c[b];
      if (seen >= need) {
        return upperBoundNanos(b);
      }
    }
    return upperBoundNanos(BUCKETS - 1);
  }
}
