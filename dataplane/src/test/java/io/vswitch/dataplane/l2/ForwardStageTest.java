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

  @Test
  void aBurstToMoreDestinationsThanTheMemoHoldsSendsEachToItsOwnPort() {
    // 12 destinations, interleaved, learned on ports 1-4 (or unknown): more than the 8 the
    // forward stage remembers per burst, and each one named several times.
    List<PortPolicy> ports = new ArrayList<>();
    for (int p = 0; p < 5; p++) {
      ports.add(PortPolicy.access(p, 10).build());
    }
    L2Tables tables = new L2Tables(ports);
    try (Fdb fdb = new Fdb(1024, 300);
        StageFixture f = StageFixture.withoutDpdk(5)) {
      for (int d = 0; d < 12; d++) {
        if (d % 6 != 5) {
          fdb.learn(Fdb.key(10, 0x0200_0000_0100L + d), 1 + d % 4, 1);
        }
      }
      List<byte[]> frames = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        frames.add(frame().dst(MacAddress.format(0x0200_0000_0100L + (i * 5) % 12)).build());
      }
      BurstContext ctx = f.received(0, frames);
      f.fdb = fdb;
      f.run(tables, Feature.VLAN_CLASSIFY, Feature.FORWARD);
      for (int i = 0; i < 32; i++) {
        int d = (i * 5) % 12;
        int want = d % 6 == 5 ? BurstContext.FLOOD : 1 + d % 4;
        assertEquals(want, ctx.egress[i], "frame " + i + " to destination " + d);
        long out = want == BurstContext.FLOOD ? 0b11110 : 1L << want;
        assertEquals(out, ctx.out[i], "frame " + i + "'s egress set");
      }
    }
  }
}
