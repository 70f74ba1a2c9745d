package io.vswitch.dataplane.packet;

import io.vswitch.ffm.Mbuf;
import io.vswitch.ffm.NativeMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

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

  /**
   * One past the highest packet of {@code packets} (a bit per packet): the bound of a counted loop
   * over a burst's packets, {@code for (i = 0; i < bound; i++) if ((packets & 1 << i) == 0)
   * continue;}. The stages run over every burst loop so, not over the mask's bits: a counted loop
   * lets C2 check each array's bounds once, before it (see {@code BurstContext.live}).
   */
  public static int loopBound(int packets) {
    return Integer.SIZE - Integer.numberOfLeadingZeros(packets);
  }

  private final MemorySegment mbufs;

  /**
   * The same array as a global-scope pointer, the argument of every rx/tx downcall. A segment of a
   * shared arena makes each downcall acquire and release the arena (two CASes on its state); this
   * view skips that. It is only passed while the batch's owner, and so its arena, is alive.
   */
  private final MemorySegment downcallArgument;

  /** The array's address: its entries are read through {@link NativeMemory#ALL}, unchecked. */
  private final long base;

  private int count;

  public PacketBatch(Arena arena) {
    this.mbufs = arena.allocate(ValueLayout.ADDRESS, MAX_BURST);
    this.base = mbufs.address();
    this.downcallArgument = MemorySegment.ofAddress(base);
  }

  /** The pointer array, for rx/tx downcalls. */
  public MemorySegment mbufArray() {
    return downcallArgument;
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
    return NativeMemory.getLong(base + 8L * Objects.checkIndex(i, MAX_BURST));
  }

  /** Appends an mbuf; the caller checks {@link #isFull()} first. */
  public void add(long mbuf) {
    NativeMemory.putLong(base + 8L * Objects.checkIndex(count, MAX_BURST), mbuf);
    count++;
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
      Mbuf.freeBulk(downcallArgument, count);
      count = 0;
    }
  }

  public void clear() {
    count = 0;
  }
}
