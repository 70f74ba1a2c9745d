package io.vswitch.control.tap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vswitch.dataplane.testing.Pcap;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pcap bytes: header fields, record lengths and times, truncated frames. */
class PcapWriterTest {
  @TempDir Path dir;

  @Test
  void headerAndRecordsAreClassicNanosecondPcap() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PcapWriter.header(out, 64);
    byte[] a = new byte[60];
    Arrays.fill(a, (byte) 0xAA);
    byte[] b = new byte[200];
    Arrays.fill(b, (byte) 0xBB);
    PcapWriter.record(out, a, 0, 60, 60, 1_700_000_000_123_456_789L);
    PcapWriter.record(out, b, 10, 64, 1500, 1_700_000_001_000_000_001L);
    ByteBuffer bytes = ByteBuffer.wrap(out.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(24 + 16 + 60 + 16 + 64, bytes.remaining());
    assertEquals(0xa1b23c4d, bytes.getInt(0), "nanosecond magic");
    assertEquals(2, bytes.getShort(4));
    assertEquals(4, bytes.getShort(6));
    assertEquals(64, bytes.getInt(16), "snaplen");
    assertEquals(1, bytes.getInt(20), "Ethernet");
    assertEquals(1_700_000_000, bytes.getInt(24));
    assertEquals(123_456_789, bytes.getInt(28));
    assertEquals(60, bytes.getInt(32));
    assertEquals(60, bytes.getInt(36));
    int second = 24 + 16 + 60;
    assertEquals(1, bytes.getInt(second + 4), "nanoseconds of the second");
    assertEquals(64, bytes.getInt(second + 8), "captured: the snap length");
    assertEquals(1500, bytes.getInt(second + 12), "the wire length kept");
    Path file = dir.resolve("x.pcap");
    Files.write(file, out.toByteArray());
    List<byte[]> frames = Pcap.read(file);
    assertEquals(2, frames.size());
    assertArrayEquals(a, frames.get(0));
    assertArrayEquals(Arrays.copyOfRange(b, 10, 74), frames.get(1));
  }

  @Test
  void pcapngBlocksCarryThePortNameAndDirectionAndTheirLengthsAgree() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PcapNgWriter.header(out, "uplink0", 128);
    byte[] frame = new byte[61]; // not a multiple of 4: padded
    Arrays.fill(frame, (byte) 0x5A);
    PcapNgWriter.record(out, frame, 0, 61, 61, 5_000_000_123L, true);
    PcapNgWriter.record(out, frame, 0, 61, 61, 5_000_000_124L, false);
    ByteBuffer b = ByteBuffer.wrap(out.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
    List<Integer> types = new java.util.ArrayList<>();
    int at = 0;
    while (at < b.limit()) {
      int type = b.getInt(at);
      int length = b.getInt(at + 4);
      assertEquals(0, length % 4, "blocks are 32-bit aligned");
      assertEquals(length, b.getInt(at + length - 4), "the trailing length repeats the leading");
      types.add(type);
      if (type == PcapNgWriter.ENHANCED_PACKET) {
        long nanos = ((long) b.getInt(at + 12) << 32) | (b.getInt(at + 16) & 0xFFFF_FFFFL);
        assertEquals(61, b.getInt(at + 20));
        int flags = b.getInt(at + 28 + 64 + 4);
        assertEquals(nanos == 5_000_000_123L ? 1 : 2, flags, "inbound, then outbound");
      }
      at += length;
    }
    assertEquals(b.limit(), at);
    assertEquals(List.of(0x0A0D0D0A, 1, 6, 6), types);
    assertEquals(0x1A2B3C4D, b.getInt(8));
    byte[] name = new byte[7];
    b.get(28 + 20, name);
    assertEquals("uplink0", new String(name, java.nio.charset.StandardCharsets.UTF_8));
  }
}
