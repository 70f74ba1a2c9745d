package io.vswitch.dataplane.l2;

import static io.vswitch.dataplane.testing.FrameBuilder.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.testing.TestMbufs;
import io.vswitch.ffm.Mbuf;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Port MTU: the L3 payload, checked on ingress per burst and on egress per port's tx buffer. */
class MtuTest {
  /** Frame i: payload 1500 or 1501, untagged or tagged (the tag is not payload). */
  private static byte[] frameFor(int i) {
    int payload = 1500 + (i % 2);
    return (i % 4 < 2 ? frame() : frame().vlan(10)).payloadLength(payload).build();
  }

  /**
   * The check passes a burst by when its longest frame cannot carry more than the MTU: a burst of
   * untagged frames exactly at the MTU keeps them all, and the same burst with one frame a byte
   * over drops that one alone, wherever it sits (the bound is exact, not off by a tag or a byte).
   */
  @ParameterizedTest
  @ValueSource(ints = {0, 13, 31})
  void ingressKeepsABurstAtTheMtuAndDropsTheOneFrameAByteOver(int over) {
    try (StageFixture f = new StageFixture(1)) {
      List<byte[]> atMtu = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        atMtu.add(frame().payloadLength(1500).build());
      }
      BurstContext ctx = f.received(0, atMtu);
      f.run(PortPolicy.access(0, 10).build(), Feature.INGRESS_MTU);
      assertEquals(-1, ctx.live(), "1,500 L3 bytes are within an MTU of 1,500");
      f.releaseBurst();

      List<byte[]> oneOver = new ArrayList<>(atMtu);
      oneOver.set(over, frame().payloadLength(1501).build());
      ctx = f.received(0, oneOver);
      f.run(PortPolicy.access(0, 10).build(), Feature.INGRESS_MTU);
      assertEquals(~(1 << over), ctx.live());
      assertEquals(DropReason.RX_MTU_EXCEEDED, ctx.dropReason(over));
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {32, 7})
  void ingressDropsWhatIsLongerThanThePortMtu(int count) {
    try (StageFixture f = new StageFixture(1)) {
      List<byte[]> frames = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        frames.add(frameFor(i));
      }
      BurstContext ctx = f.received(0, frames);
      f.run(PortPolicy.access(0, 10).build(), Feature.INGRESS_MTU);
      for (int i = 0; i < count; i++) {
        if (i % 2 == 1) {
          assertEquals(DropReason.RX_MTU_EXCEEDED, ctx.dropReason(i), "frame " + i);
        } else {
          assertNull(ctx.dropReason(i), "frame " + i);
        }
      }
      assertEquals(count / 2, f.counters.sum(0, DropReason.RX_MTU_EXCEEDED));
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {40, 5})
  void egressDropsPerPortAndFreesItsShareOfAFlood(int count) {
    try (StageFixture f = new StageFixture(2)) {
      EgressStageTest.CapturePort small = new EgressStageTest.CapturePort(0);
      EgressStageTest.CapturePort jumbo = new EgressStageTest.CapturePort(1);
      TxBuffer toSmall = new TxBuffer(small, 0, f.counters.slot(0, 0), f.arena);
      TxBuffer toJumbo = new TxBuffer(jumbo, 0, f.counters.slot(0, 1), f.arena);
      toJumbo.mtu(9000);
      for (int i = 0; i < count; i++) {
        long mbuf = TestMbufs.mbuf(frameFor(i));
        Mbuf.setRefCount(mbuf, 2); // one flood, shared by both ports
        int length = Mbuf.packetLength(mbuf);
        toSmall.add(mbuf, length, true);
        toJumbo.add(mbuf, length, true);
      }
      toSmall.flush();
      toJumbo.flush();
      assertEquals(count - count / 2, small.frames.size());
      assertEquals(count, jumbo.frames.size());
      assertEquals(count / 2, f.counters.sum(0, DropReason.TX_MTU_EXCEEDED));
      assertEquals(0, f.counters.sum(1, DropReason.TX_MTU_EXCEEDED));
      small.release();
      jumbo.release();
      assertEquals(0, TestMbufs.pool().inUse(), "the refused share was freed");
    }
  }
}
