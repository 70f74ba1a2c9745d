package io.vswitch.perf.loop.tail;

/**
 * Pairs of TSC readings kept by the generator's thread while it sends and receives: the tail
 * samples (send stamp, receive time) and the generator's own gaps (two loop passes too far apart).
 * Preallocated and written with plain array stores, so recording costs the hot loop no allocation;
 * once full it only counts what it could not keep.
 */
public final class IntervalLog {
  private final long[] starts;
  private final long[] ends;
  private int size;
  private long dropped;

  public IntervalLog(int capacity) {
    starts = new long[capacity];
    ends = new long[capacity];
  }

  public void record(long start, long end) {
    if (size < starts.length) {
      starts[size] = start;
      ends[size] = end;
      size++;
    } else {
      dropped++;
    }
  }

  public void clear() {
    size = 0;
    dropped = 0;
  }

  public int size() {
    return size;
  }

  /** Recorded while full, so not kept. */
  public long dropped() {
    return dropped;
  }

  public long start(int i) {
    return starts[i];
  }

  public long end(int i) {
    return ends[i];
  }
}
