package io.vswitch.perf.frames;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The decap rows' generator frames are VXLAN as a remote VTEP sends it, around l2-fair's frames.
 */
class VxlanFramesTest {
  private static final List<byte[]> PLAIN =
      new TrafficSpec(64, 1024, TrafficSpec.Destination.KNOWN).frames();
  private static final List<byte[]> VXLAN =
      new TrafficSpec(64, 1024, TrafficSpec.Destination.KNOWN, TrafficSpec.Encapsulation.VXLAN)
          .frames();

  @Test
  void everyFrameIsTheSameInnerFrameBehindValidOuterHeaders() {
    assertEquals(1024, VXLAN.size());
    for (int f = 0; f < VXLAN.size(); f++) {
      byte[] v = VXLAN.get(f);
      ByteBuffer b = ByteBuffer.wrap(v);
      assertEquals(60 + 50, v.length, "64-byte inner frame, 50 bytes of VXLAN");
      assertEquals(TrafficSpec.LOCAL_VTEP_MAC, b.getLong(0) >>> 16, "to the VTEP's MAC");
      assertEquals(TrafficSpec.REMOTE_VTEP_MAC, b.getLong(6) >>> 16);
      assertEquals(0x0800, b.getShort(12) & 0xFFFF);
      assertEquals(0x45, v[14] & 0xFF);
      assertEquals(v.length - 14, b.getShort(16) & 0xFFFF, "IPv4 total length");
      assertEquals(0x4000, b.getShort(20) & 0xFFFF, "DF, no fragment");
      assertEquals(17, v[23]);
      assertEquals(0, Frames.ipChecksum(v, 14), "outer header checksum valid");
      assertEquals(TrafficSpec.REMOTE_VTEP_IP, b.getInt(26));
      assertEquals(TrafficSpec.LOCAL_VTEP_IP, b.getInt(30));
      int sport = b.getShort(34) & 0xFFFF;
      assertTrue(sport >= 49152 && sport <= 65535, "source port " + sport);
      assertEquals(4789, b.getShort(36) & 0xFFFF);
      assertEquals(v.length - 34, b.getShort(38) & 0xFFFF, "UDP length");
      assertEquals(0, b.getShort(40), "UDP checksum 0");
      assertEquals(0x08, v[42], "I flag");
      assertEquals(5001, b.getInt(46) >>> 8, "VNI");
      assertEquals(0, v[49], "reserved");
      assertArrayEquals(PLAIN.get(f), Arrays.copyOfRange(v, 50, v.length), "flow " + f);
    }
  }

  @Test
  void sourcePortFollowsTheInnerFlow() {
    Set<Integer> ports = new HashSet<>();
    for (int f = 0; f < VXLAN.size(); f++) {
      int sport = ByteBuffer.wrap(VXLAN.get(f)).getShort(34) & 0xFFFF;
      assertEquals(Frames.vxlanSourcePort(PLAIN.get(f)), sport, "one flow, one port");
      ports.add(sport);
    }
    assertTrue(ports.size() > 900, "1,024 flows spread over " + ports.size() + " ports");
  }

  @Test
  void encapsulationIsInTheFileNameAndParsed() {
    TrafficSpec plain = new TrafficSpec(64, 1024, TrafficSpec.Destination.KNOWN);
    TrafficSpec vxlan =
        new TrafficSpec(64, 1024, TrafficSpec.Destination.KNOWN, TrafficSpec.Encapsulation.VXLAN);
    assertNotEquals(plain.fileName(), vxlan.fileName());
    assertTrue(vxlan.fileName().endsWith("-vxlan.pcap"), vxlan.fileName());
    assertEquals(TrafficSpec.Encapsulation.NONE, TrafficSpec.Encapsulation.parse(null));
    assertEquals(TrafficSpec.Encapsulation.VXLAN, TrafficSpec.Encapsulation.parse("vxlan"));
    assertThrows(IllegalArgumentException.class, () -> TrafficSpec.Encapsulation.parse("gre"));
    assertThrows(
        IllegalArgumentException.class,
        () -> Frames.vxlan(new byte[60], 1, 2, 3, 4, 49152, 0x100_0000));
  }
}
