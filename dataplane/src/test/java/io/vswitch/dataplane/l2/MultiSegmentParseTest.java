package io.vswitch.dataplane.l2;

import static io.vswitch.dataplane.testing.FrameBuilder.frame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vswitch.dataplane.acl.Acl;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.testing.HostileFrames;
import io.vswitch.dataplane.testing.TestMbufs;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Jumbo frames in two segments: IP lengths are checked against the packet length, and headers are
 * read only from the first segment (a chain that continues in the second is "L4 unknown"); a flood
 * of them is copied whole (every segment) for the port that needs the other tagging.
 */
class MultiSegmentParseTest {
  private static byte[] v4Tcp(int dport, int total) {
    byte[] l4 = Arrays.copyOf(HostileFrames.tcp(dport), total - 20);
    return frame().etherType(0x0800).payload(HostileFrames.ipv4(6, l4, 0, 0)).build();
  }

  private static byte[] v6HopByHopTcp(int total) {
    byte[] hbh = new byte[64]; // 64-byte hop-by-hop: it crosses the segment boundary below
    hbh[0] = 6;
    hbh[1] = 7;
    byte[] payload = new byte[total - 40];
    System.arraycopy(hbh, 0, payload, 0, 64);
    System.arraycopy(HostileFrames.tcp(443), 0, payload, 64, 20);
    return frame().etherType(0x86dd).payload(HostileFrames.ipv6(0, payload)).build();
  }

  /** Frame i and its fate behind the corpus ACL. */
  private static long mbuf(int i) {
    return switch (i % 4) {
      case 0 -> TestMbufs.chained(v4Tcp(443, 3000), 1000); // forwarded
      case 1 -> TestMbufs.chained(v4Tcp(80, 3000), 60); // denied on the port in segment 1
      case 2 -> TestMbufs.chained(v6HopByHopTcp(3000), 14 + 40 + 32); // chain runs into seg 2
      default -> {
        byte[] f = v4Tcp(443, 3000);
        f[14 + 2] = 0x10; // total length 4096 > the 3014 bytes of the packet
        yield TestMbufs.chained(f, 1000);
      }
    };
  }

  private static DropReason fate(int i) {
    return switch (i % 4) {
      case 0 -> null;
      case 1 -> DropReason.ACL_INGRESS_DENY;
      case 2 -> DropReason.ACL_L4_UNKNOWN;
      default -> DropReason.BAD_IP_LENGTH;
    };
  }

  @ParameterizedTest
  @ValueSource(ints = {32, 6})
  void ipLengthsUseThePacketAndReadsStayInTheFirstSegment(int count) {
    Acl acl = HostileFrames.acl();
    PortPolicy port = PortPolicy.access(0, 10).mtu(9000).acls(acl, null).build();
    try (StageFixture f = new StageFixture(1)) {
      BurstContext ctx = f.ctx;
      ctx.batch().clear();
      for (int i = 0; i < count; i++) {
        ctx.batch().add(mbuf(i));
      }
      ctx.begin(0, count, f.counters.slot(0, 0));
      new ParseStage().run(ctx);
      f.run(port, Feature.INGRESS_MTU, Feature.VLAN_CLASSIFY, Feature.ACL_KEYS, Feature.ACL_IN);
      for (int i = 0; i < count; i++) {
        assertEquals(fate(i), ctx.dropReason(i), "frame " + i);
        assertEquals(3014, ctx.length[i], "pkt_len, not data_len");
      }
    }
    assertEquals(0, TestMbufs.pool().inUse(), "both segments of every frame freed");
  }

  @ParameterizedTest
  @ValueSource(ints = {32, 5})
  void aTwoSegmentFloodIsCopiedWholeAndTaggedForTheTrunk(int count) {
    L2Tables tables =
        new L2Tables(
            List.of(
                PortPolicy.access(0, 10).mtu(9000).build(),
                PortPolicy.access(1, 10).mtu(9000).build(),
                PortPolicy.trunk(2, 10).mtu(9000).build(),
                PortPolicy.access(3, 10).build())); // MTU 1500: refuses its share
    try (StageFixture f = new StageFixture(4)) {
      List<EgressStageTest.CapturePort> ports = new ArrayList<>();
      TxBuffer[] tx = new TxBuffer[4];
      for (int p = 0; p < 4; p++) {
        ports.add(new EgressStageTest.CapturePort(p));
        tx[p] = new TxBuffer(ports.get(p), 0, f.counters.slot(0, p), f.arena);
        tx[p].mtu(tables.port(p).mtu);
      }
      BurstContext ctx = f.ctx;
      ctx.batch().clear();
      for (int i = 0; i < count; i++) {
        ctx.batch().add(TestMbufs.chained(v4Tcp(443 + i, 3000), 1000));
      }
      ctx.begin(0, count, f.counters.slot(0, 0));
      new ParseStage().run(ctx);
      f.run(tables, Feature.VLAN_CLASSIFY);
      for (int i = 0; i < count; i++) {
        ctx.egress[i] = BurstContext.FLOOD;
      }
      f.egress(tables, tx);
      for (TxBuffer b : tx) {
        b.flush();
      }
      assertEquals(count, f.counters.sum(3, DropReason.TX_MTU_EXCEEDED));
      assertEquals(0, ports.get(3).mbufs.size());
      for (int i = 0; i < count; i++) {
        byte[] untagged = v4Tcp(443 + i, 3000);
        byte[] tagged = new byte[untagged.length + 4];
        System.arraycopy(untagged, 0, tagged, 0, 12);
        tagged[12] = (byte) 0x81;
        tagged[15] = 10;
        System.arraycopy(untagged, 12, tagged, 16, untagged.length - 12);
        assertArrayEquals(
            untagged, TestMbufs.packetBytes(ports.get(1).mbufs.get(i)), "access " + i);
        assertArrayEquals(tagged, TestMbufs.packetBytes(ports.get(2).mbufs.get(i)), "trunk " + i);
      }
      ports.forEach(EgressStageTest.CapturePort::release);
    }
    assertEquals(0, TestMbufs.pool().inUse(), "every segment of every copy freed");
    // The original goes to two ports: each frees it once, so every segment needs the count
    // (the tail segments were freed twice when only the head had it).
    assertEquals(TestMbufs.pool().size(), TestMbufs.assertNoMbufTwice(), "no segment freed twice");
  }
}
