package io.vswitch.dataplane.testing;

import static io.vswitch.dataplane.testing.FrameBuilder.frame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vswitch.ffm.Mbuf;
import io.vswitch.ffm.MbufLayout;
import io.vswitch.ffm.NativeMemory;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** Heap mbufs read through {@link Mbuf} as DPDK's own do. */
class HeapMbufsTest {
  private final byte[] frame = frame().vlan(10).etherType(0x0806).build();

  @Test
  void theAccessorsSeeAReceivedSingleSegmentFrame() {
    try (HeapMbufs heap = new HeapMbufs()) {
      long m = heap.mbuf(frame, 3);
      assertEquals(MbufLayout.HEADROOM, Mbuf.dataOffset(m));
      assertEquals(frame.length, Mbuf.dataLength(m));
      assertEquals(frame.length, Mbuf.packetLength(m));
      assertEquals(1, Mbuf.refCount(m));
      assertEquals(1, Mbuf.segmentCount(m));
      assertEquals(3, Mbuf.port(m));
      assertEquals(0, Mbuf.offloadFlags(m));
      assertArrayEquals(frame, TestMbufs.bytes(m));
      assertEquals(0x81, NativeMemory.getByte(Mbuf.dataAddress(m) + 12) & 0xFF);
    }
  }

  @Test
  void headersArePushedAndPoppedInTheHeadroom() {
    try (HeapMbufs heap = new HeapMbufs()) {
      long m = heap.mbuf(frame);
      long start = Mbuf.dataAddress(m);
      assertEquals(start - 4, Mbuf.prepend(m, 4));
      assertEquals(frame.length + 4, Mbuf.packetLength(m));
      assertEquals(start, Mbuf.trimHead(m, 4));
      assertArrayEquals(frame, TestMbufs.bytes(m));
      assertEquals(0, Mbuf.prepend(m, MbufLayout.HEADROOM + 1), "past the headroom");
    }
  }

  @Test
  void aChainReadsBackWhole() {
    byte[] jumbo = frame().payload(new byte[3000]).build();
    try (HeapMbufs heap = new HeapMbufs()) {
      long m = heap.chained(jumbo, 1000);
      assertEquals(2, Mbuf.segmentCount(m));
      assertEquals(1000, Mbuf.dataLength(m));
      assertEquals(jumbo.length, Mbuf.packetLength(m));
      assertArrayEquals(jumbo, TestMbufs.packetBytes(m));
    }
  }

  /** The fields a stage reads are those of an mbuf DPDK allocates and fills with the frame. */
  @Test
  void theLayoutIsThatOfAnMbufFromARealPool() {
    long real = TestMbufs.mbuf(frame);
    try (HeapMbufs heap = new HeapMbufs()) {
      long fake = heap.mbuf(frame);
      for (int field :
          new int[] {
            MbufLayout.DATA_OFF,
            MbufLayout.DATA_LEN,
            MbufLayout.REFCNT,
            MbufLayout.NB_SEGS,
            MbufLayout.BUF_LEN
          }) {
        assertEquals(u16(real, field), u16(fake, field), "field at offset " + field);
      }
      assertEquals(Mbuf.packetLength(real), Mbuf.packetLength(fake));
      assertEquals(
          NativeMemory.ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, real + MbufLayout.NEXT),
          NativeMemory.ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, fake + MbufLayout.NEXT));
      assertArrayEquals(TestMbufs.bytes(real), TestMbufs.bytes(fake));
    } finally {
      Mbuf.free(real);
    }
  }

  private static int u16(long mbuf, int offset) {
    return Short.toUnsignedInt(
        NativeMemory.ALL.get(ValueLayout.JAVA_SHORT_UNALIGNED, mbuf + offset));
  }
}
