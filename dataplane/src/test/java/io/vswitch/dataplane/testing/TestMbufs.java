package io.vswitch.dataplane.testing;

import io.vswitch.dataplane.packet.PacketBatch;
import io.vswitch.ffm.Mbuf;
import io.vswitch.ffm.MbufLayout;
import io.vswitch.ffm.Mempool;
import io.vswitch.ffm.NativeMemory;
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

  /**
   * Takes every mbuf the pool has and gives them back: the pool must never hand one out twice (a
   * double free puts an mbuf in it twice, and two frames later share one buffer). Returns how many
   * it had.
   */
  public static int assertNoMbufTwice() {
    java.util.List<Long> taken = new java.util.ArrayList<>();
    java.util.Set<Long> distinct = new java.util.HashSet<>();
    try {
      for (long m = Mbuf.alloc(pool().segment()); m != 0; m = Mbuf.alloc(pool().segment())) {
        taken.add(m);
        if (!distinct.add(m)) {
          throw new AssertionError("the test pool handed out mbuf " + m + " twice: a double free");
        }
      }
      return taken.size();
    } finally {
      for (long m : distinct) {
        Mbuf.free(m);
      }
    }
  }

  /** One mbuf holding {@code frame}. */
  public static long mbuf(byte[] frame) {
    long m = Mbuf.alloc(pool().segment());
    if (m == 0) {
      throw new IllegalStateException("test pool exhausted: a test leaks mbufs");
    }
    if (Mbuf.append(m, frame.length) == 0) {
      Mbuf.free(m);
      throw new IllegalArgumentException(frame.length + " bytes do not fit one test mbuf");
    }
    MemorySegment.copy(
        frame, 0, NativeMemory.ALL, ValueLayout.JAVA_BYTE, Mbuf.dataAddress(m), frame.length);
    return m;
  }

  /**
   * {@code frame} in a chain of mbufs, the first holding {@code firstLength} bytes and each further
   * one as much as fits (as a driver that scatters a jumbo frame leaves it); freeing the first
   * frees them all. A segment is never filled past its data room: a longer tail takes more
   * segments.
   */
  public static long chained(byte[] frame, int firstLength) {
    long head = mbuf(java.util.Arrays.copyOf(frame, firstLength));
    long last = head;
    int segments = 1;
    for (int from = firstLength; from < frame.length; segments++) {
      int to = Math.min(frame.length, from + Mempool.DEFAULT_DATA_ROOM);
      long next = mbuf(java.util.Arrays.copyOfRange(frame, from, to));
      NativeMemory.ALL.set(ValueLayout.JAVA_LONG_UNALIGNED, last + MbufLayout.NEXT, next);
      last = next;
      from = to;
    }
    NativeMemory.ALL.set(
        ValueLayout.JAVA_SHORT_UNALIGNED, head + MbufLayout.NB_SEGS, (short) segments);
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
