package io.vswitch.dataplane.l2;

import static io.vswitch.dataplane.testing.FrameBuilder.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.dataplane.stats.DropReason;
import java.util.List;
import org.junit.jupiter.api.Test;

class IngressSecurityStageTest {
  static final long VM_MAC = MacAddress.parse("02:00:00:00:00:01");

  @Test
  void forgedSourceIsDroppedWhenRejected() {
    PortPolicy port = PortPolicy.access(0, 10).mac(VM_MAC).forgedTransmits(false).build();
    assertFalse(port.ingressSecurityOff());
    try (StageFixture f = StageFixture.withoutDpdk(1)) {
      BurstContext ctx =
          f.received(
              0,
              List.of(
                  frame().src("02:00:00:00:00:01").build(),
                  frame().src("02:00:00:00:00:66").build()));
      f.run(port, Feature.SECURITY);
      assertNull(ctx.dropReason(0));
      assertEquals(DropReason.FORGED_TRANSMIT, ctx.dropReason(1));
      assertEquals(1, f.counters.sum(0, DropReason.FORGED_TRANSMIT));
    }
  }

  @Test
  void stageIsSkippedWhenForgedTransmitsAreAcceptedOrNoMacIsSet() {
    assertTrue(
        PortPolicy.access(0, 10).mac(VM_MAC).forgedTransmits(true).build().ingressSecurityOff());
    assertTrue(PortPolicy.access(0, 10).forgedTransmits(false).build().ingressSecurityOff());
  }
}
