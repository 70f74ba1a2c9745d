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
  void knownTrafficGoesRoundRobinToFourMacs() {
    var frames = new TrafficSpec(64, 1024, TrafficSpec.Destination.KNOWN).frames();
    java.util.Set<Long> sources = new java.util.HashSet<>();
    for (int f = 0; f < frames.size(); f++) {
      ByteBuffer b = ByteBuffer.wrap(frames.get(f));
      assertEquals(TrafficSpec.knownDestination(f % 4), b.getLong(0) >>> 16, "flow " + f);
      sources.add(b.getLong(6) >>> 16);
    }
    assertEquals(1024, sources.size(), "every flow its own source MAC");
    assertEquals("02:00:ff:ff:fe:03", Frames.macText(TrafficSpec.knownDestination(3)));
    assertThrows(IllegalArgumentException.class, () -> TrafficSpec.knownDestination(4));
    assertEquals(TrafficSpec.Destination.KNOWN, TrafficSpec.Destination.parse("known"));
  }

  @Test
  void flowsAreBounded() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new TrafficSpec(64, TrafficSpec.MAX_FLOWS + 1, TrafficSpec.Destination.UNICAST));
  }
}
