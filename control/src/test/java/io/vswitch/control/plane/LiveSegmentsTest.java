package io.vswitch.control.plane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.SwitchLauncher;
import io.vswitch.control.config.ConfigException;
import io.vswitch.control.config.ConfigLoader;
import io.vswitch.control.config.ConfigValidator;
import io.vswitch.control.config.SwitchConfig;
import io.vswitch.dataplane.l2.Fdb;
import io.vswitch.dataplane.l2.FdbClock;
import io.vswitch.dataplane.l2.L2Tables;
import io.vswitch.dataplane.l2.overlay.VxlanPort;
import io.vswitch.dataplane.port.Port;
import io.vswitch.dataplane.testing.TestEal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Overlay segments changed on a running switch (real DPDK net_null devices, a worker running)
 * through the control plane: a segment added, its VNI and port groups changed, removed; the tunnel
 * ports, the published overlay and the FDB follow; refused changes leave everything as it was. Each
 * test has a VTEP address of its own: the next-hop cache is the VTEP's for the JVM's life.
 */
class LiveSegmentsTest {
  @TempDir Path dir;
  private SwitchLauncher.Running running;
  private ControlPlane plane;
  private Journal journal;
  private static int instance;
  private String tag;
  private String vtep;

  @BeforeAll
  static void eal() {
    TestEal.get();
  }

  private String base() {
    return """
        workers: {cores: [-1], idle: backoff}
        port-groups:
          - {name: ta, vlan: {mode: access, id: 10}}
          - {name: tb, vlan: {mode: access, id: 20}}
          - {name: tb2, vlan: {mode: access, id: 20}}
          - {name: tc, vlan: {mode: access, id: 30}}
          - {name: underlay, vlan: {mode: access, id: 1}}
        ports:
          - {name: a, devargs: "net_null_%sa,no-rx=1", port-group: ta}
          - {name: b, devargs: "net_null_%sb,no-rx=1", port-group: tb}
          - {name: up, devargs: "net_null_%su,no-rx=1", port-group: underlay}
        overlay:
          vtep: {port: up, address: %s/16}
        """
        .formatted(tag, tag, tag, vtep);
  }

  @BeforeEach
  void start() {
    int n = instance++;
    tag = "ls" + n;
    vtep = "10.77." + n + ".1";
    SwitchConfig config = ConfigValidator.validate(ConfigLoader.parse(base(), "test"));
    running = SwitchLauncher.open(config, dir.resolve("counters"));
    running.runtime().start();
    journal = new Journal(dir.resolve("journal"));
    plane = new ControlPlane(config, running.runtime(), running.l2(), journal);
  }

  @AfterEach
  void stop() {
    running.runtime().close();
    running.close();
    journal.close();
  }

  private SwitchConfig with(String segments) {
    return ConfigLoader.parse(base() + "  segments:\n" + segments, "change");
  }

  private static final String A =
      "    - {name: a, vni: 5001, port-groups: [ta], remote-vteps: [%s]}\n";
  private static final String B =
      "    - {name: b, vni: 5002, port-groups: [tb], remote-vteps: [%s]}\n";

  private String remote(int i) {
    return vtep.substring(0, vtep.lastIndexOf('.') + 1) + (i + 1);
  }

  private List<String> tunnelNames() {
    List<String> names = new ArrayList<>();
    for (Port p : running.runtime().ports()) {
      if (p instanceof VxlanPort) {
        names.add(p.name());
      }
    }
    return names;
  }

  private VxlanPort tunnel(String name) {
    return (VxlanPort) running.runtime().port(name);
  }

  private static long key(int vlan, long mac) {
    return Fdb.key(vlan, mac);
  }

  @Test
  void aSegmentIsAddedChangedAndRemovedWhileTheOthersStay() {
    String r = remote(1);
    String ta = "vxlan.a." + r;
    String tb = "vxlan.b." + r;
    int portA = running.runtime().port("a").index();
    assertEquals(List.of(), tunnelNames(), "a VTEP without segments has no tunnel");
    assertTrue(!running.l2().tables().overlay().active());

    plane.apply(with(A.formatted(r)), "test", "add a");
    assertEquals(List.of(ta), tunnelNames());
    assertEquals(5001, tunnel(ta).tunnel().vni);
    L2Tables t1 = running.l2().tables();
    int slotA = running.runtime().port(ta).index();
    assertTrue(t1.overlay().isTunnel(slotA) && t1.carries(slotA, 10), "on a's VLAN");

    // Tenant b beside a, same remote VTEP: a's tunnel stays where it is (no reopen).
    String pinned = "fdb: {static: [{mac: \"02:00:00:00:00:cc\", vlan: 10, port: " + ta + "}]}\n";
    plane.apply(with(A.formatted(r) + B.formatted(r) + pinned), "test", "add b");
    assertEquals(List.of(ta, tb), tunnelNames());
    assertEquals(slotA, running.runtime().port(ta).index(), "a's tunnel untouched");
    int slotB = running.runtime().port(tb).index();
    assertTrue(
        running.l2().tables().carries(slotB, 20) && !running.l2().tables().carries(slotB, 10));
    assertEquals(portA, running.runtime().port("a").index(), "the VM port stays up");

    // Remote MACs learned behind each tunnel; a's VNI changes: its tunnel is reopened with the new
    // VNI and what it learned is gone; b's stays.
    long now = FdbClock.nowSeconds();
    Fdb fdb = running.l2().fdb();
    fdb.learn(key(10, 0x02_00_00_00_00_aaL), slotA, now);
    fdb.learn(key(20, 0x02_00_00_00_00_bbL), slotB, now);
    VxlanPort before = tunnel(ta);
    plane.apply(
        with(A.formatted(r).replace("5001", "5003") + B.formatted(r) + pinned), "test", "vni");
    assertNotEquals(before, tunnel(ta), "reopened");
    assertEquals(5003, tunnel(ta).tunnel().vni);
    assertEquals(0, fdb.learnedOn(running.runtime().port(ta).index()));
    assertEquals(slotB, fdb.lookup(key(20, 0x02_00_00_00_00_bbL), now), "b's MAC stays");
    assertTrue(fdb.lookup(key(10, 0x02_00_00_00_00_aaL), now) < 0, "a's remote MAC flushed");
    int reopened = running.runtime().port(ta).index();
    assertEquals(5003, running.l2().tables().overlay().tunnel(reopened).vni);
    assertEquals(
        reopened,
        fdb.lookup(key(10, 0x02_00_00_00_00_ccL), now),
        "the static entry follows the reopened tunnel");

    // b's port groups move to another group on the same VLAN: no reopen; to VLAN 10's: refused
    // (a has it).
    VxlanPort bBefore = tunnel(tb);
    plane.apply(
        with(A.formatted(r).replace("5001", "5003") + B.formatted(r).replace("[tb]", "[tb, tb2]")),
        "test",
        "b grows");
    assertEquals(bBefore, tunnel(tb), "same VNI and VLAN: the tunnel stays");

    // b's port groups move to VLAN 30: its tunnel is reopened on that VLAN, its MACs flushed.
    plane.apply(
        with(A.formatted(r).replace("5001", "5003") + B.formatted(r).replace("[tb]", "[tc]")),
        "test",
        "b to VLAN 30");
    assertNotEquals(bBefore, tunnel(tb), "reopened on the new VLAN");
    slotB = running.runtime().port(tb).index();
    assertTrue(
        running.l2().tables().carries(slotB, 30) && !running.l2().tables().carries(slotB, 20));
    assertTrue(fdb.lookup(key(20, 0x02_00_00_00_00_bbL), now) < 0, "VLAN 20's remote MAC gone");
    fdb.learn(key(30, 0x02_00_00_00_00_bbL), slotB, now);

    // b removed: its tunnel closes and the MACs behind it go.
    plane.apply(with(A.formatted(r).replace("5001", "5003")), "test", "drop b");
    assertEquals(List.of(ta), tunnelNames());
    assertTrue(fdb.lookup(key(30, 0x02_00_00_00_00_bbL), now) < 0, "b's remote MAC flushed");
    assertTrue(!running.l2().tables().overlay().isTunnel(slotB) || slotB == slotA);

    // And all segments gone: no tunnel, the overlay idle, the VTEP still there.
    plane.apply(ConfigLoader.parse(base(), "none"), "test", "none");
    assertEquals(List.of(), tunnelNames());
    assertTrue(!running.l2().tables().overlay().active());
    assertEquals(7, journal.history().size(), "each change journaled");
    assertEquals(0, running.runtime().pool().inUse(), "no mbufs held by the closed tunnels");
  }

  @Test
  void badSegmentChangesAreRefusedInOneLineAndChangeNothing() {
    String r = remote(1);
    plane.apply(with(A.formatted(r) + B.formatted(r)), "test", "a and b");
    SwitchConfig good = plane.running();
    List<String> tunnels = tunnelNames();
    int slotA = running.runtime().port("vxlan.a." + r).index();
    for (String bad :
        List.of(
            A.formatted(r) + B.formatted(r).replace("5002", "5001"),
            A.formatted(r) + B.formatted(r).replace("5002", "16777216"),
            A.formatted(r) + B.formatted(r).replace("[tb]", "[ta]"),
            A.formatted(r) + B.formatted(r).replace("[tb]", "[nope]"),
            A.formatted(r) + B.formatted(r).replace("[tb]", "[ta, tb]"),
            A.formatted(r) + B.formatted(r).replace("[tb]", "[underlay]"),
            A.formatted(r) + B.formatted(r).replace("name: b", "name: a"),
            A.formatted(r) + B.formatted(r).replace(r, vtep))) {
      ConfigException e =
          assertThrows(ConfigException.class, () -> plane.apply(with(bad), "test", "bad"), bad);
      assertEquals(-1, e.getMessage().indexOf('\n'), e.getMessage());
      assertEquals(good, plane.running());
      assertEquals(tunnels, tunnelNames());
      assertEquals(slotA, running.runtime().port("vxlan.a." + r).index());
    }
    // The overlay itself stays for the switch's life (the VTEP's settings change live: VtepLive).
    ConfigException gone =
        assertThrows(
            ConfigException.class,
            () ->
                plane.apply(
                    ConfigLoader.parse(
                        base().substring(0, base().indexOf("overlay:")), "no overlay"),
                    "test",
                    "no overlay"));
    assertTrue(gone.getMessage().contains("restart only"), gone.getMessage());
    assertEquals(-1, gone.getMessage().indexOf('\n'), gone.getMessage());
    assertEquals(1, journal.history().size(), "only the good change journaled");
    assertNull(plane.apply(good, "test", "same"), "no change");
  }

  /**
   * The next-hop cache never frees a hop (a worker may still hold its index), so the switch's 128
   * are for its life: segment after segment to new VTEPs runs into it, and that change is refused
   * saying so; one to known VTEPs still applies.
   */
  @Test
  void theVtepsNextHopLimitIsForTheSwitchsLifeAndSaidWhenHit() {
    int perRound = 29; // 32 ports less the three configured
    int next = 1;
    String lastGood = null;
    ConfigException hit = null;
    for (int round = 0; round < 6 && hit == null; round++) {
      StringBuilder remotes = new StringBuilder();
      for (int i = 0; i < perRound; i++) {
        remotes.append(i == 0 ? "" : ", ").append(remote(next++));
      }
      String segment = A.formatted(remotes);
      try {
        plane.apply(with(segment), "test", "round " + round);
        lastGood = segment;
        assertEquals(perRound, tunnelNames().size());
      } catch (ConfigException e) {
        hit = e;
      }
    }
    assertTrue(hit != null, "128 hops run out within 5 rounds of 29 new VTEPs");
    assertTrue(hit.getMessage().contains("restart vswitch"), hit.getMessage());
    assertTrue(hit.getMessage().contains("128"), hit.getMessage());
    assertEquals(perRound, tunnelNames().size(), "the last good segment still runs");
    assertEquals(with(lastGood), plane.running());
    // Back to VTEPs it knows: no new hop needed.
    plane.apply(with(A.formatted(remote(1))), "test", "known");
    assertEquals(List.of("vxlan.a." + remote(1)), tunnelNames());
  }

  /**
   * What a worker sees while a segment's VNI flips back and forth: every published table's tunnel
   * slots hold a tunnel port that encapsulates with the VNI the table decapsulates by, and the
   * segment's tunnels never mix two VNIs. A checker thread reads the tables, the ports and the
   * tables again (a publish in between: read again), as a worker's burst would.
   */
  @Test
  void aWorkersViewIsAlwaysOneWholeConfigWhileTheVniFlips() throws Exception {
    String two = remote(1) + ", " + remote(2);
    java.util.concurrent.atomic.AtomicBoolean stop =
        new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicReference<String> bad =
        new java.util.concurrent.atomic.AtomicReference<>();
    java.util.concurrent.atomic.AtomicLong views = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicLong withTunnels =
        new java.util.concurrent.atomic.AtomicLong();
    Thread checker =
        Thread.ofPlatform()
            .start(
                () -> {
                  while (!stop.get() && bad.get() == null) {
                    L2Tables t = running.l2().tables();
                    List<Port> ports = running.runtime().ports();
                    if (running.l2().tables() != t) {
                      continue;
                    }
                    java.util.Set<Integer> vnis = new java.util.HashSet<>();
                    long seen = 0;
                    for (Port p : ports) {
                      if (!t.overlay().isTunnel(p.index())) {
                        continue;
                      }
                      seen |= 1L << p.index();
                      int vni = t.overlay().tunnel(p.index()).vni;
                      vnis.add(vni);
                      if (!(p instanceof VxlanPort v) || v.tunnel().vni != vni) {
                        bad.set(
                            "slot "
                                + p.index()
                                + ": the tables say VNI "
                                + vni
                                + ", its port "
                                + p.name());
                      }
                    }
                    if (seen != t.overlay().tunnelMask()) {
                      bad.set("a tunnel slot without its port: mask " + t.overlay().tunnelMask());
                    }
                    if (vnis.size() > 1) {
                      bad.set("segment a's tunnels on two VNIs at once: " + vnis);
                    }
                    if (!vnis.isEmpty()) {
                      withTunnels.incrementAndGet();
                    }
                    views.incrementAndGet();
                  }
                });
    try {
      for (int i = 0; i < 40 && bad.get() == null; i++) {
        String vni = i % 2 == 0 ? "5001" : "5003";
        plane.apply(with(A.formatted(two).replace("5001", vni)), "test", "flip " + i);
        Thread.sleep(2); // let the checker see the whole state too, not only the transitions
      }
    } finally {
      stop.set(true);
      checker.join();
    }
    assertNull(bad.get(), bad.get());
    assertTrue(withTunnels.get() > 0, "the checker saw tunnels in " + views.get() + " views");
    assertEquals(2, tunnelNames().size());
    assertEquals(5003, tunnel("vxlan.a." + remote(1)).tunnel().vni);
  }
}
