package io.vswitch.dataplane.l2;

import static io.vswitch.dataplane.testing.FrameBuilder.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vswitch.dataplane.stats.DropReason;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ForwardStageTest {
  static final long KNOWN = MacAddress.parse("02:00:00:00:00:0b");

  static L2Tables threeAccessPorts() {
    return new L2Tables(
        List.of(
            PortPolicy.access(0, 10).build(),
            PortPolicy.access(1, 10).build(),
            PortPolicy.access(2, 20).build()));
  }

  @ParameterizedTest
  @ValueSource(ints = {32, 3})
  void knownUnicastGoesToItsPortAndTheRestFloods(int count) {
    try (Fdb fdb = new Fdb(1024, 300);
        StageFixture f = StageFixture.withoutDpdk(3)) {
      fdb.learn(Fdb.key(10, KNOWN), 1, 1);
      List<byte[]> frames = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        frames.add(
            frame()
                .dst(
                    i % 3 == 0
                        ? "02:00:00:00:00:0b"
                        : i % 3 == 1 ? "ff:ff:ff:ff:ff:ff" : "02:00:00:00:00:99")
                .build());
      }
      BurstContext ctx = f.received(0, frames);
      f.fdb = fdb;
      f.run(threeAccessPorts(), Feature.VLAN_CLASSIFY, Feature.FORWARD);
      for (int i = 0; i < count; i++) {
        assertEquals(i % 3 == 0 ? 1 : BurstContext.FLOOD, ctx.egress[i], "frame " + i);
      }
    }
  }

  @Test
  void destinationOnTheIngressPortIsDropped() {
    try (Fdb fdb = new Fdb(1024, 300);
        StageFixture f = StageFixture.withoutDpdk(3)) {
      fdb.learn(Fdb.key(10, KNOWN), 0, 1);
      BurstContext ctx = f.received(0, List.of(frame().dst("02:00:00:00:00:0b").build()));
      f.fdb = fdb;
      f.run(threeAccessPorts(), Feature.VLAN_CLASSIFY, Feature.FORWARD);
      assertEquals(DropReason.SAME_PORT, ctx.dropReason(0));
    }
  }

  @Test
  void entryPointingAtAPortThatLeftTheVlanFloods() {
    try (Fdb fdb = new Fdb(1024, 300);
        StageFixture f = StageFixture.withoutDpdk(3)) {
      fdb.learn(Fdb.key(10, KNOWN), 2, 1); // port 2 is in VLAN 20 now
      BurstContext ctx = f.received(0, List.of(frame().dst("02:00:00:00:00:0b").build()));
      f.fdb = fdb;
      f.run(threeAccessPorts(), Feature.VLAN_CLASSIFY, Feature.FORWARD);
      assertEquals(BurstContext.FLOOD, ctx.egress[0]);
    }
  }
}
