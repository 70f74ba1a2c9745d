package io.vswitch.control.plane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.SwitchLauncher;
import io.vswitch.control.config.ConfigException;
import io.vswitch.control.config.ConfigLoader;
import io.vswitch.control.config.ConfigValidator;
import io.vswitch.control.config.OverlaySpecs;
import io.vswitch.control.config.RemoteFacts;
import io.vswitch.control.config.SwitchConfig;
import io.vswitch.dataplane.l2.Fdb;
import io.vswitch.dataplane.l2.FdbClock;
import io.vswitch.dataplane.l2.MacAddress;
import io.vswitch.dataplane.l2.overlay.VtepNeighbors;
import io.vswitch.dataplane.l2.overlay.VxlanPort;
import io.vswitch.dataplane.l2.overlay.VxlanTunnel;
import io.vswitch.dataplane.testing.TestEal;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The VTEP's own settings changed on a running switch (real DPDK net_null devices, a worker
 * running) through the control plane: the address, the UDP port, the TTL and a static neighbor.
 * Each reopens the tunnel port on a fresh next-hop cache, drops what was learned behind it, keeps
 * the static FDB entry on it, and is journaled; what stays restart-only and the hostile values are
 * refused in one line with everything left as it was.
 */
class LiveVtepTest {
  private static final long REMOTE_MAC = 0x02_00_00_00_00_aaL;
  private static final long PINNED = 0x02_00_00_00_00_ccL;
  @TempDir Path dir;
  private SwitchLauncher.Running running;
  private ControlPlane plane;
  private Journal journal;
  private static int instance;
  private String tag;
  private String net; // 10.78.n.

  private String config(String vtep, String extra) {
    return """
        workers: {cores: [-1], idle: backoff}
        port-groups:
          - {name: ta, vlan: {mode: access, id: 10}}
          - {name: underlay, vlan: {mode: access, id: 1}}
        ports:
          - {name: a, devargs: "net_null_%sa,no-rx=1", port-group: ta}
          - {name: up, devargs: "net_null_%su,no-rx=1", port-group: underlay}
        fdb: {static: [{mac: "02:00:00:00:00:cc", vlan: 10, port: %s}]}
        overlay:
          vtep: {port: up, address: %s/16, mac: "02:00:00:78:00:01"}
        %s  segments:
            - {name: a, vni: 5001, port-groups: [ta], remote-vteps: [%s]}
        """
        .formatted(tag, tag, tunnelName(), vtep, extra, remote());
  }

  private String remote() {
    return net + "2";
  }

  private String tunnelName() {
    return "vxlan.a." + remote();
  }

  private SwitchConfig parse(String vtep, String extra) {
    return ConfigLoader.parse(config(vtep, extra), "test");
  }

  @BeforeAll
  static void eal() {
    TestEal.get();
  }

  @BeforeEach
  void start() {
    int n = instance++;
    tag = "lv" + n;
    net = "10.78." + n + ".";
    SwitchConfig config = ConfigValidator.validate(parse(net + "1", ""));
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

  private VxlanPort tunnel() {
    return (VxlanPort) running.runtime().port(tunnelName());
  }

  private int slot() {
    return tunnel().index();
  }

  private VxlanTunnel published() {
    return running.l2().tables().overlay().tunnel(slot());
  }

  private VtepNeighbors cache() {
    return running.l2().tables().overlay().neighbors();
  }

  private static int ip(String dotted) {
    String[] p = dotted.split("\\.");
    return Integer.parseInt(p[0]) << 24
        | Integer.parseInt(p[1]) << 16
        | Integer.parseInt(p[2]) << 8
        | Integer.parseInt(p[3]);
  }

  /** Learns the remote MAC behind the tunnel, changes, and checks the tunnel was reopened. */
  private void changeAndExpectReopen(SwitchConfig desired, String what) {
    long now = FdbClock.nowSeconds();
    Fdb fdb = running.l2().fdb();
    fdb.learn(Fdb.key(10, REMOTE_MAC), slot(), now);
    VxlanPort before = tunnel();
    VtepNeighbors cacheBefore = cache();
    plane.apply(desired, "test", what);
    assertNotSame(before, tunnel(), what + ": the tunnel is reopened");
    VxlanTunnel sends = tunnel().tunnel();
    VxlanTunnel decaps = published();
    assertEquals(
        List.of(sends.localIp, sends.udpPort, sends.ttl, sends.hop, sends.vni),
        List.of(decaps.localIp, decaps.udpPort, decaps.ttl, decaps.hop, decaps.vni),
        what + ": the port sends with what the tables say");
    assertNotSame(cacheBefore, cache(), what + ": a fresh next-hop cache");
    assertTrue(cache().hop(ip(remote())) >= 0, what + ": the remote's hop in it");
    assertTrue(fdb.lookup(Fdb.key(10, REMOTE_MAC), now) < 0, what + ": the learned MAC dropped");
    assertEquals(slot(), fdb.lookup(Fdb.key(10, PINNED), now), what + ": the static one follows");
    assertEquals(desired, plane.running());
    assertEquals(
        ConfigJson.write(desired), journal.latest().orElseThrow().config(), what + " journaled");
  }

  @Test
  void theVtepsAddressPortTtlAndNeighborsChangeLive() {
    assertEquals(ip(net + "1"), published().localIp);

    SwitchConfig renumbered = parse(net + "9", "");
    changeAndExpectReopen(renumbered, "address");
    assertEquals(ip(net + "9"), published().localIp, "encapsulates from the new address");
    assertEquals(VxlanTunnel.DEFAULT_UDP_PORT, published().udpPort);

    SwitchConfig udp = parse(net + "9", "  udp-port: 4790\n");
    changeAndExpectReopen(udp, "udp-port");
    assertEquals(4790, published().udpPort);
    assertEquals(ip(net + "9"), published().localIp);

    SwitchConfig ttl = parse(net + "9", "  udp-port: 4790\n  ttl: 9\n");
    changeAndExpectReopen(ttl, "ttl");
    assertEquals(9, published().ttl);

    String neighbor =
        "  udp-port: 4790\n  ttl: 9\n  neighbors: [{address: %s, mac: \"02:00:00:78:00:02\"}]\n"
            .formatted(remote());
    changeAndExpectReopen(parse(net + "9", neighbor), "neighbors");
    assertEquals(
        MacAddress.parse("02:00:00:78:00:02"),
        cache().mac(cache().hop(ip(remote()))),
        "the static neighbor in the fresh cache");
    assertEquals(4, journal.history().size(), "each change journaled");
  }

  @Test
  void restartOnlyAndHostileVtepChangesAreRefusedInOneLine() {
    SwitchConfig good = plane.running();
    VxlanPort before = tunnel();
    VtepNeighbors cache = cache();
    String other = "10.79.0.1"; // off the subnet, with a listed remote VTEP on the old one
    plane.applyRemote(
        new RemoteFacts(
            List.of(), List.of(new RemoteFacts.RemoteVtep("hostC", ip(net + "7"), List.of(5001)))));
    VxlanPort afterFacts = tunnel();
    List<String> hostile =
        List.of(
            config(other, ""), // the listed remote VTEP off the new subnet
            config(net + "7", ""), // another host's VTEP address (published)
            config(remote(), ""), // the listed remote VTEP's own address
            config(net + "1", "  udp-port: 0\n"),
            config(net + "1", "  udp-port: 65536\n"),
            config(net + "1", "  ttl: 0\n"),
            config(net + "1", "").replace("vtep: {port: up", "vtep: {port: a"), // restart only
            config(net + "1", "").replace("/16, mac", "/33, mac"));
    for (String bad : hostile) {
      ConfigException e =
          assertThrows(
              ConfigException.class,
              () -> plane.apply(ConfigLoader.parse(bad, "bad"), "test", "bad"),
              bad);
      assertEquals(-1, e.getMessage().strip().indexOf('\n'), e.getMessage());
      assertEquals(good, plane.running(), bad);
      assertSame(afterFacts, tunnel(), "the tunnel untouched: " + e.getMessage());
      assertSame(cache, cache(), "the cache untouched: " + e.getMessage());
    }
    assertEquals(before.tunnel().localIp, afterFacts.tunnel().localIp);
    // The discovered VTEP off the new subnet without a gateway: refused, not left out in silence.
    ConfigException off =
        assertThrows(
            ConfigException.class,
            () ->
                plane.apply(
                    ConfigLoader.parse(
                        config(net + "1", "").replace("/16, mac", "/30, mac"), "bad"),
                    "test",
                    "bad"));
    assertTrue(off.getMessage().contains(net + "7"), off.getMessage());
    // Validating the refused VTEPs made no cache of theirs the switch's: the next publish (new
    // facts) keeps the cache the running tunnel ports share.
    plane.applyRemote(RemoteFacts.NONE);
    assertSame(cache, cache(), "the running tunnels' cache, republished");
    assertSame(cache, OverlaySpecs.neighbors(plane.running().overlay()));
    assertEquals(0, journal.history().size(), "nothing journaled");
  }

  /**
   * The next-hop cache is the VTEP setting's: many hops taken on one address are all free again on
   * the next one (the old cache is left to the workers still on older tables and the collector).
   */
  @Test
  void theHopLimitCountsPerVtepSetting() {
    StringBuilder many = new StringBuilder(remote());
    for (int i = 3; i < 30; i++) {
      many.append(", ").append(net).append(i);
    }
    plane.apply(
        ConfigLoader.parse(
            config(net + "1", "").replace("[" + remote() + "]", "[" + many + "]"), "many"),
        "test",
        "many");
    plane.apply(parse(net + "1", ""), "test", "one");
    assertEquals(28, cache().size(), "hops are never freed while the VTEP stays");
    plane.apply(parse(net + "250", ""), "test", "renumbered");
    assertEquals(1, cache().size(), "a fresh cache: only the hop in use");
    assertEquals(OverlaySpecs.neighbors(plane.running().overlay()), cache());
  }
}
