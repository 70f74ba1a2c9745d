package io.vswitch.dataplane.l2;

import static io.vswitch.dataplane.testing.FrameBuilder.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vswitch.dataplane.qos.Dscp;
import io.vswitch.dataplane.qos.PolicerSpec;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.testing.IpPackets;
import io.vswitch.dataplane.testing.TestMbufs;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IngressQosStageTest {
  static final long HZ = StageFixture.HZ;

  private static List<byte[]> ipv4Frames(int count) {
    List<byte[]> frames = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      byte[] ip = IpPackets.ipv4("10.0.0.1", "10.0.0.2", IpPackets.UDP, 1000 + i, 53, 0, 0x01);
      frames.add(frame().etherType(0x0800).payload(ip).build()); // ECN 01 must survive
    }
    return frames;
  }

  @ParameterizedTest
  @ValueSource(ints = {32, 5})
  void marksDscpWithAValidChecksumAndRecordsPcp(int count) {
    PortPolicy port = PortPolicy.access(0, 10).mark(5, 46).build();
    try (StageFixture f = StageFixture.withoutDpdk(1)) {
      BurstContext ctx = f.received(0, ipv4Frames(count));
      f.run(port, Feature.MARK);
      for (int i = 0; i < count; i++) {
        byte[] bytes = TestMbufs.bytes(ctx.batch().mbuf(i));
        assertEquals(46 << 2 | 0x01, bytes[15] & 0xFF, "TOS: DSCP 46, ECN kept");
        assertEquals(0, IpPackets.checksum(bytes, 14, 20), "IPv4 header checksum (RFC 1624)");
        assertEquals(5, ctx.pcp[i]);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {32, 9})
  void srTcmDropsRedOnceBothBucketsAreSpent(int count) {
    // 60-byte frames; C holds 3 frames, E 2 more; no time passes, so the rest is red.
    PolicerSpec spec = new PolicerSpec(PolicerSpec.Type.SRTCM, 1000, 180, 0, 120, true, -1);
    try (StageFixture f = StageFixture.withoutDpdk(1)) {
      BurstContext ctx = f.received(0, ipv4Frames(count));
      f.run(PortPolicy.access(0, 10).policer(spec).build(), Feature.POLICE);
      for (int i = 0; i < count; i++) {
        if (i < 5) {
          assertNull(ctx.dropReason(i), "frame " + i);
        } else {
          assertEquals(DropReason.POLICER_RED, ctx.dropReason(i), "frame " + i);
        }
      }
      assertEquals(count - 5, f.counters.sum(0, DropReason.POLICER_RED));
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {32, 4})
  void trTcmRemarksRedInsteadOfDroppingWhenAsked(int count) {
    PolicerSpec spec = new PolicerSpec(PolicerSpec.Type.TRTCM, 1000, 60, 2000, 120, false, 8);
    try (StageFixture f = StageFixture.withoutDpdk(1)) {
      BurstContext ctx = f.received(0, ipv4Frames(count));
      f.run(PortPolicy.access(0, 10).policer(spec).build(), Feature.POLICE);
      for (int i = 0; i < count; i++) {
        assertNull(ctx.dropReason(i));
        long l3 = ctx.frame[i] + ctx.l3Offset[i];
        assertEquals(i < 2 ? 0 : 8, Dscp.ofIpv4(l3), "frame " + i + ": green, yellow, then red");
        assertEquals(0, IpPackets.checksum(TestMbufs.bytes(ctx.batch().mbuf(i)), 14, 20));
      }
    }
  }
}
