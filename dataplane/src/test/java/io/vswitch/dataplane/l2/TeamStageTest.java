package io.vswitch.dataplane.l2;

import static io.vswitch.dataplane.testing.FrameBuilder.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.dataplane.l2.tap.Taps;
import io.vswitch.dataplane.l2.team.Team;
import io.vswitch.dataplane.stats.DropReason;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Uplink teams on heap mbufs (no EAL): which member a frame leaves by under each policy and health,
 * that a flood leaves a team once, that nothing received on one member goes out of another, and
 * what a member's receive side keeps (probe replies consumed, group frames from one member only,
 * reflections dropped).
 */
class TeamStageTest {
  private static final int VM0 = 0;
  private static final int VM1 = 1;
  private static final int NIC0 = 2;
  private static final int NIC1 = 3;
  private static final int TEAM = 63;
  private static final long PROBE_MAC = MacAddress.parse("02:76:73:00:00:01");
  private static final int TARGET = 0x0A00_00FE; // 10.0.0.254

  private static final Feature[] INGRESS = {
    Feature.TEAM_RX, Feature.LEARN, Feature.FORWARD, Feature.EGRESS_FILTER, Feature.TEAM_TX
  };
  private static final Feature[] VM_INGRESS = {
    Feature.LEARN, Feature.FORWARD, Feature.EGRESS_FILTER, Feature.TEAM_TX
  };

  private static Team team(Team.Policy policy, int actives, boolean failback) {
    return new Team(
        "uplink",
        TEAM,
        policy,
        new String[] {"nic0", "nic1"},
        new int[] {NIC0, NIC1},
        actives,
        failback,
        new Team.Probe(PROBE_MAC, TARGET, 0, -1, 100, 3),
        true);
  }

  /** Two VMs on access 10, two members, the team (slot 63) on access 10 too. */
  private static L2Tables tables(Team team) {
    PortPolicy[] p = new PortPolicy[L2Tables.MAX_PORTS];
    p[VM0] = PortPolicy.access(VM0, 10).build();
    p[VM1] = PortPolicy.access(VM1, 10).build();
    p[NIC0] = PortPolicy.access(NIC0, 10).build();
    p[NIC1] = PortPolicy.access(NIC1, 10).build();
    p[TEAM] = PortPolicy.access(TEAM, 10).build();
    return new L2Tables(p, List.of(), Taps.NONE, List.of(team));
  }

  private final List<EgressStageTest.CapturePort> ports = new ArrayList<>();

  private TxBuffer[] buffers(StageFixture f) {
    TxBuffer[] tx = new TxBuffer[4];
    for (int p = 0; p < 4; p++) {
      EgressStageTest.CapturePort port = new EgressStageTest.CapturePort(p);
      ports.add(port);
      tx[p] = new TxBuffer(port, 0, f.counters.slot(0, p), f.arena);
    }
    return tx;
  }

  /** Receives {@code frames} on {@code member} of the team and runs the team's ingress. */
  private static BurstContext onMember(
      StageFixture f, L2Tables t, TxBuffer[] tx, int member, List<byte[]> frames) {
    f.received(TEAM, frames);
    f.ctx.receivedOn(member);
    f.run(t, tx, Feature.VLAN_CLASSIFY);
    f.run(t, tx, INGRESS);
    return f.ctx;
  }

  private static BurstContext onVm(
      StageFixture f, L2Tables t, TxBuffer[] tx, int vm, List<byte[]> frames) {
    f.received(vm, frames);
    f.run(t, tx, Feature.VLAN_CLASSIFY);
    f.run(t, tx, VM_INGRESS);
    return f.ctx;
  }

  private static byte[] from(String src, String dst) {
    return frame().src(src).dst(dst).payloadLength(46).build();
  }

  private static long members(long out) {
    return out & ((1L << NIC0) | (1L << NIC1) | (1L << TEAM));
  }

  @Test
  void aFloodFromAVmLeavesTheTeamOnceByTheActiveMemberAndMovesWhenItFails() {
    try (StageFixture f = StageFixture.withoutDpdk(64)) {
      f.fdb = new Fdb(1024, 300);
      Team team = team(Team.Policy.FAILOVER, 1, true);
      L2Tables t = tables(team);
      TxBuffer[] tx = buffers(f);
      BurstContext ctx =
          onVm(f, t, tx, VM0, List.of(from("02:00:00:00:00:01", "ff:ff:ff:ff:ff:ff")));
      assertNull(ctx.dropReason(0));
      assertEquals((1L << VM1) | (1L << NIC0), ctx.out[0], "VM1 and the active member only");

      assertEquals(Team.Change.FAILOVER, team.update(new boolean[] {false, true}));
      ctx = onVm(f, t, tx, VM0, List.of(from("02:00:00:00:00:01", "ff:ff:ff:ff:ff:ff")));
      assertEquals((1L << VM1) | (1L << NIC1), ctx.out[0], "the standby took over");
      assertEquals(1, team.failovers());

      assertEquals(Team.Change.FAILOVER, team.update(new boolean[] {false, false}));
      ctx = onVm(f, t, tx, VM0, List.of(from("02:00:00:00:00:01", "02:00:00:00:00:99")));
      assertNull(ctx.dropReason(0));
      assertEquals(1L << VM1, ctx.out[0], "unknown unicast floods to VM1 only: no uplink");
      f.fdb.addStatic(10, MacAddress.parse("02:00:00:00:00:99"), TEAM);
      ctx = onVm(f, t, tx, VM0, List.of(from("02:00:00:00:00:01", "02:00:00:00:00:99")));
      assertEquals(
          DropReason.TEAM_NO_UPLINK, ctx.dropReason(0), "unicast to a team without uplink");
      assertEquals(1, f.counters.sum(VM0, DropReason.TEAM_NO_UPLINK));
    }
  }

  @Test
  void failbackReturnsToThePreferredMemberOnlyWhenAsked() {
    Team back = team(Team.Policy.FAILOVER, 1, true);
    back.update(new boolean[] {false, true});
    assertEquals(NIC1, back.carrierOf(0));
    assertEquals(Team.Change.FAILBACK, back.update(new boolean[] {true, true}));
    assertEquals(NIC0, back.carrierOf(0));
    assertEquals(1, back.failbacks());

    Team stay = team(Team.Policy.FAILOVER, 1, false);
    stay.update(new boolean[] {false, true});
    assertEquals(Team.Change.NONE, stay.update(new boolean[] {true, true}), "no failback");
    assertEquals(NIC1, stay.carrierOf(0));
    assertEquals(NIC1, stay.groupReceiver());
    assertEquals(Team.Change.FAILOVER, stay.update(new boolean[] {true, false}));
    assertEquals(NIC0, stay.carrierOf(0));
    assertEquals(2, stay.failovers());
    assertEquals(0, stay.failbacks());
  }

  @Test
  void framesFromOneMemberNeverLeaveByAnotherMemberOrTheTeam() {
    try (StageFixture f = StageFixture.withoutDpdk(64)) {
      f.fdb = new Fdb(1024, 300);
      Team team = team(Team.Policy.SRC_MAC, 2, true); // both members active: both carry
      L2Tables t = tables(team);
      TxBuffer[] tx = buffers(f);
      List<byte[]> burst = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        burst.add(from(String.format("02:00:00:00:10:%02x", i), "ff:ff:ff:ff:ff:ff"));
        burst.add(from(String.format("02:00:00:00:10:%02x", i), "02:00:00:00:77:77"));
      }
      int receiver = team.groupReceiver();
      BurstContext ctx = onMember(f, t, tx, receiver, burst);
      for (int i = 0; i < burst.size(); i++) {
        assertNull(ctx.dropReason(i), "frame " + i);
        assertEquals(0, members(ctx.out[i]), "frame " + i + " goes to no uplink");
        assertEquals((1L << VM0) | (1L << VM1), ctx.out[i]);
      }
      assertEquals(TEAM, f.fdb.lookup(Fdb.key(10, MacAddress.parse("02:00:00:00:10:03")), 1));
      // A unicast back to a MAC learned on the team, received on the other member: no hairpin.
      ctx =
          onMember(
              f,
              t,
              tx,
              receiver == NIC0 ? NIC1 : NIC0,
              List.of(from("02:00:00:00:10:05", "02:00:00:00:10:03")));
      assertEquals(DropReason.SAME_PORT, ctx.dropReason(0));
    }
  }

  @Test
  void groupFramesAreTakenFromOneMemberUnicastFromAnyAndReflectionsAreDropped() {
    try (StageFixture f = StageFixture.withoutDpdk(64)) {
      f.fdb = new Fdb(1024, 300);
      Team team = team(Team.Policy.FAILOVER, 1, true);
      L2Tables t = tables(team);
      TxBuffer[] tx = buffers(f);
      onVm(f, t, tx, VM0, List.of(from("02:00:00:00:00:01", "ff:ff:ff:ff:ff:ff")));
      BurstContext ctx =
          onMember(
              f,
              t,
              tx,
              NIC1,
              List.of(
                  from("02:00:00:00:20:01", "ff:ff:ff:ff:ff:ff"),
                  from("02:00:00:00:20:01", "01:00:5e:00:00:01"),
                  from("02:00:00:00:20:01", "02:00:00:00:00:01")));
      assertEquals(DropReason.TEAM_GROUP_FILTERED, ctx.dropReason(0), "broadcast on standby");
      assertEquals(DropReason.TEAM_GROUP_FILTERED, ctx.dropReason(1), "multicast on standby");
      assertNull(ctx.dropReason(2), "unicast on the standby is received");
      assertEquals(1L << VM0, ctx.out[2]);
      ctx =
          onMember(
              f,
              t,
              tx,
              NIC0,
              List.of(
                  from("02:00:00:00:00:01", "ff:ff:ff:ff:ff:ff"), // VM0's own, reflected
                  from("02:00:00:00:20:02", "ff:ff:ff:ff:ff:ff")));
      assertEquals(DropReason.TEAM_REFLECTED, ctx.dropReason(0));
      assertEquals(VM0, f.fdb.lookup(Fdb.key(10, MacAddress.parse("02:00:00:00:00:01")), 1));
      assertNull(ctx.dropReason(1));
      assertEquals((1L << VM0) | (1L << VM1), ctx.out[1]);
    }
  }

  private static byte[] arpReply(long tha, int spa) {
    ByteBuffer arp = ByteBuffer.allocate(28);
    arp.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4);
    arp.putShort((short) 2);
    arp.put(FrameBytes.mac(0x02_00_00_00_fe_feL)).putInt(spa);
    arp.put(FrameBytes.mac(tha)).putInt(0);
    return frame()
        .src("02:00:00:00:fe:fe")
        .dst(MacAddress.format(tha))
        .etherType(0x0806)
        .payload(arp.array())
        .build();
  }

  /** MAC bytes for hand-built headers. */
  private static final class FrameBytes {
    static byte[] mac(long mac) {
      byte[] b = new byte[6];
      for (int i = 0; i < 6; i++) {
        b[i] = (byte) (mac >>> (40 - 8 * i));
      }
      return b;
    }
  }

  @Test
  void probeRepliesAreCountedOnTheirMemberAndConsumedOtherArpIsSwitched() {
    try (StageFixture f = StageFixture.withoutDpdk(64)) {
      f.fdb = new Fdb(1024, 300);
      Team team = team(Team.Policy.FAILOVER, 1, true);
      L2Tables t = tables(team);
      TxBuffer[] tx = buffers(f);
      BurstContext ctx =
          onMember(
              f,
              t,
              tx,
              NIC1,
              List.of(
                  arpReply(PROBE_MAC, TARGET),
                  arpReply(PROBE_MAC, TARGET + 1), // another sender: not our probe's answer
                  arpReply(0x02_00_00_00_00_01L, TARGET))); // to a VM: switched
      assertEquals(DropReason.TEAM_PROBE, ctx.dropReason(0));
      assertNull(ctx.dropReason(1));
      assertNull(ctx.dropReason(2));
      assertEquals(1, team.replies(1));
      assertEquals(0, team.replies(0));
      assertFalse(
          f.fdb.lookup(Fdb.key(10, 0x02_00_00_00_fe_feL), 1) == Fdb.MISS,
          "the switched replies were learned on the team");
    }
  }

  @Test
  void srcMacSpreadsOverActiveMembersAndAFailureMovesOnlyTheFailedMembersMacs() {
    try (StageFixture f = StageFixture.withoutDpdk(64)) {
      f.fdb = new Fdb(1024, 300);
      Team team = team(Team.Policy.SRC_MAC, 2, true);
      L2Tables t = tables(team);
      TxBuffer[] tx = buffers(f);
      f.fdb.addStatic(10, MacAddress.parse("02:00:00:00:99:99"), TEAM);
      List<byte[]> burst = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        burst.add(from(String.format("02:00:00:00:30:%02x", i), "02:00:00:00:99:99"));
      }
      BurstContext ctx = onVm(f, t, tx, VM0, burst);
      long[] before = new long[32];
      Set<Long> used = new HashSet<>();
      for (int i = 0; i < 32; i++) {
        assertEquals(1, Long.bitCount(ctx.out[i]), "one member per frame");
        assertEquals(0, ctx.out[i] & ~((1L << NIC0) | (1L << NIC1)));
        before[i] = ctx.out[i];
        used.add(ctx.out[i]);
      }
      assertEquals(2, used.size(), "32 MACs spread over both members");
      team.update(new boolean[] {true, false});
      ctx = onVm(f, t, tx, VM0, burst);
      for (int i = 0; i < 32; i++) {
        assertEquals(1L << NIC0, ctx.out[i]);
      }
      team.update(new boolean[] {true, true});
      ctx = onVm(f, t, tx, VM0, burst);
      for (int i = 0; i < 32; i++) {
        assertEquals(before[i], ctx.out[i], "each MAC back on its own member");
      }
    }
  }

  @Test
  void srcPortPinsEachVmToOneMember() {
    try (StageFixture f = StageFixture.withoutDpdk(64)) {
      f.fdb = new Fdb(1024, 300);
      Team team = team(Team.Policy.SRC_PORT, 2, true);
      L2Tables t = tables(team);
      TxBuffer[] tx = buffers(f);
      f.fdb.addStatic(10, MacAddress.parse("02:00:00:00:99:99"), TEAM);
      List<byte[]> burst = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        burst.add(from(String.format("02:00:00:00:40:%02x", i), "02:00:00:00:99:99"));
      }
      BurstContext ctx = onVm(f, t, tx, VM0, burst);
      for (int i = 0; i < 8; i++) {
        assertEquals(1L << NIC0, ctx.out[i], "VM0 (slot 0) on member 0 whatever its MACs");
      }
      ctx = onVm(f, t, tx, VM1, burst);
      for (int i = 0; i < 8; i++) {
        assertEquals(1L << NIC1, ctx.out[i], "VM1 (slot 1) on member 1");
      }
      assertEquals(Team.Change.FAILOVER, team.update(new boolean[] {false, true}));
      ctx = onVm(f, t, tx, VM0, burst);
      assertEquals(1L << NIC1, ctx.out[0], "VM0 moved");
      assertTrue(team.failovers() == 1);
    }
  }

  @Test
  void membersAreInNoVlanAndTheTeamInheritsHealthAcrossRepublish() {
    Team old = team(Team.Policy.FAILOVER, 1, true);
    L2Tables t = tables(old);
    assertEquals(1L << TEAM | 1L << VM0 | 1L << VM1, t.memberMask(10));
    assertEquals(t.port(TEAM), t.ingress(NIC1));
    assertEquals(t.port(VM0), t.ingress(VM0));
    old.update(new boolean[] {false, true});
    Team next = team(Team.Policy.FAILOVER, 1, true);
    try (L2Switch l2 = new L2Switch(new Fdb(64, 300), t)) {
      l2.publish(tables(next));
      assertEquals(NIC1, next.carrierOf(0));
      assertFalse(next.isUp(0));
      assertEquals(1, next.failovers());
    }
  }
}
