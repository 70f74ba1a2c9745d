package io.vswitch.dataplane.testing;

import io.vswitch.dataplane.packet.PacketBatch;
import io.vswitch.ffm.MbufLayout;
import io.vswitch.ffm.Mempool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * Mbuf-shaped memory in a plain {@link Arena}, for stage tests that need no DPDK: each "mbuf" is a
 * struct rte_mbuf laid out with {@link MbufLayout}'s offsets (the shim's, so they match the real
 * struct) followed by its buffer, with the fields a freshly received single-segment frame has:
 * buf_addr at the buffer, data_off = headroom, pkt_len = data_len = the frame, refcnt 1, nb_segs 1,
 * next and pool 0, buf_len. {@link io.vswitch.ffm.Mbuf}'s accessors, and the stages that use only
 * them, work on it; reading {@link MbufLayout} loads the shim library but needs no EAL.
 *
 * <p>These are not DPDK's: never hand one to {@code Mbuf.free}, {@code Mbuf.copy}, a port or {@code
 * BurstContext.freeDropped} (pool is 0). The memory goes when this is closed.
 */
public final class HeapMbufs implements AutoCloseable {
  private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
  private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
  private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;

  /** rte_mbuf is cache-line aligned (__rte_cache_aligned). */
  private static final long ALIGNMENT = 64;

  private final Arena arena = Arena.ofShared();

  /** One mbuf holding {@code frame}, with the default data room (more for a longer frame). */
  public long mbuf(byte[] frame) {
    return mbuf(frame, 0);
  }

  /** One mbuf holding {@code frame}, marked as received on {@code port}. */
  public long mbuf(byte[] frame, int port) {
    int bufLen = MbufLayout.HEADROOM + Math.max(Mempool.DEFAULT_DATA_ROOM, frame.length);
    MemorySegment m = arena.allocate(MbufLayout.SIZEOF + (long) bufLen, ALIGNMENT);
    long buffer = m.address() + MbufLayout.SIZEOF;
    m.set(U64, MbufLayout.BUF_ADDR, buffer);
    m.set(U16, MbufLayout.BUF_LEN, (short) bufLen);
    m.set(U16, MbufLayout.DATA_OFF, (short) MbufLayout.HEADROOM);
    m.set(U16, MbufLayout.REFCNT, (short) 1);
    m.set(U16, MbufLayout.NB_SEGS, (short) 1);
    m.set(U16, MbufLayout.PORT, (short) port);
    m.set(U32, MbufLayout.PKT_LEN, frame.length);
    m.set(U16, MbufLayout.DATA_LEN, (short) frame.length);
    m.set(U64, MbufLayout.NEXT, 0L);
    m.set(U64, MbufLayout.POOL, 0L);
    MemorySegment.copy(
        frame, 0, m, ValueLayout.JAVA_BYTE, MbufLayout.SIZEOF + MbufLayout.HEADROOM, frame.length);
    return m.address();
  }

  /**
   * {@code frame} in a chain of two mbufs, the first holding {@code firstLength} bytes (as a driver
   * that scatters a jumbo frame leaves it).
   */
  public long chained(byte[] frame, int firstLength) {
    long head = mbuf(java.util.Arrays.copyOf(frame, firstLength));
    long tail = mbuf(java.util.Arrays.copyOfRange(frame, firstLength, frame.length));
    MemorySegment h = MemorySegment.ofAddress(head).reinterpret(MbufLayout.SIZEOF);
    h.set(U64, MbufLayout.NEXT, tail);
    h.set(U16, MbufLayout.NB_SEGS, (short) 2);
    h.set(U32, MbufLayout.PKT_LEN, frame.length);
    return head;
  }

  /** Fills the batch (emptied first) with one mbuf per frame, as rx_burst would. */
  public void fill(PacketBatch batch, List<byte[]> frames) {
    batch.clear();
    for (byte[] frame : frames) {
      batch.add(mbuf(frame));
    }
  }

  /** Frees every mbuf this made. */
  @Override
  public void close() {
    arena.close();
  }
}
