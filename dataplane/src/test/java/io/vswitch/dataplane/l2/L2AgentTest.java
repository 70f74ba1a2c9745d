package io.vswitch.dataplane.l2;

import static io.vswitch.dataplane.testing.FrameBuilder.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.dataplane.RuntimeSpec;
import io.vswitch.dataplane.SwitchRuntime;
import io.vswitch.dataplane.acl.Acl;
import io.vswitch.dataplane.acl.AclFields;
import io.vswitch.dataplane.acl.AclRule;
import io.vswitch.dataplane.conntrack.ConntrackTable;
import io.vswitch.dataplane.l2.overlay.VtepNeighbors;
import io.vswitch.dataplane.l2.overlay.VxlanOverlay;
import io.vswitch.dataplane.l2.overlay.VxlanPort;
import io.vswitch.dataplane.l2.overlay.VxlanTunnel;
import io.vswitch.dataplane.l2.tap.Taps;
import io.vswitch.dataplane.l2.team.Team;
import io.vswitch.dataplane.port.PortSpec;
import io.vswitch.dataplane.qos.PolicerSpec;
import io.vswitch.dataplane.qos.ShaperSpec;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.stats.PortCounter;
import io.vswitch.dataplane.testing.Await;
import io.vswitch.dataplane.testing.IpPackets;
import io.vswitch.dataplane.testing.Pcap;
import io.vswitch.dataplane.testing.TestEal;
import io.vswitch.dataplane.testing.WorkerAllocation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole L2 pipeline on real DPDK devices: a capture replayed forever on an access port (unicast
 * to a known MAC behind a trunk, and broadcasts that flood to the trunk, tagged, and to another
 * access port, untagged: shared mbufs and a copy), into net_null sinks.
 */
class L2AgentTest {
  static final String KNOWN = "02:00:00:00:00:0b";
  @TempDir Path dir;

  @BeforeAll
  static void eal() {
    TestEal.get();
  }

  private SwitchRuntime open(String name, L2Switch l2) {
    List<byte[]> frames = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      frames.add(
          frame()
              .src(String.format("02:00:00:00:01:%02x", i % 4))
              .dst(i % 4 == 3 ? "ff:ff:ff:ff:ff:ff" : KNOWN)
              .payloadLength(46)
              .build());
    }
    return open(name, l2, frames);
  }

  private SwitchRuntime open(String name, L2Switch l2, List<byte[]> frames) {
    Path capture = dir.resolve("gen.pcap");
    Pcap.write(capture, frames);
    RuntimeSpec spec =
        new RuntimeSpec(
            List.of(
                PortSpec.of("gen", "net_pcap_" + name + ",rx_pcap=" + capture + ",infinite_rx=1"),
                PortSpec.of("trunk", "net_null_" + name + "t,no-rx=1"),
                PortSpec.of("access", "net_null_" + name + "a,no-rx=1")),
            List.of(TestEal.workerCore()),
            "busy-spin",
            dir.resolve("counters"),
            0);
    return SwitchRuntime.open(
        spec,
        w -> new L2Agent(w.worker(), w.queues(), w.ports(), w.counters(), l2, w.pool().segment()));
  }

  private static L2Switch l2Switch() {
    return l2Switch(PortPolicy.access(0, 10));
  }

  /** The switch with the generator's port as given (ACL, policer...); the trunk is shaped. */
  private static L2Switch l2Switch(PortPolicy.Builder gen) {
    return l2Switch(tables(gen, null));
  }

  private static L2Tables tables(PortPolicy.Builder gen, ShaperSpec trunkShaper) {
    return new L2Tables(
        List.of(
            gen.build(),
            PortPolicy.trunk(1, 10, 20).shaper(trunkShaper).build(),
            PortPolicy.access(2, 10).build()));
  }

  private static L2Switch l2Switch(L2Tables tables) {
    L2Switch l2 = new L2Switch(new Fdb(1 << 16, 300), tables);
    l2.fdb().addStatic(10, MacAddress.parse(KNOWN), 1);
    return l2;
  }

  private static long received(SwitchRuntime runtime) {
    return runtime.counters().sum(0, PortCounter.RX_PACKETS);
  }

  @Test
  void pipelineAllocatesNothingPerPacketInSteadyState() {
    try (L2Switch l2 = l2Switch();
        SwitchRuntime runtime = open("l2alloc", l2)) {
      runtime.start();
      WorkerAllocation.assertAllocationFree(runtime, () -> received(runtime), 3_000_000);
    }
  }

  /**
   * Two teams: the generator is team "in"'s only member (so every burst runs TEAM_RX: the group
   * filter and the reflection lookup), trunk and access are team "out"'s members by source MAC
   * (every frame to KNOWN and every flood goes through TEAM_TX's selection), and worker 0 looks at
   * the (empty) injector every pass.
   */
  @Test
  void pipelineWithTeamsAllocatesNothingPerPacket() {
    PortPolicy[] p = new PortPolicy[L2Tables.MAX_PORTS];
    p[0] = PortPolicy.access(0, 10).build();
    p[1] = PortPolicy.trunk(1, 10, 20).build();
    p[2] = PortPolicy.access(2, 10).build();
    p[63] = PortPolicy.access(63, 10).build();
    p[62] = PortPolicy.trunk(62, 10, 20).build();
    Team in =
        new Team(
            "in",
            63,
            Team.Policy.FAILOVER,
            new String[] {"gen"},
            new int[] {0},
            1,
            true,
            null,
            true);
    Team out =
        new Team(
            "out",
            62,
            Team.Policy.SRC_MAC,
            new String[] {"trunk", "access"},
            new int[] {1, 2},
            2,
            true,
            null,
            true);
    L2Tables tables = new L2Tables(p, List.of(), Taps.NONE, List.of(in, out));
    try (L2Switch l2 = new L2Switch(new Fdb(1 << 16, 300), tables);
        SwitchRuntime runtime = open("l2teamalloc", l2)) {
      l2.fdb().addStatic(10, MacAddress.parse(KNOWN), 62);
      runtime.start();
      WorkerAllocation.assertAllocationFree(runtime, () -> received(runtime), 3_000_000);
      var c = runtime.counters();
      long trunk = c.sum(1, PortCounter.TX_PACKETS);
      long access = c.sum(2, PortCounter.TX_PACKETS);
      java.util.Set<Integer> members = new java.util.HashSet<>();
      for (int i = 0; i < 4; i++) {
        long mac = MacAddress.parse(String.format("02:00:00:00:01:%02x", i));
        members.add(out.carrierOf(out.bucket(0, mac)));
      }
      assertEquals(members.contains(1), trunk > 0, "trunk sends iff a source MAC hashes to it");
      assertEquals(members.contains(2), access > 0, "access sends iff a source MAC hashes to it");
      assertTrue(trunk + access > 1_000_000, "every frame left the team by one member");
      assertEquals(0, c.sum(0, DropReason.TEAM_NO_UPLINK));
    }
  }

  /** 1,000 rules whose last allows everything; the frames here are not IP, so it decides. */
  static Acl thousandRules() {
    List<AclRule> rules = new ArrayList<>();
    for (int k = 0; k < 999; k++) {
      rules.add(
          AclRule.builder(k, false)
              .etherType(0x0800)
              .srcPrefix(0, AclFields.V4_MAPPED | 0x0A00_0000L | (long) k << 8, 120)
              .protocol(AclFields.TCP)
              .dstPorts(1000 + k, 1000 + k)
              .build());
    }
    rules.add(AclRule.builder(5000, true).build());
    return new Acl("thousand", rules, false, 1);
  }

  @Test
  void pipelineWithAclPolicerMarkingAndShaperAllocatesNothingPerPacket() {
    Acl acl = thousandRules();
    // 64-byte frames at a few Mpps: the 100 MB/s policer colours some red (drops, the other path).
    PolicerSpec policer =
        new PolicerSpec(PolicerSpec.Type.TRTCM, 50_000_000, 65536, 100_000_000, 65536, true, -1);
    PortPolicy.Builder gen = PortPolicy.access(0, 10).acls(acl, acl).policer(policer).mark(3, 10);
    ShaperSpec shaper = new ShaperSpec(40_000_000, 80_000_000, 65536, 256);
    try (L2Switch l2 = l2Switch(tables(gen, shaper));
        SwitchRuntime runtime = open("l2aclalloc", l2)) {
      runtime.start();
      WorkerAllocation.assertAllocationFree(runtime, () -> received(runtime), 3_000_000);
      var c = runtime.counters();
      assertTrue(c.sum(0, DropReason.POLICER_RED) > 0, "the policer dropped some");
      assertTrue(c.sum(1, DropReason.SHAPER_QUEUE_FULL) > 0, "the shaper's queue overflowed");
      assertTrue(acl.hits(999) > 0, "the last rule decided");
    }
  }

  @Test
  void statefulPipelineAllocatesNothingPerPacket() {
    // 16 UDP flows, one way: each is committed by its first packet, and stays NEW (unreplied) for
    // the rest, which the table still looks up and updates: the whole stateful path every packet.
    List<AclRule> rules =
        List.of(
            AclRule.builder(10, true)
                .ctStates(AclFields.CT_ESTABLISHED | AclFields.CT_RELATED)
                .build(),
            AclRule.builder(20, true).ctStates(AclFields.CT_NEW).protocol(AclFields.UDP).build());
    Acl acl = new Acl("stateful", rules, false, 1);
    List<byte[]> frames = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      byte[] udp = IpPackets.ipv4("10.0.0." + (1 + i % 16), "10.0.1.1", IpPackets.UDP, 5000, 53, 0);
      frames.add(
          frame().src("02:00:00:00:01:01").dst(KNOWN).etherType(0x0800).payload(udp).build());
    }
    ConntrackTable table = new ConntrackTable(1 << 16); // closed with the switch
    try (L2Switch l2 =
            new L2Switch(
                new Fdb(1 << 16, 300),
                table,
                tables(PortPolicy.access(0, 10).acls(acl, null), null));
        SwitchRuntime runtime = open("l2ctalloc", l2, frames)) {
      l2.fdb().addStatic(10, MacAddress.parse(KNOWN), 1);
      runtime.start();
      WorkerAllocation.assertAllocationFree(runtime, () -> received(runtime), 3_000_000);
      assertEquals(16, table.size(), "one connection per flow");
      assertTrue(acl.hits(1) > 1_000_000, "the new-UDP rule decided: no reply, never established");
      assertEquals(0, acl.hits(0));
    }
  }

  /**
   * The overlay's whole path, allocation-free: VXLAN on the uplink decapsulated and switched from
   * its tunnel port (unicast to a local port, broadcast flooded locally only: split horizon), and a
   * local port's frames encapsulated to the remote VTEP (unicast in place, a flood copied for the
   * tunnel), sent on the uplink.
   */
  @Test
  void overlayPipelineAllocatesNothingPerPacket() {
    String remote = "02:00:00:00:0a:02";
    List<byte[]> vxlan = new ArrayList<>();
    List<byte[]> local = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      byte[] inner =
          frame()
              .src(String.format("02:00:00:00:0a:%02x", 0x10 + i % 4))
              .dst(i % 4 == 3 ? "ff:ff:ff:ff:ff:ff" : KNOWN)
              .payloadLength(46)
              .build();
      VxlanStageTest.Outer o = new VxlanStageTest.Outer();
      o.inner = inner;
      vxlan.add(o.build());
      local.add(
          frame()
              .src(String.format("02:00:00:00:01:%02x", i % 4))
              .dst(i % 4 == 3 ? "ff:ff:ff:ff:ff:ff" : remote)
              .payloadLength(46)
              .build());
    }
    Path underlay = dir.resolve("vxlan.pcap");
    Path vm = dir.resolve("vm.pcap");
    Pcap.write(underlay, vxlan);
    Pcap.write(vm, local);
    VtepNeighbors neighbors =
        new VtepNeighbors(new int[] {VxlanStageTest.REMOTE}, new long[] {0x5254_0000_00aaL});
    VxlanTunnel tunnel =
        new VxlanTunnel(
            5001,
            VxlanStageTest.LOCAL,
            VxlanStageTest.REMOTE,
            VxlanStageTest.VTEP_MAC,
            64,
            4789,
            0);
    PortPolicy[] policies = {
      PortPolicy.access(0, 1).build(),
      PortPolicy.access(1, 10).build(),
      PortPolicy.access(2, 10).build(),
      PortPolicy.access(3, 10).mtu(1450).build()
    };
    VxlanOverlay overlay =
        new VxlanOverlay(
            0,
            VxlanStageTest.LOCAL,
            VxlanStageTest.VTEP_MAC,
            4789,
            neighbors,
            List.of(tunnel),
            new int[] {3});
    java.util.concurrent.atomic.AtomicReference<io.vswitch.dataplane.port.Port> uplink =
        new java.util.concurrent.atomic.AtomicReference<>();
    io.vswitch.dataplane.port.PortRegistry ports =
        io.vswitch.dataplane.port.PortRegistry.DEFAULT
            .with(
                PortSpec.KIND_DPDK,
                (spec, index, workers, pool) -> {
                  var port = io.vswitch.dataplane.port.DpdkPort.open(spec, index, workers, pool);
                  if (index == 0) {
                    uplink.set(port);
                  }
                  return port;
                })
            .with(
                "vxlan",
                (spec, index, workers, pool) ->
                    new VxlanPort(
                        spec.name(),
                        index,
                        workers,
                        tunnel,
                        neighbors,
                        uplink::get,
                        pool.segment()));
    RuntimeSpec spec =
        new RuntimeSpec(
            List.of(
                PortSpec.of(
                    "uplink",
                    "net_pcap_l2vx0,rx_pcap=" + underlay + ",infinite_rx=1,tx_pcap=/dev/null"),
                PortSpec.of("vm", "net_pcap_l2vx1,rx_pcap=" + vm + ",infinite_rx=1"),
                PortSpec.of("access", "net_null_l2vxa,no-rx=1"),
                new PortSpec("vxlan.blue.192.0.2.2", "vni=5001", 1, 1, 1, 1450, "vxlan")),
            List.of(TestEal.workerCore()),
            "busy-spin",
            dir.resolve("counters"),
            0);
    try (L2Switch l2 =
            new L2Switch(
                new Fdb(1 << 16, 300), new L2Tables(policies, List.of(), Taps.NONE, overlay));
        SwitchRuntime runtime =
            SwitchRuntime.open(
                spec,
                w ->
                    new L2Agent(
                        w.worker(), w.queues(), w.ports(), w.counters(), l2, w.pool().segment()),
                ports)) {
      l2.fdb().addStatic(10, MacAddress.parse(KNOWN), 2);
      l2.fdb().addStatic(10, MacAddress.parse(remote), 3);
      runtime.start();
      var c = runtime.counters();
      WorkerAllocation.assertAllocationFree(
          runtime,
          () -> c.sum(0, PortCounter.RX_PACKETS) + c.sum(1, PortCounter.RX_PACKETS),
          3_000_000);
      assertTrue(c.sum(3, PortCounter.RX_PACKETS) > 1_000_000, "decapsulated into the tunnel");
      assertTrue(c.sum(3, PortCounter.TX_PACKETS) > 1_000_000, "encapsulated from the VM");
      assertTrue(c.sum(2, PortCounter.TX_PACKETS) > 1_000_000, "to the local port");
      assertEquals(
          0, c.sum(0, DropReason.VXLAN_UNKNOWN_VNI) + c.sum(0, DropReason.VXLAN_TRUNCATED));
      assertEquals(0, c.sum(3, DropReason.VXLAN_SPLIT_HORIZON), "a broadcast is not a unicast");
    }
  }

  @Test
  void flowExportAllocatesNothingPerPacketWithEvictionsAndExpiry() throws Exception {
    // 64 flows (IPv4 TCP/UDP and IPv6) through an 8-flow cache: every packet of a new flow evicts,
    // and a 2 ms active timeout makes the sweep export too, while a thread drains the ring as the
    // exporter would. Every path of the stage and the cache runs in the measured window.
    List<byte[]> frames = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      byte[] ip =
          i % 3 == 2
              ? IpPackets.ipv6(
                  "2001:db8::" + (1 + i), "2001:db8::ff", IpPackets.UDP, 5000 + i, 53, 0)
              : IpPackets.ipv4(
                  "10.0.0." + (1 + i),
                  "10.0.1.1",
                  i % 3 == 0 ? IpPackets.TCP : IpPackets.UDP,
                  5000 + i,
                  80,
                  i % 3 == 0 ? 0x18 : 0);
      frames.add(
          frame()
              .src("02:00:00:00:01:01")
              .dst(KNOWN)
              .etherType(i % 3 == 2 ? 0x86dd : 0x0800)
              .payload(ip)
              .build());
    }
    io.vswitch.dataplane.flow.FlowExport flows =
        new io.vswitch.dataplane.flow.FlowExport(
            1, 8, new io.vswitch.dataplane.flow.FlowSettings(2, 1, 1));
    java.util.concurrent.atomic.AtomicLong drained = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicBoolean stop =
        new java.util.concurrent.atomic.AtomicBoolean();
    Thread exporter =
        new Thread(
            () -> {
              long[] r = new long[io.vswitch.dataplane.flow.FlowRecord.WORDS];
              while (!stop.get()) {
                if (flows.cache(0).ring().poll(r)) {
                  drained.incrementAndGet();
                } else {
                  Thread.onSpinWait();
                }
              }
            });
    try (L2Switch l2 =
            new L2Switch(
                new Fdb(1 << 16, 300),
                null,
                flows,
                tables(PortPolicy.access(0, 10).flowExport(true), null));
        SwitchRuntime runtime = open("l2ipfixalloc", l2, frames)) {
      l2.fdb().addStatic(10, MacAddress.parse(KNOWN), 1);
      exporter.start();
      runtime.start();
      WorkerAllocation.assertAllocationFree(runtime, () -> received(runtime), 3_000_000);
      assertTrue(flows.cache(0).evicted() > 1_000_000, "a full bucket evicts on each new flow");
      assertTrue(drained.get() > 1_000_000, "records reached the exporter: " + drained.get());
    } finally {
      stop.set(true);
      exporter.join();
    }
  }

  @Test
  void policerBucketsSurviveARepublishThatLeavesThePolicerAsItWas() {
    // CIR of 1 byte/s: no refill to speak of; the committed bucket passes 100 frames of 60 bytes.
    PolicerSpec spec = new PolicerSpec(PolicerSpec.Type.SRTCM, 1, 6000, 0, 0, true, -1);
    try (L2Switch l2 = l2Switch(PortPolicy.access(0, 10).policer(spec));
        SwitchRuntime runtime = open("l2republish", l2)) {
      runtime.start();
      Await.until("traffic", Duration.ofSeconds(60), () -> received(runtime) > 100_000);
      assertEquals(100, passed(runtime));
      l2.publish(tables(PortPolicy.access(0, 10).policer(spec).mark(1, -1), null));
      long before = received(runtime);
      Await.until("more", Duration.ofSeconds(60), () -> received(runtime) > before + 100_000);
      assertEquals(100, passed(runtime), "same policer: the empty bucket stays empty");
      l2.publish(
          tables(
              PortPolicy.access(0, 10)
                  .policer(new PolicerSpec(PolicerSpec.Type.SRTCM, 1, 12000, 0, 0, true, -1)),
              null));
      long after = received(runtime);
      Await.until("more", Duration.ofSeconds(60), () -> received(runtime) > after + 100_000);
      assertEquals(300, passed(runtime), "a changed policer starts full");
    }
  }

  /** Frames the policer let through: every one reaches the trunk (unicast or flood). */
  private static long passed(SwitchRuntime runtime) {
    return runtime.counters().sum(1, PortCounter.TX_PACKETS);
  }

  /**
   * Issue 10 item 7: a port the tables do not know yet (added under traffic) or any more (being
   * removed). Its bursts are counted as received and as port_not_ready drops, so rx = tx + drops
   * holds before, during and after the tables catch up.
   */
  @Test
  void burstsOfAPortNotYetInTheTablesAreCountedAsReceivedAndDropped() {
    L2Tables without =
        new L2Tables(
            new PortPolicy[] {
              null, PortPolicy.trunk(1, 10, 20).build(), PortPolicy.access(2, 10).build()
            });
    try (L2Switch l2 = l2Switch(without);
        SwitchRuntime runtime = open("l2notready", l2)) {
      runtime.start();
      Await.until("traffic", Duration.ofSeconds(60), () -> received(runtime) > 10_000);
      var c = runtime.counters();
      l2.publish(tables(PortPolicy.access(0, 10), null)); // the port's policy arrives
      long before = c.sum(0, DropReason.PORT_NOT_READY);
      Await.until("switched", Duration.ofSeconds(60), () -> c.sum(1, PortCounter.TX_PACKETS) > 0);
      l2.publish(without); // and goes again, as on removal
      Await.until(
          "dropped again",
          Duration.ofSeconds(60),
          () -> c.sum(0, DropReason.PORT_NOT_READY) > before + 1000);
      runtime.stop();
      long rx = c.sum(0, PortCounter.RX_PACKETS);
      assertTrue(before > 0);
      assertEquals(rx, c.sum(1, PortCounter.TX_PACKETS) + c.drops(0) + c.drops(1));
      assertEquals(0, runtime.closeAndCountLeaks(), "mbufs leaked");
    }
  }

  @Test
  void unicastIsTaggedToTheTrunkAndBroadcastFloodsWithoutLeakingMbufs() {
    try (L2Switch l2 = l2Switch();
        SwitchRuntime runtime = open("l2leak", l2)) {
      runtime.start();
      Await.until("traffic", Duration.ofSeconds(60), () -> received(runtime) > 200_000);
      runtime.stop();
      var c = runtime.counters();
      long rx = c.sum(0, PortCounter.RX_PACKETS);
      long trunkTx = c.sum(1, PortCounter.TX_PACKETS);
      long accessTx = c.sum(2, PortCounter.TX_PACKETS);
      assertEquals(rx, trunkTx + c.drops(1), "every frame reaches the trunk");
      assertEquals(
          rx / 4, accessTx + c.drops(2), 32, "only broadcasts reach the other access port");
      assertEquals(c.sum(2, PortCounter.TX_FLOOD), accessTx);
      assertTrue(c.sum(1, PortCounter.TX_UNICAST) > 0);
      assertEquals(0, runtime.closeAndCountLeaks(), "mbufs leaked");
    }
  }
}
