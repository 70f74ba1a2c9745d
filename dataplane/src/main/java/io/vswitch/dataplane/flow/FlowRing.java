package io.vswitch.dataplane.flow;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Expired flow records on their way from one worker to the exporter on the control thread: a
 * single-producer, single-consumer ring of {@link FlowRecord#WORDS}-long records in one
 * preallocated array. The producer publishes a record with a release store of {@code head}, the
 * consumer frees it with a release store of {@code tail}; neither ever waits or locks. A full ring
 * refuses the offer and the producer decides (keep the flow in the cache, or count the record
 * dropped).
 */
public final class FlowRing {
  private static final VarHandle HEAD;
  private static final VarHandle TAIL;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      HEAD = l.findVarHandle(FlowRing.class, "head", long.class);
      TAIL = l.findVarHandle(FlowRing.class, "tail", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final int capacity;
  private final int mask;
  private final long[] data;

  // Padding keeps the producer's and the consumer's words on cache lines of their own.
  @SuppressWarnings("unused")
  private long p1, p2, p3, p4, p5, p6, p7;

  @SuppressWarnings("unused") // through HEAD: written by the producer only
  private long head;

  @SuppressWarnings("unused")
  private long q1, q2, q3, q4, q5, q6, q7;

  @SuppressWarnings("unused") // through TAIL: written by the consumer only
  private long tail;

  /** Producer-side copy of {@code tail}, re-read only when the ring looks full. */
  private long tailSeen;

  public FlowRing(int capacity) {
    if (Integer.bitCount(capacity) != 1) {
      throw new IllegalArgumentException("ring capacity " + capacity + " is not a power of two");
    }
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.data = new long[Math.multiplyExact(capacity, FlowRecord.WORDS)];
  }

  /**
   * Producer: copies the record at {@code from[offset..]} with {@code reason} in its end-reason
   * byte. Returns false (and copies nothing) when the ring is full.
   */
  public boolean offer(long[] from, int offset, int reason) {
    long h = (long) HEAD.getOpaque(this);
    if (h - tailSeen >= capacity) {
      tailSeen = (long) TAIL.getAcquire(this);
      if (h - tailSeen >= capacity) {
        return false;
      }
    }
    int at = (int) (h & mask) * FlowRecord.WORDS;
    System.arraycopy(from, offset, data, at, FlowRecord.WORDS);
    data[at + FlowRecord.EXTRA] =
        (data[at + FlowRecord.EXTRA] & ~(0xFFL << 24)) | (long) (reason & 0xFF) << 24;
    HEAD.setRelease(this, h + 1);
    return true;
  }

  /** Consumer: copies the oldest record into {@code into} (WORDS longs); false when empty. */
  public boolean poll(long[] into) {
    long t = (long) TAIL.getOpaque(this);
    if (t == (long) HEAD.getAcquire(this)) {
      return false;
    }
    System.arraycopy(data, (int) (t & mask) * FlowRecord.WORDS, into, 0, FlowRecord.WORDS);
    TAIL.setRelease(this, t + 1);
    return true;
  }

  /** Records waiting (a snapshot). */
  public int size() {
    return (int) ((long) HEAD.getAcquire(this) - (long) TAIL.getAcquire(this));
  }

  public int capacity() {
    return capacity;
  }
}
