package io.vswitch.dataplane.l2;

import static io.vswitch.dataplane.testing.FrameBuilder.frame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vswitch.dataplane.l2.tap.Taps;
import io.vswitch.dataplane.l2.team.Team;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.testing.TestMbufs;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A team through the whole compiled pipeline on DPDK mbufs: the frame each port gets (tagging by
 * the team's policy), and that no original or copy leaks when the team loses a frame's uplink (the
 * copy freed, or given the original's place).
 */
class TeamPipelineTest {
  private static final int ACCESS = 0;
  private static final int ACCESS2 = 1;
  private static final int NIC0 = 2;
  private static final int NIC1 = 3;
  private static final int TRUNK = 4;
  private static final int TEAM = 63;
  private static final String H0 = "02:00:00:00:00:10";

  private final List<EgressStageTest.CapturePort> ports = new ArrayList<>();

  private static Team team() {
    return new Team(
        "uplink",
        TEAM,
        Team.Policy.FAILOVER,
        new String[] {"nic0", "nic1"},
        new int[] {NIC0, NIC1},
        1,
        true,
        null,
        true);
  }

  /** Two access ports and a trunk on VLAN 10, the team a trunk of 10 (tagged). */
  private static L2Tables tables(Team team, boolean withTrunk) {
    PortPolicy[] p = new PortPolicy[L2Tables.MAX_PORTS];
    p[ACCESS] = PortPolicy.access(ACCESS, 10).build();
    p[ACCESS2] = PortPolicy.access(ACCESS2, 10).build();
    p[NIC0] = PortPolicy.trunk(NIC0, 10).build();
    p[NIC1] = PortPolicy.trunk(NIC1, 10).build();
    p[TRUNK] = withTrunk ? PortPolicy.trunk(TRUNK, 10).build() : null;
    p[TEAM] = PortPolicy.trunk(TEAM, 10).build();
    return new L2Tables(p, List.of(), Taps.NONE, List.of(team));
  }

  private TxBuffer[] buffers(StageFixture f) {
    TxBuffer[] tx = new TxBuffer[5];
    for (int p = 0; p < tx.length; p++) {
      EgressStageTest.CapturePort port = new EgressStageTest.CapturePort(p);
      ports.add(port);
      tx[p] = new TxBuffer(port, 0, f.counters.slot(0, p), f.arena);
    }
    return tx;
  }

  private static void switchBurst(
      StageFixture f, L2Tables tables, TxBuffer[] tx, int port, List<byte[]> frames) {
    f.received(port, frames);
    Feature[] features =
        Arrays.stream(tables.features(port))
            .filter(x -> x != Feature.PARSE)
            .toArray(Feature[]::new);
    f.run(tables, tx, features);
    f.ctx.freeDropped();
  }

  private void releaseAll() {
    ports.forEach(EgressStageTest.CapturePort::release);
    assertEquals(0, TestMbufs.pool().inUse(), "every original and copy freed once");
  }

  @Test
  void aFloodLeavesTheTeamTaggedByTheActiveMemberAndNothingLeaksWithoutUplink() {
    try (StageFixture f = new StageFixture(64)) {
      f.fdb = new Fdb(1024, 300);
      Team team = team();
      L2Tables tables = tables(team, true);
      TxBuffer[] tx = buffers(f);
      byte[] untagged = frame().src(H0).dst("ff:ff:ff:ff:ff:ff").payloadLength(60).build();
      byte[] tagged = frame().src(H0).dst("ff:ff:ff:ff:ff:ff").vlan(10).payloadLength(60).build();
      switchBurst(f, tables, tx, ACCESS, List.of(untagged));
      assertEquals(1, ports.get(NIC0).frames.size());
      assertArrayEquals(tagged, ports.get(NIC0).frames.get(0), "the team's tagging");
      assertEquals(0, ports.get(NIC1).frames.size(), "the standby sends nothing");
      assertArrayEquals(untagged, ports.get(ACCESS2).frames.get(0));
      assertArrayEquals(tagged, ports.get(TRUNK).frames.get(0));

      // No uplink: the team's share (with the trunk's, the tagged copy) still goes to the trunk.
      team.update(new boolean[] {false, false});
      switchBurst(f, tables, tx, ACCESS, List.of(untagged, untagged));
      assertEquals(1, ports.get(NIC0).frames.size());
      assertEquals(3, ports.get(ACCESS2).frames.size());
      assertEquals(3, ports.get(TRUNK).frames.size());

      // Without the trunk the tagged copy is the team's alone: with no uplink it is freed.
      switchBurst(f, tables(team, false), tx, ACCESS, List.of(untagged, untagged));
      assertEquals(5, ports.get(ACCESS2).frames.size());
      assertEquals(3, ports.get(TRUNK).frames.size());
      assertEquals(1, ports.get(NIC0).frames.size() + ports.get(NIC1).frames.size());
      releaseAll();
    }
  }

  @Test
  void anOriginalOnlyTheTeamWantedGivesItsPlaceToTheCopy() {
    try (StageFixture f = new StageFixture(64)) {
      f.fdb = new Fdb(1024, 300);
      Team team = team();
      team.update(new boolean[] {false, false});
      L2Tables tables = tables(team, true);
      TxBuffer[] tx = buffers(f);
      // From the trunk, tagged: the original is for the team (tagged), the copy for the access
      // ports (untagged). The team has no uplink: only the copy's ports remain.
      byte[] tagged = frame().src(H0).dst("ff:ff:ff:ff:ff:ff").vlan(10).payloadLength(60).build();
      byte[] untagged = frame().src(H0).dst("ff:ff:ff:ff:ff:ff").payloadLength(60).build();
      switchBurst(f, tables, tx, TRUNK, List.of(tagged, tagged, tagged));
      assertEquals(3, ports.get(ACCESS).frames.size());
      assertEquals(3, ports.get(ACCESS2).frames.size());
      assertArrayEquals(untagged, ports.get(ACCESS).frames.get(2));
      assertEquals(0, ports.get(NIC0).frames.size() + ports.get(NIC1).frames.size());
      assertEquals(0, f.counters.sum(TRUNK, DropReason.TEAM_NO_UPLINK), "not dropped: delivered");

      // Unicast to the team from the trunk: dropped, counted, freed.
      f.fdb.addStatic(10, MacAddress.parse("02:00:00:00:00:99"), TEAM);
      byte[] toTeam = frame().src(H0).dst("02:00:00:00:00:99").vlan(10).payloadLength(60).build();
      switchBurst(f, tables, tx, TRUNK, List.of(toTeam));
      assertEquals(1, f.counters.sum(TRUNK, DropReason.TEAM_NO_UPLINK));
      releaseAll();
    }
  }
}
