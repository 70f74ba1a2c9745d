package io.vswitch.dataplane.testing;

import io.vswitch.dataplane.packet.PacketBatch;
import io.vswitch.ffm.Mbuf;
import io.vswitch.ffm.MbufLayout;
import io.vswitch.ffm.Mempool;
import io.vswitch.ffm.NativeMemory;
import io.vswitch.ffm.raw.vswitch_shim_h;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/** Real mbufs holding given frames, for stage tests: what rx_burst would have produced. */
public final class TestMbufs {
  private static Mempool pool;

  private TestMbufs() {}

  /** A pool in the shared test EAL. */
  public static synchronized Mempool pool() {
    if (pool == null) {
      TestEal.get();
      pool = Mempool.create("testmbufs", 4095, 0, Mempool.DEFAULT_DATA_ROOM);
    }
    return pool;
  }

  /** One mbuf holding {@code frame}. */
  public static long mbuf(byte[] frame) {
    long m = vswitch_shim_h.vs_pktmbuf_alloc(pool().segment()).address();
    if (m == 0) {
      throw new IllegalStateException("test pool exhausted: a test leaks mbufs");
    }
    vswitch_shim_h.vs_pktmbuf_append(MemorySegment.ofAddress(m), (short) frame.length);
    MemorySegment.copy(
        frame, 0, NativeMemory.ALL, ValueLayout.JAVA_BYTE, Mbuf.dataAddress(m), frame.length);
    return m;
  }

  /**
   * {@code frame} in a chain of two mbufs, the first holding {@code firstLength} bytes (as a driver
   * that scatters a jumbo frame leaves it); freeing the first frees both.
   */
  public static long chained(byte[] frame, int firstLength) {
    long head = mbuf(java.util.Arrays.copyOf(frame, firstLength));
    long tail = mbuf(java.util.Arrays.copyOfRange(frame, firstLength, frame.length));
    NativeMemory.ALL.set(ValueLayout.JAVA_LONG_UNALIGNED, head + MbufLayout.NEXT, tail);
    NativeMemory.ALL.set(ValueLayout.JAVA_SHORT_UNALIGNED, head + MbufLayout.NB_SEGS, (short) 2);
    NativeMemory.ALL.set(ValueLayout.JAVA_INT_UNALIGNED, head + MbufLayout.PKT_LEN, frame.length);
    return head;
  }

  /** Every segment's bytes of a (possibly chained) mbuf, in order. */
  public static byte[] packetBytes(long mbuf) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (long m = mbuf;
        m != 0;
        m = NativeMemory.ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, m + MbufLayout.NEXT)) {
      out.writeBytes(bytes(m));
    }
    return out.toByteArray();
  }

  /** Fills the (empty) batch with one mbuf per frame. */
  public static void fill(PacketBatch batch, List<byte[]> frames) {
    batch.clear();
    for (byte[] frame : frames) {
      batch.add(mbuf(frame));
    }
  }

  /** The frame an mbuf holds now. */
  public static byte[] bytes(long mbuf) {
    byte[] out = new byte[Mbuf.dataLength(mbuf)];
    MemorySegment.copy(
        NativeMemory.ALL, ValueLayout.JAVA_BYTE, Mbuf.dataAddress(mbuf), out, 0, out.length);
    return out;
  }
}
