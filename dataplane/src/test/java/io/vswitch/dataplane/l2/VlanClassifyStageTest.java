package io.vswitch.dataplane.l2;

import static io.vswitch.dataplane.testing.FrameBuilder.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vswitch.dataplane.stats.DropReason;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VlanClassifyStageTest {

  @ParameterizedTest
  @ValueSource(ints = {32, 7})
  void accessPortPutsUntaggedAndPriorityTaggedFramesInItsVlanAndRefusesTags(int count) {
    List<byte[]> frames = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      frames.add(
          switch (i % 3) {
            case 0 -> frame().build();
            case 1 -> frame().vlan(0).build();
            default -> frame().vlan(20).build();
          });
    }
    try (StageFixture f = StageFixture.withoutDpdk(1)) {
      BurstContext ctx = f.received(0, frames);
      f.run(PortPolicy.access(0, 10).build(), Feature.VLAN_CLASSIFY);
      for (int i = 0; i < count; i++) {
        if (i % 3 == 2) {
          assertEquals(DropReason.VLAN_NOT_ALLOWED, ctx.dropReason(i));
        } else {
          assertNull(ctx.dropReason(i));
          assertEquals(10, ctx.vlan[i]);
        }
      }
    }
  }

  @Test
  void trunkKeepsAllowedVidsAndSendsUntaggedToTheNativeVlan() {
    PortPolicy trunk = PortPolicy.trunk(0, 10, 20).nativeVlan(99, false).build();
    try (StageFixture f = StageFixture.withoutDpdk(1)) {
      BurstContext ctx =
          f.received(
              0,
              List.of(
                  frame().vlan(10).build(),
                  frame().vlan(20).build(),
                  frame().vlan(30).build(),
                  frame().build(),
                  frame().vlan(0).build(),
                  frame().vlan(99).build()));
      f.run(trunk, Feature.VLAN_CLASSIFY);
      assertEquals(10, ctx.vlan[0]);
      assertEquals(20, ctx.vlan[1]);
      assertEquals(DropReason.VLAN_NOT_ALLOWED, ctx.dropReason(2));
      assertEquals(99, ctx.vlan[3]);
      assertEquals(99, ctx.vlan[4]);
      assertEquals(99, ctx.vlan[5]);
    }
  }

  @Test
  void trunkWithoutNativeVlanDropsUntaggedFrames() {
    try (StageFixture f = StageFixture.withoutDpdk(1)) {
      BurstContext ctx = f.received(0, List.of(frame().build(), frame().vlan(10).build()));
      f.run(PortPolicy.trunk(0, 10).build(), Feature.VLAN_CLASSIFY);
      assertEquals(DropReason.VLAN_NOT_ALLOWED, ctx.dropReason(0));
      assertEquals(10, ctx.vlan[1]);
    }
  }
}
