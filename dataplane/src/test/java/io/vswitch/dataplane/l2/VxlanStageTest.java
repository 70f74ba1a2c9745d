package io.vswitch.dataplane.l2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.dataplane.l2.overlay.VtepNeighbors;
import io.vswitch.dataplane.l2.overlay.VxlanDecapStage;
import io.vswitch.dataplane.l2.overlay.VxlanOverlay;
import io.vswitch.dataplane.l2.overlay.VxlanPort;
import io.vswitch.dataplane.l2.overlay.VxlanTunnel;
import io.vswitch.dataplane.l2.tap.Taps;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.testing.FrameBuilder;
import io.vswitch.dataplane.testing.HeapMbufs;
import io.vswitch.dataplane.testing.IpPackets;
import io.vswitch.dataplane.testing.TestMbufs;
import io.vswitch.ffm.Mbuf;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The VTEP's stages on crafted frames, in heap mbufs (no EAL): every frame's fate through {@code
 * VXLAN_DECAP} (decapsulated into which tunnel, passed on, or dropped and why), the split horizon
 * and unresolved next hops of {@code VXLAN_EGRESS}, and the encapsulation byte for byte.
 */
class VxlanStageTest {
  static final int LOCAL = ip("192.0.2.1");
  static final int REMOTE = ip("192.0.2.2");
  static final long VTEP_MAC = 0x0200_c000_0201L;
  static final long ROUTER_MAC = 0x5254_0000_00aaL;

  static final int UPLINK = 0;
  static final int VM = 1;
  static final int BLUE = 2; // VNI 5001 from 192.0.2.2, VLAN 100
  static final int RED = 3; // VNI 5002 from 192.0.2.2, VLAN 200
  static final int BLUE_FAR = 4; // VNI 5001 from 192.0.2.3

  static int ip(String dotted) {
    String[] p = dotted.split("\\.");
    return Integer.parseInt(p[0]) << 24
        | Integer.parseInt(p[1]) << 16
        | Integer.parseInt(p[2]) << 8
        | Integer.parseInt(p[3]);
  }

  static VtepNeighbors neighbors() {
    return new VtepNeighbors(new int[] {REMOTE, ip("192.0.2.3")}, new long[2]);
  }

  static L2Tables tables(VtepNeighbors neighbors) {
    PortPolicy[] p = new PortPolicy[5];
    p[UPLINK] = PortPolicy.access(UPLINK, 1).build();
    p[VM] = PortPolicy.access(VM, 100).build();
    p[BLUE] = PortPolicy.access(BLUE, 100).mtu(1450).build();
    p[RED] = PortPolicy.access(RED, 200).mtu(1450).build();
    p[BLUE_FAR] = PortPolicy.access(BLUE_FAR, 100).mtu(1450).build();
    List<VxlanTunnel> tunnels =
        List.of(
            new VxlanTunnel(5001, LOCAL, REMOTE, VTEP_MAC, 64, 4789, 0),
            new VxlanTunnel(5002, LOCAL, REMOTE, VTEP_MAC, 64, 4789, 0),
            new VxlanTunnel(5001, LOCAL, ip("192.0.2.3"), VTEP_MAC, 64, 4789, 1));
    VxlanOverlay overlay =
        new VxlanOverlay(
            UPLINK, LOCAL, VTEP_MAC, 4789, neighbors, tunnels, new int[] {BLUE, RED, BLUE_FAR});
    return new L2Tables(p, List.of(), Taps.NONE, overlay);
  }

  static byte[] inner(int sport) {
    return FrameBuilder.frame()
        .dst("52:54:00:00:00:01")
        .src("52:54:00:00:00:02")
        .etherType(0x0800)
        .payload(IpPackets.ipv4("10.0.0.2", "10.0.0.1", IpPackets.UDP, sport, 53, 0))
        .build();
  }

  /** Outer Ethernet/IPv4/UDP/VXLAN around {@code inner}; the knobs break one field each. */
  static final class Outer {
    int src = REMOTE;
    int dst = LOCAL;
    int vni = 5001;
    int flags = 0x08;
    int dport = 4789;
    int protocol = 17;
    int fragment = 0x4000; // DF
    int options; // IPv4 option words
    int udpLengthDelta;
    int dstMacLow = 0xc0000201; // the VTEP's MAC: 02:00:c0:00:02:01
    byte[] inner = VxlanStageTest.inner(1000);

    byte[] build() {
      int ihl = 20 + options * 4;
      int udpLength = 8 + 8 + inner.length;
      ByteBuffer b = ByteBuffer.allocate(14 + ihl + udpLength);
      b.putShort((short) 0x0200).putInt(dstMacLow); // to the VTEP's MAC, by default
      b.putShort((short) 0x5254).putInt(0x000000aa); // from the router
      b.putShort((short) 0x0800);
      b.put((byte) (0x40 | ihl / 4)).put((byte) 0).putShort((short) (ihl + udpLength));
      b.putShort((short) 7).putShort((short) fragment).put((byte) 64).put((byte) protocol);
      b.putShort((short) 0).putInt(src).putInt(dst);
      for (int o = 0; o < options; o++) {
        b.putInt(0x01010101); // NOPs
      }
      b.putShort((short) 0xc123).putShort((short) dport);
      b.putShort((short) (udpLength + udpLengthDelta)).putShort((short) 0);
      b.put((byte) flags).put((byte) 0).putShort((short) 0).putInt(vni << 8);
      b.put(inner);
      return b.array();
    }
  }

  static byte[] outer(java.util.function.Consumer<Outer> change) {
    Outer o = new Outer();
    change.accept(o);
    return o.build();
  }

  @Test
  void decapHandsGoodFramesToTheirTunnelAndDropsEveryBadOneWithItsReason() {
    VtepNeighbors neighbors = neighbors();
    L2Tables tables = tables(neighbors);
    byte[] cutInner = java.util.Arrays.copyOf(inner(1000), 14); // just an Ethernet header
    List<byte[]> frames = new ArrayList<>();
    frames.add(outer(o -> {})); // 0: good, blue
    frames.add(outer(o -> o.vni = 5002)); // 1: good, red
    frames.add(outer(o -> o.vni = 5003)); // 2: no such VNI
    frames.add(outer(o -> o.flags = 0x00)); // 3: I flag clear
    frames.add(outer(o -> o.flags = 0xFF)); // 4: reserved bits set: ignored on receipt, good
    frames.add(outer(o -> o.options = 2)); // 5: IPv4 options: good, past them
    frames.add(outer(o -> o.fragment = 0x2000)); // 6: more fragments
    frames.add(outer(o -> o.fragment = 0x0010)); // 7: a later fragment
    frames.add(outer(o -> o.dst = ip("192.0.2.9"))); // 8: to our MAC, not our (new) address
    frames.add(outer(o -> o.dport = 4790)); // 9: to us, not VXLAN's port
    frames.add(outer(o -> o.protocol = 6)); // 10: to us, TCP
    frames.add(outer(o -> o.src = ip("192.0.2.77"))); // 11: VNI known, source VTEP not
    frames.add(outer(o -> o.udpLengthDelta = 8)); // 12: UDP longer than the IP payload
    frames.add(outer(o -> o.inner = java.util.Arrays.copyOf(cutInner, 10))); // 13: inner runt
    frames.add(outer(o -> o.src = ip("192.0.2.3"))); // 14: good, blue from the far VTEP
    byte[] padded = java.util.Arrays.copyOf(outer(o -> o.inner = cutInner), 14 + 20 + 16 + 14 + 6);
    frames.add(padded); // 15: good, Ethernet padding after the IP packet goes
    frames.add(java.util.Arrays.copyOf(outer(o -> {}), 14 + 20 + 4)); // 16: outer IP cut (parse)
    frames.add(
        outer(
            o -> {
              o.dst = ip("192.0.2.9");
              o.dstMacLow = 0xc0000209;
            })); // 17: another host's: switched as usual

    try (StageFixture f = StageFixture.withoutDpdk(5)) {
      f.seconds = 42;
      BurstContext ctx = f.received(UPLINK, frames);
      long[] mbufs = ctx.mbuf.clone();
      f.run(tables, Feature.VXLAN_DECAP);
      VxlanDecapStage decap = (VxlanDecapStage) f.stage(Feature.VXLAN_DECAP);

      DropReason[] want = {
        null,
        null,
        DropReason.VXLAN_UNKNOWN_VNI,
        DropReason.VXLAN_BAD_HEADER,
        null,
        null,
        DropReason.VXLAN_FRAGMENT,
        DropReason.VXLAN_FRAGMENT,
        DropReason.VTEP_WRONG_ADDRESS,
        DropReason.VTEP_NOT_VXLAN,
        DropReason.VTEP_NOT_VXLAN,
        DropReason.VXLAN_UNKNOWN_VTEP,
        DropReason.VXLAN_TRUNCATED,
        DropReason.VXLAN_TRUNCATED,
        null,
        null,
        DropReason.BAD_IP_LENGTH,
        null,
      };
      for (int i = 0; i < want.length; i++) {
        assertEquals(want[i], ctx.dropReason(i), "frame " + i);
      }
      int[] decapsulated = {0, 1, 4, 5, 14, 15};
      int[] into = {BLUE, RED, BLUE, BLUE, BLUE_FAR, BLUE};
      assertEquals(decapsulated.length, decap.stashed());
      for (int k = 0; k < decapsulated.length; k++) {
        assertEquals(mbufs[decapsulated[k]], decap.stashedMbuf(k), "stash " + k);
        assertEquals(into[k], decap.stashedPort(k), "tunnel of frame " + decapsulated[k]);
        byte[] expected = decapsulated[k] == 15 ? cutInner : inner(1000);
        assertArrayEquals(expected, TestMbufs.bytes(decap.stashedMbuf(k)), "inner " + k);
      }
      // Taken out of the uplink's burst: only frame 17 (not ours) goes on being switched there.
      assertEquals(1 << 17, ctx.live());
      assertEquals(1, f.counters.sum(UPLINK, DropReason.VTEP_WRONG_ADDRESS));
      // The outer source MAC refreshed both next hops.
      assertEquals(ROUTER_MAC, neighbors.mac(0));
      assertEquals(ROUTER_MAC, neighbors.mac(1));
      assertEquals(42, neighbors.seen(0));
      assertEquals(1, f.counters.sum(UPLINK, DropReason.VXLAN_UNKNOWN_VNI));
      assertEquals(2, f.counters.sum(UPLINK, DropReason.VXLAN_FRAGMENT));
      assertEquals(2, f.counters.sum(UPLINK, DropReason.VXLAN_TRUNCATED));
    }
  }

  /** A transmit buffer on a capturing port for each of the tables' ports. */
  static TxBuffer[] buffers(StageFixture f, EgressStageTest.CapturePort[] ports) {
    TxBuffer[] tx = new TxBuffer[ports.length];
    for (int p = 0; p < ports.length; p++) {
      ports[p] = new EgressStageTest.CapturePort(p);
      tx[p] = new TxBuffer(ports[p], 0, f.counters.slot(0, p), f.arena);
    }
    return tx;
  }

  @Test
  void tunnelBurstLearnsTheRemoteMacAgainstItsVtepAndFloodsOnlyLocally() {
    VtepNeighbors neighbors = neighbors();
    neighbors.learn(0, ROUTER_MAC, 1);
    neighbors.learn(1, ROUTER_MAC, 1);
    L2Tables tables = tables(neighbors);
    try (StageFixture f = StageFixture.withoutDpdk(5)) {
      f.fdb = new Fdb(1024, 300);
      BurstContext ctx = f.received(BLUE, List.of(inner(1000)));
      EgressStageTest.CapturePort[] ports = new EgressStageTest.CapturePort[5];
      f.run(
          tables,
          buffers(f, ports),
          Feature.VLAN_CLASSIFY,
          Feature.LEARN,
          Feature.FORWARD,
          Feature.EGRESS_FILTER,
          Feature.VXLAN_EGRESS);
      assertEquals(BLUE, f.fdb.lookup(Fdb.key(100, 0x5254_0000_0002L), f.seconds));
      // Flooded in VLAN 100: the local VM only, never the other VTEP of the segment.
      assertNull(ctx.dropReason(0));
      assertEquals(1L << VM, ctx.out[0] & ((1L << VM) | (1L << BLUE_FAR)));
      f.fdb.close();
    }
  }

  @Test
  void aUnicastFromOneVtepToAnotherIsDroppedBySplitHorizon() {
    VtepNeighbors neighbors = neighbors();
    neighbors.learn(0, ROUTER_MAC, 1);
    neighbors.learn(1, ROUTER_MAC, 1);
    L2Tables tables = tables(neighbors);
    try (StageFixture f = StageFixture.withoutDpdk(5)) {
      f.fdb = new Fdb(1024, 300);
      f.fdb.addStatic(100, 0x5254_0000_0001L, BLUE_FAR);
      BurstContext ctx = f.received(BLUE, List.of(inner(1000)));
      f.run(tables, Feature.VLAN_CLASSIFY, Feature.FORWARD, Feature.VXLAN_EGRESS);
      assertEquals(DropReason.VXLAN_SPLIT_HORIZON, ctx.dropReason(0));
      f.fdb.close();
    }
  }

  @Test
  void anUnresolvedVtepLeavesTheFloodAndAUnicastToItIsDropped() {
    VtepNeighbors neighbors = neighbors();
    neighbors.learn(1, ROUTER_MAC, 1); // 192.0.2.3 resolved, 192.0.2.2 not
    L2Tables tables = tables(neighbors);
    try (StageFixture f = StageFixture.withoutDpdk(5)) {
      f.fdb = new Fdb(1024, 300);
      f.fdb.addStatic(100, 0x5254_0000_0001L, BLUE);
      byte[] flood = FrameBuilder.frame().dst("ff:ff:ff:ff:ff:ff").src("52:54:00:00:00:09").build();
      BurstContext ctx = f.received(VM, List.of(inner(1000), flood));
      EgressStageTest.CapturePort[] ports = new EgressStageTest.CapturePort[5];
      f.run(
          tables,
          buffers(f, ports),
          Feature.VLAN_CLASSIFY,
          Feature.FORWARD,
          Feature.EGRESS_FILTER,
          Feature.VXLAN_EGRESS);
      assertEquals(DropReason.VTEP_UNRESOLVED, ctx.dropReason(0));
      assertNull(ctx.dropReason(1));
      assertEquals(0, ctx.out[1] & (1L << BLUE), "the unresolved tunnel left the flood");
      assertEquals(2, f.counters.sum(VM, DropReason.VTEP_UNRESOLVED));
      // One ARP request for 192.0.2.2 left the uplink (once a second per hop, not per frame).
      assertEquals(1, ports[UPLINK].frames.size());
      ByteBuffer arp = ByteBuffer.wrap(ports[UPLINK].frames.get(0));
      assertEquals(60, arp.capacity());
      assertEquals(0xFFFF_FFFF, arp.getInt(0));
      assertEquals(0x0806, arp.getShort(12));
      assertEquals(0x0001_0800, arp.getInt(14));
      assertEquals(0x0604_0001, arp.getInt(18));
      assertEquals(0xc0000201, arp.getInt(24), "sender MAC (low 4 bytes)");
      assertEquals(LOCAL, arp.getInt(28));
      assertEquals(REMOTE, arp.getInt(38));
      ports[UPLINK].release();
      f.fdb.close();
    }
  }

  /**
   * The outer Ethernet, IPv4 and UDP headers a tunnel of this class's VTEP writes before an inner
   * frame of {@code innerLength} bytes, to UDP port {@code udpPort} (VXLAN's or Geneve's: the
   * encapsulations share everything but the port and the 8 bytes after it); returns the frame.
   */
  static ByteBuffer assertOuterHeaders(byte[] out, int innerLength, int udpPort) {
    assertEquals(innerLength + 50, out.length);
    ByteBuffer b = ByteBuffer.wrap(out);
    assertEquals(0x5254, b.getShort(0) & 0xFFFF);
    assertEquals(0x000000aa, b.getInt(2));
    assertEquals(0x0200, b.getShort(6) & 0xFFFF);
    assertEquals(0xc0000201, b.getInt(8));
    assertEquals(0x0800, b.getShort(12));
    assertEquals(0x45, out[14] & 0xFF);
    assertEquals(0, out[15], "DSCP/ECN");
    assertEquals(innerLength + 36, b.getShort(16) & 0xFFFF, "IPv4 total length");
    assertEquals(0, b.getShort(18), "identification");
    assertEquals(0x4000, b.getShort(20), "DF, no fragment");
    assertEquals(17, out[22] & 0xFF, "TTL");
    assertEquals(17, out[23] & 0xFF, "UDP");
    assertEquals(0, IpPackets.checksum(out, 14, 20), "the header sums to 0xffff");
    assertEquals(LOCAL, b.getInt(26));
    assertEquals(REMOTE, b.getInt(30));
    int sport = b.getShort(34) & 0xFFFF;
    assertTrue(sport >= 49152, "source port in the dynamic range: " + sport);
    assertEquals(udpPort, b.getShort(36) & 0xFFFF);
    assertEquals(innerLength + 16, b.getShort(38) & 0xFFFF, "UDP length");
    assertEquals(0, b.getShort(40), "UDP checksum 0 (IPv4: RFC 7348 section 5, RFC 8926 3.3)");
    return b;
  }

  @Test
  void encapsulationIsByteExactWithAValidChecksumDfTtlAndAFlowHashedSourcePort() {
    VxlanTunnel tunnel = new VxlanTunnel(5001, LOCAL, REMOTE, VTEP_MAC, 17, 4789, 0);
    try (HeapMbufs heap = new HeapMbufs()) {
      byte[] in = inner(1000);
      long m = heap.mbuf(in);
      long at = Mbuf.prepend(m, VxlanTunnel.HEADER_BYTES);
      tunnel.write(at, in.length, ROUTER_MAC);
      byte[] out = TestMbufs.bytes(m);
      ByteBuffer b = assertOuterHeaders(out, in.length, 4789);
      int sport = b.getShort(34) & 0xFFFF;
      assertEquals(0x08000000, b.getInt(42), "I flag, reserved 0");
      assertEquals(5001 << 8, b.getInt(46), "VNI, reserved 0");
      assertArrayEquals(in, java.util.Arrays.copyOfRange(out, 50, out.length));

      // One flow, one port; other flows spread.
      long again = heap.mbuf(in);
      tunnel.write(Mbuf.prepend(again, 50), in.length, ROUTER_MAC);
      assertEquals(sport, ByteBuffer.wrap(TestMbufs.bytes(again)).getShort(34) & 0xFFFF);
      Set<Integer> ports = new HashSet<>();
      for (int flow = 0; flow < 64; flow++) {
        byte[] other = inner(2000 + flow);
        long o = heap.mbuf(other);
        tunnel.write(Mbuf.prepend(o, 50), other.length, ROUTER_MAC);
        ports.add(ByteBuffer.wrap(TestMbufs.bytes(o)).getShort(34) & 0xFFFF);
      }
      assertTrue(ports.size() > 48, "64 flows gave only " + ports.size() + " source ports");
      assertNotEquals(1, ports.size());
    }
  }

  @Test
  void aFloodSharedWithOtherPortsIsEncapsulatedInACopyAndAnUnsharedFrameInPlace() {
    VtepNeighbors neighbors = neighbors();
    neighbors.learn(0, ROUTER_MAC, 1);
    VxlanTunnel tunnel = new VxlanTunnel(5001, LOCAL, REMOTE, VTEP_MAC, 64, 4789, 0);
    EgressStageTest.CapturePort uplink = new EgressStageTest.CapturePort(0);
    VxlanPort port =
        new VxlanPort(
            "vxlan.blue.192.0.2.2",
            2,
            1,
            tunnel,
            neighbors,
            () -> uplink,
            TestMbufs.pool().segment());
    byte[] in = inner(1000);
    long shared = TestMbufs.mbuf(in);
    Mbuf.setRefCount(shared, 2); // a flood: another port still holds it
    long alone = TestMbufs.mbuf(in);
    try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
      io.vswitch.dataplane.packet.PacketBatch batch =
          new io.vswitch.dataplane.packet.PacketBatch(arena);
      batch.add(shared);
      batch.add(alone);
      assertEquals(2, port.transmit(0, batch));
      assertEquals(2, uplink.mbufs.size());
      assertNotEquals(shared, (long) uplink.mbufs.get(0), "the shared frame went out in a copy");
      assertEquals(alone, (long) uplink.mbufs.get(1), "the unshared one in place");
      assertArrayEquals(in, TestMbufs.bytes(shared), "the other port's frame is untouched");
      assertEquals(1, Mbuf.refCount(shared), "the tunnel let go of its reference");
      for (byte[] sent : uplink.frames) {
        assertEquals(in.length + 50, sent.length);
        assertArrayEquals(in, java.util.Arrays.copyOfRange(sent, 50, sent.length));
        assertEquals(0, IpPackets.checksum(sent, 14, 20));
      }
      assertArrayEquals(uplink.frames.get(0), uplink.frames.get(1), "the same header both ways");
      uplink.release();
      Mbuf.free(shared);
    }
  }

  @Test
  void decapOfEncapGivesTheFrameBack() {
    VtepNeighbors neighbors = neighbors();
    L2Tables tables = tables(neighbors);
    VxlanTunnel theirs = new VxlanTunnel(5002, REMOTE, LOCAL, 0x5254_0000_00bbL, 64, 4789, 0);
    try (HeapMbufs heap = new HeapMbufs();
        StageFixture f = StageFixture.withoutDpdk(5)) {
      byte[] in = inner(7);
      long m = heap.mbuf(in);
      theirs.write(Mbuf.prepend(m, 50), in.length, VTEP_MAC);
      BurstContext ctx = f.received(UPLINK, List.of(TestMbufs.bytes(m)));
      f.run(tables, Feature.VXLAN_DECAP);
      VxlanDecapStage decap = (VxlanDecapStage) f.stage(Feature.VXLAN_DECAP);
      assertEquals(1, decap.stashed());
      assertEquals(RED, decap.stashedPort(0));
      assertArrayEquals(in, TestMbufs.bytes(decap.stashedMbuf(0)));
      assertEquals(0x5254_0000_00bbL, neighbors.mac(0));
      assertEquals(0, ctx.live());
    }
  }
}
