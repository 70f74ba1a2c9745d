package io.vswitch.dataplane.packet;

import io.vswitch.ffm.Mbuf;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A burst of up to {@link #MAX_BURST} packets: an off-heap array of rte_mbuf pointers that rx_burst
 * fills and tx_burst drains, plus a count. Allocated once per worker and reused for every burst;
 * frames are read in place through {@link Mbuf} and never copied.
 *
 * <p>Not thread-safe: one batch belongs to one worker.
 */
public final class PacketBatch {
  /** Packets per burst: DPDK's usual 32, and a multiple of 8 as vectorised PMDs want. */
  public static final int MAX_BURST = 32;

  private final MemorySegment mbufs;
  private int count;

  public PacketBatch(Arena arena) {
    this.mbufs = arena.allocate(ValueLayout.ADDRESS, MAX_BURST);
  }

  /** The pointer array, for rx/tx downcalls. */
  public MemorySegment mbufArray() {
    return mbufs;
  }

  public int count() {
    return count;
  }

  public boolean isEmpty() {
    return count == 0;
  }

  public boolean isFull() {
    return count == MAX_BURST;
  }

  /** Sets the count after a downcall filled the array. */
  public void setCount(int count) {
    this.count = count;
  }

  /** Address of the i-th mbuf. */
  public long mbuf(int i) {
    return mbufs.getAtIndex(ValueLayout.JAVA_LONG, i);
  }

  /** Appends an mbuf; the caller checks {@link #isFull()} first. */
  public void add(long mbuf) {
    mbufs.setAtIndex(ValueLayout.JAVA_LONG, count++, mbuf);
  }

  /** Replaces the batch with the first {@code n} addresses of {@code mbufs} (one bulk copy). */
  public void load(long[] mbufs, int n) {
    MemorySegment.copy(mbufs, 0, this.mbufs, ValueLayout.JAVA_LONG, 0, n);
    count = n;
  }

  /** Address of the first byte of the i-th frame. */
  public long frameAddress(int i) {
    return Mbuf.dataAddress(mbuf(i));
  }

  /** Length in bytes of the i-th frame. */
  public int frameLength(int i) {
    return Mbuf.packetLength(mbuf(i));
  }

  /** Sum of the frame lengths, for byte counters. */
  public long totalBytes() {
    long bytes = 0;
    for (int i = 0; i < count; i++) {
      bytes += Mbuf.packetLength(mbuf(i));
    }
    return bytes;
  }

  /** Returns every mbuf to its pool (one downcall) and empties the batch. */
  public void freeAll() {
    if (count > 0) {
      Mbuf.freeBulk(mbufs, count);
      count = 0;
    }
  }

  public void clear() {
    count = 0;
  }
}
