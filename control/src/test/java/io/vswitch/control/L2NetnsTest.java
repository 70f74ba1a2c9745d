package io.vswitch.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.testing.NetnsHost;
import io.vswitch.control.testing.SwitchProcess;
import io.vswitch.dataplane.stats.CounterFile;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.testing.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The learning switch with real kernels as hosts (network namespaces on veth pairs), once over each
 * laptop port type: AF_PACKET, and AF_XDP (the laptop default), which must pass the same tests:
 *
 * <pre>
 *   h1 (access 10, 10.98.10.1)   h2 (access 10, 10.98.10.2, MAC pinned, forged transmits rejected)
 *   h3 (access 20, 10.98.10.3 and 10.98.20.3: same subnet as VLAN 10, so only VLANs separate it)
 *   t  (trunk 10,20: 10.98.10.4 on VLAN 10, 10.98.20.4 on VLAN 20, answered tagged by a
 *       user-space 802.1Q host because this kernel has no VLAN devices)
 *   m  (access 10, no address yet: the third host that captures, and where h2 migrates to)
 * </pre>
 */
@ParameterizedClass(name = "type: {0}")
@ValueSource(strings = {"afpacket", "afxdp"})
class L2NetnsTest {
  @Parameter String type;

  static final String H2_MAC = "02:00:00:98:00:02";

  @TempDir Path dir;
  private final List<NetnsHost> hosts = new ArrayList<>();
  private NetnsHost h1;
  private NetnsHost h2;
  private NetnsHost h3;
  private NetnsHost trunk;
  private NetnsHost spare;
  private SwitchProcess sw;

  @BeforeAll
  static void needsNamespaces() {
    Assumptions.assumeTrue(NetnsHost.available(), "needs root and iproute2");
  }

  private NetnsHost host(String name, String cidr, String mac) {
    String tag = (ProcessHandle.current().pid() % 1000) + type.substring(2, 3) + name;
    NetnsHost host = NetnsHost.create(tag, cidr, mac);
    hosts.add(host);
    return host;
  }

  @BeforeEach
  void network() {
    h1 = host("1", "10.98.10.1/24", "02:00:00:98:00:01");
    h2 = host("2", "10.98.10.2/24", H2_MAC);
    h3 = host("3", "10.98.10.3/24", "02:00:00:98:00:03");
    h3.addAddress("10.98.20.3/24");
    trunk = host("t", null, "02:00:00:98:00:04");
    trunk.serveVlans("02:00:00:98:00:04", "10:10.98.10.4", "20:10.98.20.4");
    spare = host("m", null, null);
    String config =
        """
        workers: {cores: [-1], idle: backoff}
        port-groups:
          - {name: v10, vlan: {mode: access, id: 10}}
          - name: v10-strict
            vlan: {mode: access, id: 10}
            security: {forged-transmits: reject, mac-changes: reject}
          - {name: v20, vlan: {mode: access, id: 20}}
          - {name: uplink, vlan: {mode: trunk, allowed: [10, 20]}}
        ports:
          - {name: h1, type: %s, iface: %s, port-group: v10}
          - {name: h2, type: %s, iface: %s, port-group: v10-strict, mac: "%s"}
          - {name: h3, type: %s, iface: %s, port-group: v20}
          - {name: t,  type: %s, iface: %s, port-group: uplink}
          - {name: m,  type: %s, iface: %s, port-group: v10}
        """
            .formatted(
                type,
                h1.switchInterface(),
                type,
                h2.switchInterface(),
                H2_MAC,
                type,
                h3.switchInterface(),
                type,
                trunk.switchInterface(),
                type,
                spare.switchInterface());
    sw = SwitchProcess.start(dir, config).awaitRunning();
    // AF_XDP resets the link as it attaches: frames sent meanwhile are lost, so wait for a path.
    Await.until(
        "h1 to reach h2 through the switch:\n" + sw.output(),
        Duration.ofSeconds(60),
        () -> h1.ping("10.98.10.2", 1));
  }

  @AfterEach
  void tearDown() {
    if (sw != null) {
      sw.close();
    }
    hosts.forEach(NetnsHost::close);
  }

  /** The first ping may wait on ARP; then every ping must come back. */
  private static boolean reaches(NetnsHost from, String to) {
    from.ping(to, 1);
    return from.ping(to, 3);
  }

  @Test
  void sameVlanPassesAcrossAccessAndTrunkAndNothingCrossesVlans() {
    assertTrue(reaches(h1, "10.98.10.2"), "access 10 -> access 10");
    assertTrue(reaches(h1, "10.98.10.4"), "access 10 -> trunk, tagged 10");
    assertTrue(reaches(h3, "10.98.20.4"), "access 20 -> trunk, tagged 20");
    assertFalse(h1.ping("10.98.10.3", 2), "VLAN 10 must not reach a VLAN 20 host");
    assertFalse(h3.ping("10.98.10.1", 2), "VLAN 20 must not reach VLAN 10 hosts");
    assertEquals(0, sw.stop(), sw.output());
  }

  @Test
  void learnedUnicastIsNotSeenByAThirdHost() {
    assertTrue(reaches(h1, "10.98.10.2"));
    int seen = spare.capture("icmp", () -> assertTrue(h1.ping("10.98.10.2", 5)));
    assertEquals(0, seen, "a third host of VLAN 10 saw unicast between h1 and h2");
    int flooded =
        spare.capture("icmp", () -> h1.exec("ping", "-c", "2", "-i", "0.2", "-b", "10.98.10.255"));
    assertTrue(flooded > 0, "but it does see broadcast in its VLAN (the capture works)");
  }

  @Test
  void forgedTransmitsAreRejectedWhereTheGroupSaysSo() {
    assertTrue(reaches(h1, "10.98.10.2"), "h2 with its own MAC passes");
    h2.setMac("02:00:00:98:00:22");
    h1.exec("ip", "neigh", "flush", "all");
    assertFalse(h1.ping("10.98.10.2", 2), "h2 with a forged MAC is cut off");
    assertTrue(forgedDrops(1) > 0, "drops counted as forged transmits on h2");

    h1.setMac("02:00:00:98:00:11"); // h1's group accepts forged transmits
    h2.setMac(H2_MAC);
    assertTrue(reaches(h2, "10.98.10.1"), "h1 changed its MAC in a lenient group: still fine");
  }

  private long forgedDrops(int port) {
    try (CounterFile counters = CounterFile.open(dir.resolve("counters"))) {
      return counters.sum(port, DropReason.FORGED_TRANSMIT);
    }
  }

  @Test
  void hostMovedToAnotherPortIsReachableAtOnce() {
    assertTrue(reaches(h1, "10.98.10.2"), "h1 knows h2 on port h2");
    // The VM leaves port h2 and comes up on port m with the same MAC and address.
    h2.down();
    spare.setMac(H2_MAC);
    spare.addAddress("10.98.10.2/24");
    // A migrated VM announces itself (QEMU sends a RARP); one frame must be enough to move it.
    spare.ping("10.98.10.1", 1);
    assertTrue(h1.ping("10.98.10.2", 3), "h2 reachable on its new port without waiting");
  }
}
