package io.vswitch.dataplane.l2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.vswitch.dataplane.l2.overlay.VtepNeighbors;
import io.vswitch.dataplane.l2.overlay.VtepUplink;
import io.vswitch.dataplane.l2.overlay.VxlanDecapStage;
import io.vswitch.dataplane.l2.overlay.VxlanOverlay;
import io.vswitch.dataplane.l2.overlay.VxlanPort;
import io.vswitch.dataplane.l2.overlay.VxlanTunnel;
import io.vswitch.dataplane.l2.tap.Taps;
import io.vswitch.dataplane.l2.team.Team;
import io.vswitch.dataplane.packet.PacketBatch;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.testing.FrameBuilder;
import io.vswitch.dataplane.testing.TestMbufs;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The VTEP on an uplink team, stage by stage on crafted frames: encapsulated frames, the VTEP's ARP
 * requests and its ARP replies leave by the team's carrying member and move with a failover; VXLAN
 * and ARP are taken from any member; with no healthy member the tunnels' frames are dropped as
 * {@code team_no_uplink}, each one counted.
 */
class VxlanTeamStageTest {
  static final int LOCAL = VxlanStageTest.LOCAL;
  static final int REMOTE = VxlanStageTest.REMOTE;
  static final long VTEP_MAC = VxlanStageTest.VTEP_MAC;
  static final long ROUTER_MAC = VxlanStageTest.ROUTER_MAC;
  static final long PROBE_MAC = MacAddress.parse("02:76:73:00:00:01");

  static final int VM = 0;
  static final int BLUE = 1; // VNI 5001 from 192.0.2.2, VLAN 100
  static final int BLUE_FAR = 2; // VNI 5001 from 192.0.2.3
  static final int VM2 = 3;
  static final int NIC0 = 4;
  static final int NIC1 = 5;
  static final int TEAM = 6; // the VTEP's port
  static final int SLOTS = 7;

  static Team team(Team.Policy policy) {
    return new Team(
        "up",
        TEAM,
        policy,
        new String[] {"nic0", "nic1"},
        new int[] {NIC0, NIC1},
        policy == Team.Policy.FAILOVER ? 1 : 2,
        true,
        new Team.Probe(PROBE_MAC, ROUTER_IP, 0, -1, 100, 3),
        false);
  }

  static final int ROUTER_IP = VxlanStageTest.ip("192.0.2.254");

  static L2Tables tables(VtepNeighbors neighbors, Team team) {
    PortPolicy[] p = new PortPolicy[SLOTS];
    p[VM] = PortPolicy.access(VM, 100).build();
    p[VM2] = PortPolicy.access(VM2, 100).build();
    p[BLUE] = PortPolicy.access(BLUE, 100).mtu(1450).build();
    p[BLUE_FAR] = PortPolicy.access(BLUE_FAR, 100).mtu(1450).build();
    p[NIC0] = PortPolicy.access(NIC0, 1).build();
    p[NIC1] = PortPolicy.access(NIC1, 1).build();
    p[TEAM] = PortPolicy.access(TEAM, 1).build();
    VxlanOverlay overlay =
        new VxlanOverlay(
            TEAM,
            LOCAL,
            VTEP_MAC,
            4789,
            neighbors,
            List.of(
                new VxlanTunnel(5001, LOCAL, REMOTE, VTEP_MAC, 64, 4789, 0),
                new VxlanTunnel(
                    5001, LOCAL, VxlanStageTest.ip("192.0.2.3"), VTEP_MAC, 64, 4789, 1)),
            new int[] {BLUE, BLUE_FAR},
            team);
    return new L2Tables(p, List.of(), Taps.NONE, overlay, List.of(team));
  }

  /** Transmit buffers on capturing ports for every real slot (none for the team's). */
  static TxBuffer[] buffers(StageFixture f, EgressStageTest.CapturePort[] ports) {
    TxBuffer[] tx = new TxBuffer[TEAM];
    for (int p = 0; p < TEAM; p++) {
      ports[p] = new EgressStageTest.CapturePort(p);
      tx[p] = new TxBuffer(ports[p], 0, f.counters.slot(0, p), f.arena);
    }
    return tx;
  }

  @Test
  void encapsulatedFramesLeaveByTheCarryingMemberAndMoveAtOnceWithAFailover() {
    VtepNeighbors neighbors = VxlanStageTest.neighbors();
    neighbors.learn(0, ROUTER_MAC, 1);
    Team team = team(Team.Policy.FAILOVER);
    L2Tables tables = tables(neighbors, team);
    EgressStageTest.CapturePort nic0 = new EgressStageTest.CapturePort(NIC0);
    EgressStageTest.CapturePort nic1 = new EgressStageTest.CapturePort(NIC1);
    VtepUplink uplink = new VtepUplink(() -> tables);
    uplink.opened(nic0);
    uplink.opened(nic1);
    VxlanPort port =
        new VxlanPort(
            "vxlan.blue.192.0.2.2",
            BLUE,
            1,
            new VxlanTunnel(5001, LOCAL, REMOTE, VTEP_MAC, 64, 4789, 0),
            neighbors,
            uplink,
            TestMbufs.pool().segment());
    byte[] in = VxlanStageTest.inner(1000);
    try (Arena arena = Arena.ofConfined()) {
      PacketBatch batch = new PacketBatch(arena);
      assertEquals(NIC0, tables.overlay().carrier());
      batch.add(TestMbufs.mbuf(in));
      assertEquals(1, port.transmit(0, batch));
      assertEquals(1, nic0.frames.size(), "on nic0, the active member");
      assertEquals(0, nic1.frames.size());

      // nic0 fails: the next burst leaves by nic1, without new tables.
      assertEquals(Team.Change.FAILOVER, team.update(new boolean[] {false, true}));
      assertEquals(NIC1, tables.overlay().carrier());
      batch.add(TestMbufs.mbuf(in));
      batch.add(TestMbufs.mbuf(in));
      assertEquals(2, port.transmit(0, batch));
      assertEquals(1, nic0.frames.size());
      assertEquals(2, nic1.frames.size(), "on nic1 now");
      assertArrayEquals(nic0.frames.get(0), nic1.frames.get(0), "the same encapsulation");
      assertEquals(in.length + 50, nic1.frames.get(0).length);

      // Neither healthy: nothing is sent, the frames are freed.
      team.update(new boolean[] {false, false});
      assertEquals(Team.NONE, tables.overlay().carrier());
      assertNull(uplink.get());
      long lost = TestMbufs.mbuf(in);
      batch.add(lost);
      assertEquals(0, port.transmit(0, batch));
      assertEquals(0, batch.count());
      assertEquals(3, nic0.frames.size() + nic1.frames.size());

      // nic0 back: failback.
      team.update(new boolean[] {true, false});
      assertSame(nic0, uplink.get(), "nic0 carries again");
      nic0.release();
      nic1.release();
    }
  }

  @Test
  void inTheBalancingPoliciesTheVtepIsOneVirtualPortOnOneMember() {
    VtepNeighbors neighbors = VxlanStageTest.neighbors();
    Team byMac = team(Team.Policy.SRC_MAC);
    VxlanOverlay o = tables(neighbors, byMac).overlay();
    assertEquals(byMac.carrierOf(Team.macBucket(VTEP_MAC)), o.carrier(), "the VTEP MAC's bucket");
    Team byPort = team(Team.Policy.SRC_PORT);
    VxlanOverlay p = tables(neighbors, byPort).overlay();
    assertEquals(byPort.carrierOf(TEAM), p.carrier(), "the team slot's bucket");
    // Its member fails: the VTEP moves to the other; back, it stays (no bucket of a healthy member
    // moves) until that member fails in turn.
    int first = p.carrier();
    int other = first == NIC0 ? NIC1 : NIC0;
    byPort.update(first == NIC0 ? new boolean[] {false, true} : new boolean[] {true, false});
    assertEquals(other, p.carrier());
  }

  @Test
  void withNoHealthyMemberEveryTunnelCopyIsDroppedAsTeamNoUplinkAndLocalCopiesGoOn() {
    VtepNeighbors neighbors = VxlanStageTest.neighbors();
    neighbors.learn(0, ROUTER_MAC, 1);
    neighbors.learn(1, ROUTER_MAC, 1);
    Team team = team(Team.Policy.FAILOVER);
    team.update(new boolean[] {false, false});
    L2Tables tables = tables(neighbors, team);
    try (StageFixture f = StageFixture.withoutDpdk(SLOTS)) {
      f.fdb = new Fdb(1024, 300);
      f.fdb.addStatic(100, 0x5254_0000_0001L, BLUE);
      byte[] flood = FrameBuilder.frame().dst("ff:ff:ff:ff:ff:ff").src("52:54:00:00:00:09").build();
      BurstContext ctx = f.received(VM, List.of(VxlanStageTest.inner(1000), flood));
      EgressStageTest.CapturePort[] ports = new EgressStageTest.CapturePort[TEAM];
      f.run(
          tables,
          buffers(f, ports),
          Feature.VLAN_CLASSIFY,
          Feature.FORWARD,
          Feature.EGRESS_FILTER,
          Feature.VXLAN_EGRESS);
      assertEquals(DropReason.TEAM_NO_UPLINK, ctx.dropReason(0), "the unicast to a tunnel");
      assertNull(ctx.dropReason(1), "the flood still reaches the local VM");
      assertEquals(1L << VM2, ctx.out[1]);
      assertEquals(3, f.counters.sum(VM, DropReason.TEAM_NO_UPLINK), "1 unicast + 2 copies");
      assertEquals(0, ports[NIC0].frames.size() + ports[NIC1].frames.size(), "no ARP either");
      f.fdb.close();
    }
  }

  @Test
  void theNextHopIsAskedForOutOfTheCarrierBeforeAndAfterAFailover() {
    VtepNeighbors neighbors = VxlanStageTest.neighbors(); // unresolved
    Team team = team(Team.Policy.FAILOVER);
    L2Tables tables = tables(neighbors, team);
    try (StageFixture f = StageFixture.withoutDpdk(SLOTS)) {
      f.fdb = new Fdb(1024, 300);
      f.fdb.addStatic(100, 0x5254_0000_0001L, BLUE);
      EgressStageTest.CapturePort[] ports = new EgressStageTest.CapturePort[TEAM];
      TxBuffer[] tx = buffers(f, ports);
      Feature[] features = {
        Feature.VLAN_CLASSIFY, Feature.FORWARD, Feature.EGRESS_FILTER, Feature.VXLAN_EGRESS
      };
      BurstContext ctx = f.received(VM, List.of(VxlanStageTest.inner(1000)));
      f.run(tables, tx, features);
      assertEquals(DropReason.VTEP_UNRESOLVED, ctx.dropReason(0));
      assertEquals(1, ports[NIC0].frames.size(), "who-has 192.0.2.2 out of nic0");
      assertEquals(0, ports[NIC1].frames.size());
      assertEquals(REMOTE, ByteBuffer.wrap(ports[NIC0].frames.get(0)).getInt(38));

      team.update(new boolean[] {false, true});
      f.seconds++;
      f.received(VM, List.of(VxlanStageTest.inner(1000)));
      f.run(tables, tx, features);
      assertEquals(1, ports[NIC0].frames.size());
      assertEquals(1, ports[NIC1].frames.size(), "asked again, out of nic1");
      ports[NIC0].release();
      ports[NIC1].release();
      f.fdb.close();
    }
  }

  /** An ARP frame (RFC 826) from ({@code senderMac}, {@code senderIp}). */
  static byte[] arp(
      int op, long dstMac, long senderMac, int senderIp, long targetMac, int targetIp) {
    ByteBuffer b = ByteBuffer.allocate(60);
    b.putShort((short) (dstMac >>> 32)).putInt((int) dstMac);
    b.putShort((short) (senderMac >>> 32)).putInt((int) senderMac);
    b.putShort((short) 0x0806).putInt(0x0001_0800).putShort((short) 0x0604).putShort((short) op);
    b.putShort((short) (senderMac >>> 32)).putInt((int) senderMac).putInt(senderIp);
    b.putShort((short) (targetMac >>> 32)).putInt((int) targetMac).putInt(targetIp);
    return b.array();
  }

  @Test
  void vxlanAndArpAreTakenFromTheStandbyMemberAndTheReplyLeavesByTheCarrier() {
    VtepNeighbors neighbors = VxlanStageTest.neighbors();
    Team team = team(Team.Policy.FAILOVER);
    L2Tables tables = tables(neighbors, team);
    try (StageFixture f = StageFixture.withoutDpdk(SLOTS)) {
      f.seconds = 9;
      byte[] request = arp(1, 0xFFFF_FFFF_FFFFL, ROUTER_MAC, REMOTE, 0, LOCAL);
      byte[] probeReply = arp(2, PROBE_MAC, ROUTER_MAC, ROUTER_IP, PROBE_MAC, LOCAL);
      byte[] vxlan = VxlanStageTest.outer(o -> {});
      BurstContext ctx = f.received(TEAM, List.of(request, probeReply, vxlan));
      ctx.receivedOn(NIC1); // the standby member
      EgressStageTest.CapturePort[] ports = new EgressStageTest.CapturePort[TEAM];
      f.run(tables, buffers(f, ports), Feature.VXLAN_DECAP);
      VxlanDecapStage decap = (VxlanDecapStage) f.stage(Feature.VXLAN_DECAP);
      assertEquals(1, decap.stashed(), "the VXLAN frame from nic1 is decapsulated");
      assertEquals(BLUE, decap.stashedPort(0));
      assertEquals(1, ports[NIC0].frames.size(), "the ARP reply leaves by nic0, the carrier");
      assertEquals(0, ports[NIC1].frames.size());
      ByteBuffer reply = ByteBuffer.wrap(ports[NIC0].frames.get(0));
      assertEquals(2, reply.getShort(20), "a reply");
      assertEquals(LOCAL, reply.getInt(28), "from the VTEP's address");
      assertEquals(0x0200, reply.getShort(22) & 0xFFFF, "with the VTEP's MAC");
      assertEquals(ROUTER_MAC, neighbors.mac(0), "the asker's MAC learned for its hop");
      // The team's probe reply, though addressed to the VTEP's IP, is left to TEAM_RX.
      assertEquals(1L << 1, ctx.live());
      assertNull(ctx.dropReason(1));
      // The reply is the request's heap mbuf, answered in place: the fixture's, not freed here.
    }
  }
}
