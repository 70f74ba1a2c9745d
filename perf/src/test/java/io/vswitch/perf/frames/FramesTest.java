package io.vswitch.perf.frames;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FramesTest {
  @Test
  void frameSizeCountsTheFcs() {
    assertEquals(60, Frames.udp(64, 1, 2, 0).length);
    assertEquals(1514, Frames.udp(1518, 1, 2, 0).length);
    assertThrows(IllegalArgumentException.class, () -> Frames.udp(63, 1, 2, 0));
  }

  @Test
  void headersAreValidIpv4Udp() {
    byte[] f = Frames.udp(128, Frames.mac(7), Frames.BROADCAST, 3);
    ByteBuffer b = ByteBuffer.wrap(f);
    assertEquals(0xFFFF_FFFF_FFFFL, b.getLong(0) >>> 16);
    assertEquals(0x0800, b.getShort(12) & 0xFFFF);
    assertEquals(124 - 14, b.getShort(16) & 0xFFFF); // IPv4 total length
    assertEquals(0, Frames.ipChecksum(f, 14), "checksum over a valid header is 0");
    assertEquals(17, f[23]);
  }

  @Test
  void pcapHasOneRecordPerFlow(@TempDir Path dir) throws Exception {
    TrafficSpec spec = new TrafficSpec(64, 3, TrafficSpec.Destination.UNICAST);
    Path file = spec.writeUnder(dir);
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(0xa1b2c3d4, b.getInt(0));
    assertEquals(24 + 3 * (16 + 60), b.capacity());
    assertEquals(60, b.getInt(24 + 8));
  }

  @Test
  void flowsAreBounded() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new TrafficSpec(64, TrafficSpec.MAX_FLOWS + 1, TrafficSpec.Destination.UNICAST));
  }
}
