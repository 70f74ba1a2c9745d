package io.vswitch.dataplane.l2;

import static io.vswitch.dataplane.testing.FrameBuilder.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vswitch.dataplane.acl.Acl;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.testing.HostileFrames;
import io.vswitch.dataplane.testing.TestMbufs;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Jumbo frames in two segments: IP lengths are checked against the packet length, and headers are
 * read only from the first segment (a chain that continues in the second is "L4 unknown").
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
      MtuCheck.ingress(ctx, port.mtu);
      new VlanClassifyStage().run(ctx, port);
      AclStage stage = new AclStage(0);
      stage.extract(ctx);
      stage.ingress(ctx, acl);
      for (int i = 0; i < count; i++) {
        assertEquals(fate(i), ctx.dropReason(i), "frame " + i);
        assertEquals(3014, ctx.length[i], "pkt_len, not data_len");
      }
    }
    assertEquals(0, TestMbufs.pool().inUse(), "both segments of every frame freed");
  }
}
