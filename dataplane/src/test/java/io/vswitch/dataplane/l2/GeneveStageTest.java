package io.vswitch.dataplane.l2;

import static io.vswitch.dataplane.l2.VxlanStageTest.LOCAL;
import static io.vswitch.dataplane.l2.VxlanStageTest.REMOTE;
import static io.vswitch.dataplane.l2.VxlanStageTest.ROUTER_MAC;
import static io.vswitch.dataplane.l2.VxlanStageTest.VTEP_MAC;
import static io.vswitch.dataplane.l2.VxlanStageTest.inner;
import static io.vswitch.dataplane.l2.VxlanStageTest.ip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.dataplane.l2.overlay.VtepNeighbors;
import io.vswitch.dataplane.l2.overlay.VxlanDecapStage;
import io.vswitch.dataplane.l2.overlay.VxlanOverlay;
import io.vswitch.dataplane.l2.overlay.VxlanTunnel;
import io.vswitch.dataplane.l2.tap.Taps;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.testing.HeapMbufs;
import io.vswitch.dataplane.testing.TestMbufs;
import io.vswitch.ffm.Mbuf;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Geneve (RFC 8926) on the VTEP, on crafted frames in heap mbufs (no EAL): every frame's fate
 * through {@code VXLAN_DECAP} when a VXLAN segment and a Geneve segment share a VNI (decapsulated
 * into which tunnel, or dropped and why: options, the C and O bits, the version, the protocol type,
 * options past the frame, each encapsulation on the other's port), and the encapsulation byte for
 * byte.
 */
class GeneveStageTest {
  static final int GENEVE_PORT = 6081;

  static final int UPLINK = 0;
  static final int VM = 1;
  static final int BLUE = 2; // VXLAN VNI 5001 from 192.0.2.2, VLAN 100
  static final int RED = 3; // VXLAN VNI 5002 from 192.0.2.2, VLAN 200 (no Geneve segment has 5002)
  static final int GBLUE = 4; // Geneve VNI 5001 from 192.0.2.2, VLAN 300
  static final int GBLUE_FAR = 5; // Geneve VNI 5001 from 192.0.2.3
  static final int GREEN = 6; // Geneve VNI 7000 from 192.0.2.2, VLAN 400 (no VXLAN segment has it)

  static L2Tables tables(VtepNeighbors neighbors) {
    PortPolicy[] p = new PortPolicy[7];
    p[UPLINK] = PortPolicy.access(UPLINK, 1).build();
    p[VM] = PortPolicy.access(VM, 100).build();
    p[BLUE] = PortPolicy.access(BLUE, 100).mtu(1450).build();
    p[RED] = PortPolicy.access(RED, 200).mtu(1450).build();
    p[GBLUE] = PortPolicy.access(GBLUE, 300).mtu(1450).build();
    p[GBLUE_FAR] = PortPolicy.access(GBLUE_FAR, 300).mtu(1450).build();
    p[GREEN] = PortPolicy.access(GREEN, 400).mtu(1450).build();
    int far = ip("192.0.2.3");
    List<VxlanTunnel> tunnels =
        List.of(
            new VxlanTunnel(5001, LOCAL, REMOTE, VTEP_MAC, 64, 4789, 0),
            new VxlanTunnel(5002, LOCAL, REMOTE, VTEP_MAC, 64, 4789, 0),
            new VxlanTunnel(5001, LOCAL, REMOTE, VTEP_MAC, 64, GENEVE_PORT, 0, true),
            new VxlanTunnel(5001, LOCAL, far, VTEP_MAC, 64, GENEVE_PORT, 1, true),
            new VxlanTunnel(7000, LOCAL, REMOTE, VTEP_MAC, 64, GENEVE_PORT, 0, true));
    VxlanOverlay overlay =
        new VxlanOverlay(
            UPLINK,
            LOCAL,
            VTEP_MAC,
            4789,
            GENEVE_PORT,
            neighbors,
            tunnels,
            new int[] {BLUE, RED, GBLUE, GBLUE_FAR, GREEN},
            null);
    return new L2Tables(p, List.of(), Taps.NONE, overlay);
  }

  /** One Geneve option: class, type, and {@code words} 4-byte words of data. */
  static byte[] option(int optionClass, int type, int words) {
    ByteBuffer b = ByteBuffer.allocate(4 + words * 4);
    b.putShort((short) optionClass).put((byte) type).put((byte) words);
    for (int w = 0; w < words; w++) {
      b.putInt(0xA5A5_0000 | w);
    }
    return b.array();
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  /** Outer Ethernet/IPv4/UDP/Geneve around {@code inner}; the knobs break one field each. */
  static final class Outer {
    int src = REMOTE;
    int dst = LOCAL;
    int vni = 5001;
    int version;
    int flags; // the second byte: O, C, then 6 reserved bits
    int protocolType = 0x6558;
    int dport = GENEVE_PORT;
    byte[] options = new byte[0];
    Integer optLen; // words, when not the options' own length
    int reserved; // the last byte, after the VNI
    byte[] inner = VxlanStageTest.inner(1000);

    byte[] build() {
      int udpLength = 8 + 8 + options.length + inner.length;
      ByteBuffer b = ByteBuffer.allocate(14 + 20 + udpLength);
      b.putShort((short) 0x0200).putInt(0xc0000201); // to the VTEP's MAC
      b.putShort((short) 0x5254).putInt(0x000000aa); // from the router
      b.putShort((short) 0x0800);
      b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + udpLength));
      b.putShort((short) 7).putShort((short) 0x4000).put((byte) 64).put((byte) 17);
      b.putShort((short) 0).putInt(src).putInt(dst);
      b.putShort((short) 0xc123).putShort((short) dport);
      b.putShort((short) udpLength).putShort((short) 0);
      int words = optLen != null ? optLen : options.length / 4;
      b.put((byte) (version << 6 | words)).put((byte) flags).putShort((short) protocolType);
      b.putInt(vni << 8 | reserved);
      b.put(options);
      b.put(inner);
      return b.array();
    }
  }

  static byte[] geneve(java.util.function.Consumer<Outer> change) {
    Outer o = new Outer();
    change.accept(o);
    return o.build();
  }

  @Test
  void decapTakesGeneveIntoItsOwnSegmentsTunnelAndDropsEveryBadOneWithItsReason() {
    VtepNeighbors neighbors = VxlanStageTest.neighbors();
    L2Tables tables = tables(neighbors);
    byte[] cutInner = Arrays.copyOf(inner(1000), 14); // just an Ethernet header
    byte[] one = option(0x0102, 0x01, 0);
    byte[] two = concat(option(0xFFFF, 0x7F, 1), option(0x0000, 0x00, 0));
    byte[] three = concat(option(0x0103, 0x05, 2), option(0x0104, 0x06, 0), option(1, 2, 1));
    List<byte[]> frames = new ArrayList<>();
    frames.add(geneve(o -> {})); // 0: good, gblue (not blue: VXLAN's 5001 is another segment)
    frames.add(geneve(o -> o.options = one)); // 1: one non-critical option: skipped, good
    frames.add(geneve(o -> o.options = two)); // 2: two: good
    frames.add(geneve(o -> o.options = three)); // 3: three: good
    frames.add(
        geneve(
            o -> {
              o.options = one;
              o.flags = 0x40;
            })); // 4: C bit, with an option
    frames.add(geneve(o -> o.flags = 0x40)); // 5: C bit, no option: still critical
    frames.add(geneve(o -> o.options = concat(one, option(0x0102, 0x81, 1)))); // 6: critical type
    frames.add(geneve(o -> o.flags = 0x80)); // 7: O bit: a control packet
    frames.add(geneve(o -> o.version = 1)); // 8: version 1
    frames.add(geneve(o -> o.protocolType = 0x0800)); // 9: IPv4, not Ethernet
    frames.add(geneve(o -> o.optLen = 63)); // 10: 252 bytes of options in a 42-byte payload
    frames.add(geneve(o -> o.options = Arrays.copyOf(option(1, 1, 2), 8))); // 11: overruns opts
    frames.add(geneve(o -> o.vni = 5002)); // 12: a VXLAN-only segment's VNI
    frames.add(VxlanStageTest.outer(o -> o.dport = GENEVE_PORT)); // 13: VXLAN to Geneve's port
    frames.add(VxlanStageTest.outer(o -> o.vni = 7000)); // 14: a Geneve-only VNI over VXLAN
    frames.add(geneve(o -> o.dport = 4789)); // 15: Geneve to VXLAN's port (no I flag)
    frames.add(geneve(o -> o.src = ip("192.0.2.77"))); // 16: VNI known, source VTEP not
    frames.add(geneve(o -> o.src = ip("192.0.2.3"))); // 17: good, gblue from the far VTEP
    frames.add(VxlanStageTest.outer(o -> {})); // 18: VXLAN 5001: blue, not gblue
    frames.add(geneve(o -> o.vni = 7000)); // 19: good, green
    frames.add(
        geneve(
            o -> {
              o.options = two;
              o.flags = 0x3F;
              o.reserved = 0xFF;
            })); // 20: reserved bits set: ignored on receipt, good
    frames.add(geneve(o -> o.inner = Arrays.copyOf(cutInner, 10))); // 21: inner runt
    frames.add(
        geneve(
            o -> {
              o.options = three;
              o.inner = Arrays.copyOf(cutInner, 8);
            })); // 22: options fit, the inner frame not
    frames.add(geneve(o -> o.dport = 6082)); // 23: to us, neither port
    byte[] padded = Arrays.copyOf(geneve(o -> o.inner = cutInner), 14 + 20 + 16 + 14 + 6);
    frames.add(padded); // 24: good, Ethernet padding after the IP packet goes
    frames.add(Arrays.copyOf(geneve(o -> o.options = three), 14 + 20 + 16 + 20)); // 25: cut

    try (StageFixture f = StageFixture.withoutDpdk(7)) {
      f.seconds = 42;
      BurstContext ctx = f.received(UPLINK, frames);
      long[] mbufs = ctx.mbuf.clone();
      f.run(tables, Feature.VXLAN_DECAP);
      VxlanDecapStage decap = (VxlanDecapStage) f.stage(Feature.VXLAN_DECAP);

      DropReason[] want = {
        null,
        null,
        null,
        null,
        DropReason.GENEVE_CRITICAL_OPTION,
        DropReason.GENEVE_CRITICAL_OPTION,
        DropReason.GENEVE_CRITICAL_OPTION,
        DropReason.GENEVE_CONTROL,
        DropReason.GENEVE_BAD_HEADER,
        DropReason.GENEVE_BAD_HEADER,
        DropReason.VXLAN_TRUNCATED,
        DropReason.GENEVE_BAD_HEADER,
        DropReason.VXLAN_UNKNOWN_VNI,
        DropReason.GENEVE_BAD_HEADER, // VXLAN's 0x08 flags read as Opt Len 8, protocol 0
        DropReason.VXLAN_UNKNOWN_VNI,
        DropReason.VXLAN_BAD_HEADER,
        DropReason.VXLAN_UNKNOWN_VTEP,
        null,
        null,
        null,
        null,
        DropReason.VXLAN_TRUNCATED,
        DropReason.VXLAN_TRUNCATED,
        DropReason.VTEP_NOT_VXLAN,
        null,
        DropReason.BAD_IP_LENGTH, // the outer IP cut: PARSE's
      };
      assertEquals(want.length, frames.size());
      for (int i = 0; i < want.length; i++) {
        assertEquals(want[i], ctx.dropReason(i), "frame " + i);
      }
      int[] decapsulated = {0, 1, 2, 3, 17, 18, 19, 20, 24};
      int[] into = {GBLUE, GBLUE, GBLUE, GBLUE, GBLUE_FAR, BLUE, GREEN, GBLUE, GBLUE};
      assertEquals(decapsulated.length, decap.stashed());
      for (int k = 0; k < decapsulated.length; k++) {
        assertEquals(mbufs[decapsulated[k]], decap.stashedMbuf(k), "stash " + k);
        assertEquals(into[k], decap.stashedPort(k), "tunnel of frame " + decapsulated[k]);
        byte[] expected = decapsulated[k] == 24 ? cutInner : inner(1000);
        assertArrayEquals(expected, TestMbufs.bytes(decap.stashedMbuf(k)), "inner " + k);
      }
      assertEquals(0, ctx.live(), "every frame to the VTEP is taken or dropped");
      assertEquals(3, f.counters.sum(UPLINK, DropReason.GENEVE_CRITICAL_OPTION));
      assertEquals(1, f.counters.sum(UPLINK, DropReason.GENEVE_CONTROL));
      assertEquals(4, f.counters.sum(UPLINK, DropReason.GENEVE_BAD_HEADER));
      assertEquals(2, f.counters.sum(UPLINK, DropReason.VXLAN_UNKNOWN_VNI));
      assertEquals(3, f.counters.sum(UPLINK, DropReason.VXLAN_TRUNCATED));
      assertEquals(ROUTER_MAC, neighbors.mac(0));
      assertEquals(ROUTER_MAC, neighbors.mac(1), "the far VTEP's hop, by Geneve");
    }
  }

  @Test
  void encapsulationIsByteExactGeneveWithoutOptionsOverTheSameOuterHeadersAsVxlan() {
    VxlanTunnel tunnel =
        new VxlanTunnel(0xABCDEF, LOCAL, REMOTE, VTEP_MAC, 17, GENEVE_PORT, 0, true);
    VxlanTunnel vxlan = new VxlanTunnel(0xABCDEF, LOCAL, REMOTE, VTEP_MAC, 17, 4789, 0);
    try (HeapMbufs heap = new HeapMbufs()) {
      byte[] in = inner(1000);
      long m = heap.mbuf(in);
      long at = Mbuf.prepend(m, VxlanTunnel.HEADER_BYTES);
      tunnel.write(at, in.length, ROUTER_MAC);
      byte[] out = TestMbufs.bytes(m);
      ByteBuffer b = VxlanStageTest.assertOuterHeaders(out, in.length, GENEVE_PORT);
      assertEquals(0x00, out[42] & 0xFF, "Ver 0, Opt Len 0");
      assertEquals(0x00, out[43] & 0xFF, "O 0, C 0, reserved 0");
      assertEquals(0x6558, b.getShort(44) & 0xFFFF, "Transparent Ethernet Bridging");
      assertEquals(0xAB, out[46] & 0xFF, "VNI");
      assertEquals(0xCD, out[47] & 0xFF, "VNI");
      assertEquals(0xEF, out[48] & 0xFF, "VNI");
      assertEquals(0, out[49], "reserved");
      assertArrayEquals(in, Arrays.copyOfRange(out, 50, out.length));

      // The same outer headers as VXLAN's but for the UDP port and its checksum's share of it.
      long v = heap.mbuf(in);
      vxlan.write(Mbuf.prepend(v, 50), in.length, ROUTER_MAC);
      byte[] vx = TestMbufs.bytes(v);
      assertArrayEquals(Arrays.copyOfRange(vx, 0, 36), Arrays.copyOfRange(out, 0, 36));
      assertArrayEquals(Arrays.copyOfRange(vx, 38, 42), Arrays.copyOfRange(out, 38, 42));
      assertEquals(0x08000000, ByteBuffer.wrap(vx).getInt(42), "VXLAN keeps its I flag");

      // One flow, one port; other flows spread.
      Set<Integer> ports = new HashSet<>();
      for (int flow = 0; flow < 64; flow++) {
        byte[] other = inner(2000 + flow);
        long o = heap.mbuf(other);
        tunnel.write(Mbuf.prepend(o, 50), other.length, ROUTER_MAC);
        ports.add(ByteBuffer.wrap(TestMbufs.bytes(o)).getShort(34) & 0xFFFF);
      }
      assertTrue(ports.size() > 48, "64 flows gave only " + ports.size() + " source ports");
    }
  }

  @Test
  void decapOfGeneveEncapGivesTheFrameBackInTheGeneveSegment() {
    VtepNeighbors neighbors = VxlanStageTest.neighbors();
    L2Tables tables = tables(neighbors);
    VxlanTunnel theirs =
        new VxlanTunnel(5001, REMOTE, LOCAL, 0x5254_0000_00bbL, 64, GENEVE_PORT, 0, true);
    VxlanTunnel theirVxlan = new VxlanTunnel(5001, REMOTE, LOCAL, 0x5254_0000_00bbL, 64, 4789, 0);
    try (HeapMbufs heap = new HeapMbufs();
        StageFixture f = StageFixture.withoutDpdk(7)) {
      byte[] in = inner(7);
      long m = heap.mbuf(in);
      theirs.write(Mbuf.prepend(m, 50), in.length, VTEP_MAC);
      long v = heap.mbuf(in);
      theirVxlan.write(Mbuf.prepend(v, 50), in.length, VTEP_MAC);
      BurstContext ctx = f.received(UPLINK, List.of(TestMbufs.bytes(m), TestMbufs.bytes(v)));
      f.run(tables, Feature.VXLAN_DECAP);
      VxlanDecapStage decap = (VxlanDecapStage) f.stage(Feature.VXLAN_DECAP);
      assertEquals(2, decap.stashed());
      assertEquals(GBLUE, decap.stashedPort(0));
      assertEquals(BLUE, decap.stashedPort(1), "the same VNI over VXLAN: the VXLAN segment");
      assertArrayEquals(in, TestMbufs.bytes(decap.stashedMbuf(0)));
      assertArrayEquals(in, TestMbufs.bytes(decap.stashedMbuf(1)));
      assertEquals(0x5254_0000_00bbL, neighbors.mac(0));
      assertEquals(0, ctx.live());
    }
  }

  @Test
  void anOverlayWithoutGeneveTunnelsStillTakesNoGeneveSegment() {
    // The VXLAN-only constructor keeps IANA's Geneve port; no Geneve tunnel: unknown VNI.
    VtepNeighbors neighbors = VxlanStageTest.neighbors();
    L2Tables tables = VxlanStageTest.tables(neighbors);
    try (StageFixture f = StageFixture.withoutDpdk(5)) {
      BurstContext ctx = f.received(UPLINK, List.of(geneve(o -> {})));
      f.run(tables, Feature.VXLAN_DECAP);
      assertEquals(DropReason.VXLAN_UNKNOWN_VNI, ctx.dropReason(0));
      assertFalse(tables.overlay().tunnel(VxlanStageTest.BLUE).geneve);
    }
  }
}
