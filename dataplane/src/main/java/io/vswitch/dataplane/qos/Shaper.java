package io.vswitch.dataplane.qos;

/**
 * One worker's shaper for one egress port: two token buckets and a bounded FIFO of the frames that
 * did not conform yet. The average bucket fills at the average rate up to the burst size; the peak
 * bucket fills at the peak rate and holds 1 ms of it (at least 16 KiB, one jumbo frame), so a burst
 * drains at no more than peak. A frame goes when both hold its length; otherwise it waits in the
 * queue (behind any frame already there: order is kept) and the worker's poll loop releases it when
 * tokens have accrued. Only a full queue drops.
 *
 * <p>The buckets are {@link TokenBucket}s, as the policer's: byte-ticks, integers, TSC time. Single
 * writer.
 */
public final class Shaper {
  private static final long MIN_PEAK_BUCKET = 16 * 1024;

  private ShaperSpec spec;
  private final long hz;
  private final TokenBucket average = new TokenBucket(0);
  private final TokenBucket peak = new TokenBucket(0);
  private long maxElapsed;
  private long last;

  private final long[] mbufs;
  private final int[] lengths;
  private final boolean[] flooded;
  private final int mask;
  private int head;
  private int tail;

  public Shaper(ShaperSpec spec, long hz, long now) {
    this.hz = hz;
    this.mbufs = new long[spec.queue()];
    this.lengths = new int[spec.queue()];
    this.flooded = new boolean[spec.queue()];
    this.mask = spec.queue() - 1;
    this.last = now;
    respec(spec);
    average.add(average.capacity());
    peak.add(peak.capacity());
  }

  /** Takes a changed rate, keeping the queue and the tokens (clamped to the new buckets). */
  public void respec(ShaperSpec next) {
    if (next.queue() != mbufs.length) {
      throw new IllegalArgumentException("queue size changes need a new shaper");
    }
    this.spec = next;
    average.resize(next.burst() * hz);
    peak.resize(Math.max(MIN_PEAK_BUCKET, next.peak() / 1000) * hz);
    this.maxElapsed =
        Math.max(average.capacity() / next.average(), peak.capacity() / next.peak()) + 1;
  }

  public ShaperSpec spec() {
    return spec;
  }

  /** Brings the buckets to TSC time {@code now}. */
  public void refill(long now) {
    long elapsed = Math.min(now - last, maxElapsed);
    if (elapsed <= 0) {
      return;
    }
    last = now;
    average.fill(elapsed, spec.average());
    peak.fill(elapsed, spec.peak());
  }

  /**
   * True when a frame of {@code length} may be sent now (its tokens are taken); false when it must
   * wait: then the caller {@link #enqueue}s it.
   */
  public boolean admit(int length) {
    return isEmpty() && take(length);
  }

  private boolean take(int length) {
    // A frame larger than a bucket is charged the whole bucket, so it is delayed, never stuck.
    long cost = Math.min(Math.min((long) length * hz, average.capacity()), peak.capacity());
    if (!average.holds(cost) || !peak.holds(cost)) {
      return false;
    }
    average.take(cost);
    peak.take(cost);
    return true;
  }

  /** Queues a frame; false (the caller frees and counts it) when the queue is full. */
  public boolean enqueue(long mbuf, int length, boolean flood) {
    if (tail - head == mbufs.length) {
      return false;
    }
    int slot = tail++ & mask;
    mbufs[slot] = mbuf;
    lengths[slot] = length;
    flooded[slot] = flood;
    return true;
  }

  public boolean isEmpty() {
    return head == tail;
  }

  public int queued() {
    return tail - head;
  }

  /** True when the head of the queue conforms now (its tokens are taken): dequeue it next. */
  public boolean headConforms() {
    return !isEmpty() && take(lengths[head & mask]);
  }

  public long headMbuf() {
    return mbufs[head & mask];
  }

  public int headLength() {
    return lengths[head & mask];
  }

  public boolean headFlooded() {
    return flooded[head & mask];
  }

  public void dequeue() {
    head++;
  }
}
