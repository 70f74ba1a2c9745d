package io.vswitch.control.ipfix;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.dataplane.flow.FlowRecord;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IpfixWriterTest {
  private static long[] v4Flow(String src, String dst, int sport, long packets) {
    long[] r = new long[FlowRecord.WORDS];
    r[FlowRecord.SRC_HI] = Long.MIN_VALUE;
    r[FlowRecord.SRC_LO] = mapped(src);
    r[FlowRecord.DST_HI] = Long.MIN_VALUE;
    r[FlowRecord.DST_LO] = mapped(dst);
    r[FlowRecord.KEY] = FlowRecord.key(false, 0, 10, 6, sport, 443);
    r[FlowRecord.PACKETS] = packets;
    r[FlowRecord.BYTES] = packets * 100;
    r[FlowRecord.FIRST] = 1_000;
    r[FlowRecord.LAST] = 2_500;
    r[FlowRecord.EXTRA] = 0x12 | 2L << 16 | (long) FlowRecord.END_IDLE << 24;
    return r;
  }

  private static long mapped(String v4) {
    long a = ByteBuffer.wrap(InetAddress.ofLiteral(v4).getAddress()).getInt() & 0xFFFF_FFFFL;
    return (0x0000_FFFF_0000_0000L | a) ^ Long.MIN_VALUE;
  }

  private static long[] v6Flow() {
    byte[] s = InetAddress.ofLiteral("2001:db8::1").getAddress();
    byte[] d = InetAddress.ofLiteral("2001:db8::2:3").getAddress();
    long[] r = new long[FlowRecord.WORDS];
    ByteBuffer bs = ByteBuffer.wrap(s);
    ByteBuffer bd = ByteBuffer.wrap(d);
    r[FlowRecord.SRC_HI] = bs.getLong() ^ Long.MIN_VALUE;
    r[FlowRecord.SRC_LO] = bs.getLong() ^ Long.MIN_VALUE;
    r[FlowRecord.DST_HI] = bd.getLong() ^ Long.MIN_VALUE;
    r[FlowRecord.DST_LO] = bd.getLong() ^ Long.MIN_VALUE;
    r[FlowRecord.KEY] = FlowRecord.key(true, 5, 4094, 17, 53, 5353);
    r[FlowRecord.PACKETS] = 7;
    r[FlowRecord.BYTES] = 700;
    r[FlowRecord.FIRST] = 10;
    r[FlowRecord.LAST] = 20;
    r[FlowRecord.EXTRA] = (long) FlowRecord.END_ACTIVE << 24;
    return r;
  }

  private static byte[] bytes(ByteBuffer message) {
    byte[] out = new byte[message.remaining()];
    message.duplicate().get(out);
    return out;
  }

  @Test
  void templatesThenMixedFamilyRecordsDecodeWithTheirValues() {
    IpfixWriter w = new IpfixWriter(1400);
    w.begin();
    w.templates();
    assertTrue(w.add(v4Flow("10.0.0.1", "192.168.1.2", 1234, 3), 1_700_000_000_000L));
    assertTrue(w.add(v6Flow(), 1_700_000_000_000L));
    assertTrue(w.add(v4Flow("10.0.0.9", "10.0.0.10", 999, 1), 1_700_000_000_000L));
    assertEquals(3, w.records());
    ByteBuffer m = w.finish(1_700_000_123L, 42);
    IpfixWriter.sequence(m, 77);
    byte[] b = bytes(m);
    IpfixDecoder d = new IpfixDecoder();
    IpfixDecoder.Message msg = d.decode(b, b.length);
    assertEquals(2, msg.templates());
    assertEquals(14, d.templates.get(256).length);
    assertEquals(14, d.templates.get(257).length);
    assertEquals(1_700_000_123L, msg.exportTime());
    assertEquals(77, msg.sequence());
    assertEquals(42, msg.domain());
    // header + template set + v4 set (4 + 58, padded to 64) + v6 set (4 + 82, to 88) + v4 again
    assertEquals(16 + IpfixWriter.templateSetLength() + 64 + 88 + 64, b.length);
    List<Map<Integer, Object>> r = msg.records();
    assertEquals(3, r.size());
    Map<Integer, Object> first = r.get(0);
    assertArrayEquals(InetAddress.ofLiteral("10.0.0.1").getAddress(), (byte[]) first.get(8));
    assertArrayEquals(InetAddress.ofLiteral("192.168.1.2").getAddress(), (byte[]) first.get(12));
    assertEquals(1234L, first.get(7));
    assertEquals(443L, first.get(11));
    assertEquals(6L, first.get(4));
    assertEquals(0x12L, first.get(6));
    assertEquals(10L, first.get(58));
    assertEquals(1L, first.get(10), "ingressInterface: port index + 1");
    assertEquals(2L, first.get(14), "egressInterface as the stage stored it (index + 1)");
    assertEquals(3L, first.get(2));
    assertEquals(300L, first.get(1));
    assertEquals(1_700_000_001_000L, first.get(152));
    assertEquals(1_700_000_002_500L, first.get(153));
    assertEquals(1L, first.get(136));
    Map<Integer, Object> six = r.get(1);
    assertArrayEquals(InetAddress.ofLiteral("2001:db8::1").getAddress(), (byte[]) six.get(27));
    assertArrayEquals(InetAddress.ofLiteral("2001:db8::2:3").getAddress(), (byte[]) six.get(28));
    assertEquals(4094L, six.get(58));
    assertEquals(6L, six.get(10));
    assertEquals(0L, six.get(14));
    assertEquals(53L, six.get(7));
    assertEquals(17L, six.get(4));
    assertEquals(2L, six.get(136));
  }

  @Test
  void aMessageNeverExceedsItsSizeAndRefusesTheRecordThatWouldNot() {
    for (int size : new int[] {200, 512, 1400, 1472}) {
      IpfixWriter w = new IpfixWriter(size);
      IpfixDecoder d = new IpfixDecoder();
      w.begin();
      w.templates();
      ByteBuffer t = w.finish(0, 1);
      assertEquals(0, d.decode(bytes(t), t.limit()).records().size());
      long[] v4 = v4Flow("1.2.3.4", "5.6.7.8", 1, 1);
      long[] v6 = v6Flow();
      int total = 0;
      int messages = 0;
      for (int i = 0; i < 500; ) {
        w.begin();
        int inThis = 0;
        while (i < 500 && w.add(i % 3 == 0 ? v6 : v4, 0)) {
          i++;
          inThis++;
        }
        assertTrue(inThis > 0, "a record always fits an empty message of " + size);
        ByteBuffer m = w.finish(0, 1);
        assertTrue(m.limit() <= size, m.limit() + " > " + size);
        IpfixDecoder.Message msg = d.decode(bytes(m), m.limit());
        assertEquals(inThis, msg.records().size());
        total += inThis;
        messages++;
      }
      assertEquals(500, total);
      assertTrue(messages > 1);
    }
    assertThrows(IllegalArgumentException.class, () -> new IpfixWriter(64));
  }

  @Test
  void aDataSetBeforeItsTemplateIsWhatTheCollectorCannotRead() {
    IpfixWriter w = new IpfixWriter(1400);
    w.begin();
    w.add(v4Flow("1.1.1.1", "2.2.2.2", 1, 1), 0);
    ByteBuffer m = w.finish(0, 1);
    assertThrows(AssertionError.class, () -> new IpfixDecoder().decode(bytes(m), m.limit()));
    w.begin();
    assertTrue(w.isEmpty());
    assertFalse(w.records() != 0);
  }
}
