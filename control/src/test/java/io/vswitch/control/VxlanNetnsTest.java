package io.vswitch.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.testing.Cli;
import io.vswitch.control.testing.NetnsHost;
import io.vswitch.control.testing.SwitchProcess;
import io.vswitch.dataplane.stats.CounterFile;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.stats.PortCounter;
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

/**
 * The overlay against Linux's own VXLAN (RFC 7348) as the remote VTEP, over AF_XDP veths. Two
 * tenants with the same addresses and MACs: segment blue (VNI 5001) and green (VNI 5002).
 *
 * <pre>
 *   vm1 10.50.0.1 (group web, VLAN 100) ---+                 +-- r1: vxb (VNI 5001) 10.50.0.2
 *   vm2 10.50.0.1 (group db,  VLAN 200) ---+-- vswitch       |
 *                                          |   VTEP 192.0.2.1 on uplink
 *                                          +-- uplink --- kv 192.0.2.2: the kernel VTEP
 *                                                            +-- r2: vxg (VNI 5002) 10.50.0.2
 * </pre>
 *
 * The kernel's two VXLAN devices are made in kv (their UDP socket stays there) and moved into r1
 * and r2, so each tenant's "remote VM" is the address on its device.
 */
class VxlanNetnsTest {
  static final String VM_MAC = "02:00:00:50:00:01";
  static final String REMOTE_MAC = "02:00:00:50:00:02";

  /** Port slots: vm1, vm2, uplink, vm3, then the tunnel ports in segment order. */
  static final int VM1 = 0;

  static final int BLUE_TUNNEL = 4;
  static final int GREEN_TUNNEL = 5;

  @TempDir Path dir;
  private final List<NetnsHost> hosts = new ArrayList<>();
  private final List<String> namespaces = new ArrayList<>();
  private NetnsHost vm1;
  private NetnsHost vm2;
  private NetnsHost vm3;
  private NetnsHost kv;
  private String r1;
  private String r2;
  private SwitchProcess sw;
  private String config;

  @BeforeAll
  static void needsNamespaces() {
    Assumptions.assumeTrue(NetnsHost.available(), "needs root and iproute2");
  }

  private String tag(String name) {
    return "vx" + (ProcessHandle.current().pid() % 1000) + name;
  }

  private NetnsHost host(String name, String cidr, String mac) {
    NetnsHost host = NetnsHost.create(tag(name), cidr, mac);
    hosts.add(host);
    return host;
  }

  private static void run(String... command) {
    io.vswitch.control.testing.Commands.run(command);
  }

  /** A kernel VXLAN device with {@code vni} made in kv, moved into its own tenant namespace. */
  private String tenant(String name, String device, int vni) {
    String ns = "vsw-" + tag(name);
    run("ip", "netns", "add", ns);
    namespaces.add(ns);
    in(ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1");
    in(ns, "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1");
    String kvNs = "vsw-" + tag("k");
    run(
        "ip",
        "-n",
        kvNs,
        "link",
        "add",
        device,
        "type",
        "vxlan",
        "id",
        "" + vni,
        "dstport",
        "4789",
        "local",
        "192.0.2.2",
        "remote",
        "192.0.2.1",
        "dev",
        "vh" + tag("k"));
    run("ip", "-n", kvNs, "link", "set", device, "netns", ns);
    run("ip", "-n", ns, "link", "set", device, "address", REMOTE_MAC);
    run("ip", "-n", ns, "addr", "add", "10.50.0.2/24", "dev", device);
    run("ip", "-n", ns, "link", "set", device, "up");
    run("ip", "-n", ns, "link", "set", "lo", "up");
    return ns;
  }

  private static String in(String ns, String... command) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
    full.addAll(List.of(command));
    try {
      Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      p.waitFor();
      return out;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @BeforeEach
  void network() {
    vm1 = host("1", "10.50.0.1/24", VM_MAC);
    vm2 = host("2", "10.50.0.1/24", VM_MAC);
    vm3 = host("3", "10.50.0.3/24", "02:00:00:50:00:03");
    kv = host("k", "192.0.2.2/24", "02:00:00:c0:02:02");
    r1 = tenant("r1", "vxb", 5001);
    r2 = tenant("r2", "vxg", 5002);
    config =
        """
        workers: {cores: [-1], idle: backoff}
        port-groups:
          - {name: web, vlan: {mode: access, id: 100}}
          - {name: db, vlan: {mode: access, id: 200}}
          - {name: underlay, vlan: {mode: access, id: 1}}
        ports:
          - {name: vm1, type: afxdp, iface: %s, port-group: web}
          - {name: vm2, type: afxdp, iface: %s, port-group: db}
          - {name: uplink, type: afxdp, iface: %s, port-group: underlay}
          - {name: vm3, type: afxdp, iface: %s, port-group: web}
        overlay:
          vtep: {port: uplink, address: 192.0.2.1/24}
          segments:
            - {name: blue, vni: 5001, port-groups: [web], remote-vteps: [192.0.2.2]}
            - {name: green, vni: 5002, port-groups: [db], remote-vteps: [192.0.2.2]}
        """
            .formatted(
                vm1.switchInterface(),
                vm2.switchInterface(),
                kv.switchInterface(),
                vm3.switchInterface());
    sw =
        SwitchProcess.start(dir, config, "--state-dir", dir.resolve("state").toString())
            .awaitRunning();
    // AF_XDP resets the link as it attaches, and the first frames wait on two ARPs (the VTEP's
    // next hop, then the remote VM): wait for a path.
    Await.until(
        "vm1 to reach the remote VM over VXLAN:\n" + sw.output(),
        Duration.ofSeconds(60),
        () -> vm1.ping("10.50.0.2", 1));
  }

  @AfterEach
  void tearDown() {
    if (sw != null) {
      sw.close();
    }
    for (String ns : namespaces) {
      run("ip", "netns", "del", ns);
    }
    hosts.forEach(NetnsHost::close);
  }

  private Cli.Result ctl(String... args) {
    return Cli.run(List.of("--state-dir", dir.resolve("state").toString()), args);
  }

  private long counter(int port, PortCounter c) {
    try (CounterFile counters = CounterFile.open(dir.resolve("counters"))) {
      return counters.sum(port, c);
    }
  }

  private long drops(int port, DropReason reason) {
    try (CounterFile counters = CounterFile.open(dir.resolve("counters"))) {
      return counters.sum(port, reason);
    }
  }

  @Test
  void aLocalVmPingsARemoteVmBehindTheKernelsVtepAndItsMacIsLearnedAgainstThatVtep() {
    assertTrue(vm1.ping("10.50.0.2", 5), "every ping comes back");

    // On the underlay: VXLAN with VNI 5001 both ways, outer TTL 64, DF; nothing else but ARP.
    String wire = kv.captureText("udp port 4789", "-v", () -> vm1.ping("10.50.0.2", 3));
    long out =
        wire.lines()
            .filter(l -> l.contains("192.0.2.1.") && l.contains("> 192.0.2.2.4789"))
            .count();
    assertTrue(out >= 3, "encapsulated requests on the wire:\n" + wire);
    assertTrue(wire.contains("ttl 64") && wire.contains("flags [DF]"), wire);
    // Each echo is inside VNI 5001 (green's VM may send its own IPv6 router solicitations).
    List<String> lines = wire.lines().toList();
    for (int i = 1; i < lines.size(); i++) {
      if (lines.get(i).contains("ICMP echo")) {
        assertTrue(lines.get(i - 2).contains("vni 5001"), wire);
      }
    }

    // The VM sees plain frames: no outer header left, from the remote VM's own MAC.
    String plain = vm1.captureText("icmp", "-e", () -> vm1.ping("10.50.0.2", 3));
    assertEquals(
        3,
        plain
            .lines()
            .filter(
                l ->
                    l.contains(REMOTE_MAC + " > " + VM_MAC)
                        && l.contains("10.50.0.2 > 10.50.0.1: ICMP echo reply"))
            .count(),
        plain);

    Cli.Result overlay = ctl("overlay");
    assertEquals(0, overlay.code(), overlay.err());
    String blue = overlay.out().lines().filter(l -> l.startsWith("blue")).findFirst().orElseThrow();
    assertTrue(blue.contains("192.0.2.2") && blue.contains("true"), overlay.out());
    assertTrue(
        blue.contains(REMOTE_MAC), "the remote MAC learned against its VTEP: " + overlay.out());
    assertTrue(overlay.out().contains("segment mtu 1450"), overlay.out());
    Cli.Result fdb = ctl("dump-fdb");
    assertTrue(
        fdb.out()
            .lines()
            .anyMatch(l -> l.contains(REMOTE_MAC) && l.contains("vxlan.blue.192.0.2.2")),
        fdb.out());
    assertTrue(counter(BLUE_TUNNEL, PortCounter.RX_PACKETS) >= 11);
    assertTrue(counter(BLUE_TUNNEL, PortCounter.TX_PACKETS) >= 11);
  }

  @Test
  void framesAboveTheTunnelMtuAreDroppedAndCountedAndFramesAtItPass() {
    // 1422 bytes of ICMP data: a 1450-byte IP packet, the segment's MTU: it passes.
    assertEquals(0, vm1.exec("ping", "-c", "2", "-W", "1", "-M", "do", "-s", "1422", "10.50.0.2"));
    long before = drops(BLUE_TUNNEL, DropReason.TX_MTU_EXCEEDED);
    assertTrue(vm1.exec("ping", "-c", "2", "-W", "1", "-M", "do", "-s", "1423", "10.50.0.2") != 0);
    assertEquals(2, drops(BLUE_TUNNEL, DropReason.TX_MTU_EXCEEDED) - before);
  }

  @Test
  void aBroadcastReachesTheLocalPortAndTheRemoteVtepInOneFlood() {
    // vm1's ARP request floods to vm3 and to the tunnel: one mbuf shared, the tunnel's a copy.
    assertEquals(0, vm1.exec("ip", "neigh", "flush", "all"));
    String seen =
        vm3.captureText(
            "arp", "", () -> assertTrue(vm1.ping("10.50.0.2", 2), "the remote VM answered ARP"));
    assertTrue(seen.contains("Request who-has 10.50.0.2 tell 10.50.0.1"), seen);
    assertTrue(vm3.ping("10.50.0.2", 1) || vm3.ping("10.50.0.2", 3), "vm3 reaches it too");
  }

  @Test
  void twoTenantsWithTheSameAddressesAndMacsAreIsolated() {
    assertTrue(vm2.ping("10.50.0.2", 1) || vm2.ping("10.50.0.2", 3), "green reaches its VM");
    // While blue pings, nothing reaches green's VM or green's remote VM, and the reverse.
    String greenLocal = vm2.captureText("icmp or arp", "", () -> vm1.ping("10.50.0.2", 4));
    assertEquals("", greenLocal, "blue's traffic at green's local VM");
    String greenRemote =
        capture(r2, "vxg", () -> assertTrue(vm1.ping("10.50.0.2", 4), "blue reaches its VM"));
    assertEquals("", greenRemote, "blue's traffic at green's remote VM");
    String blueRemote =
        capture(r1, "vxb", () -> assertTrue(vm2.ping("10.50.0.2", 4), "green reaches its VM"));
    assertEquals("", blueRemote, "green's traffic at blue's remote VM");
    assertTrue(counter(GREEN_TUNNEL, PortCounter.RX_PACKETS) >= 4);
    assertEquals(0, drops(2, DropReason.VXLAN_UNKNOWN_VNI));
  }

  @Test
  void aLiveChangeKeepsTheTunnelsASegmentsVniAndTheVtepsTtlChangeLiveItsPortWaits()
      throws Exception {
    Path changed = dir.resolve("changed.yaml");
    java.nio.file.Files.writeString(
        changed,
        config.replace(
            "  - {name: db,", "  - {name: spare, vlan: {mode: access, id: 300}}\n  - {name: db,"));
    Cli.Result applied = ctl("apply", changed.toString());
    assertEquals(0, applied.code(), applied.err());
    assertTrue(vm1.ping("10.50.0.2", 3), "the tunnels are in the republished tables");

    // A segment's VNI changes live: green's tunnel reopens on 5003, which the kernel's VTEP (on
    // 5002) does not take, so green stops while blue goes on; back to 5002, green is back.
    java.nio.file.Files.writeString(changed, config.replace("vni: 5002", "vni: 5003"));
    Cli.Result vni = ctl("apply", changed.toString());
    assertEquals(0, vni.code(), vni.err());
    assertTrue(!vm2.ping("10.50.0.2", 2), "green's remote VTEP is on VNI 5002");
    assertTrue(vm1.ping("10.50.0.2", 2), "blue untouched");
    java.nio.file.Files.writeString(changed, config);
    Cli.Result back = ctl("apply", changed.toString());
    assertEquals(0, back.code(), back.err());
    assertTrue(vm2.ping("10.50.0.2", 1) || vm2.ping("10.50.0.2", 3), "green back on VNI 5002");

    // The VTEP's TTL changes live (its tunnels reopened): captured on the kernel VTEP's side.
    java.nio.file.Files.writeString(
        changed, config.replace("address: 192.0.2.1/24}", "address: 192.0.2.1/24}\n  ttl: 9"));
    Cli.Result ttl = ctl("apply", changed.toString());
    assertEquals(0, ttl.code(), ttl.err());
    assertTrue(vm1.ping("10.50.0.2", 1) || vm1.ping("10.50.0.2", 3), "blue on the reopened tunnel");
    String wire = kv.captureText("udp port 4789", "-v", () -> vm1.ping("10.50.0.2", 3));
    List<String> seen = wire.lines().toList();
    int encapsulated = 0;
    for (int i = 1; i < seen.size(); i++) {
      if (seen.get(i).contains("192.0.2.1.") && seen.get(i).contains("> 192.0.2.2.4789")) {
        assertTrue(seen.get(i - 1).contains(" ttl 9,"), "outer TTL 9:\n" + wire);
        encapsulated++;
      }
    }
    assertTrue(encapsulated >= 3, "encapsulated requests on the wire:\n" + wire);

    // The VTEP port's MTU (the tunnels' less 50) waits for a restart, said in one line.
    java.nio.file.Files.writeString(
        changed, config.replace("port-group: underlay}", "port-group: underlay, mtu: 1600}"));
    Cli.Result refused = ctl("apply", changed.toString());
    assertTrue(refused.code() != 0, refused.out());
    assertTrue(refused.err().contains("restart only"), refused.err());
    assertEquals(1, refused.err().strip().lines().count(), refused.err());
    assertTrue(vm2.ping("10.50.0.2", 1) || vm2.ping("10.50.0.2", 3), "green still on VNI 5002");
  }

  /** ICMP seen on {@code device} in namespace {@code ns} while {@code traffic} runs. */
  private static String capture(String ns, String device, Runnable traffic) {
    try {
      Path pcap = java.nio.file.Files.createTempFile("vx", ".pcap");
      Process p =
          new ProcessBuilder(
                  "ip",
                  "netns",
                  "exec",
                  ns,
                  "tcpdump",
                  "-U",
                  "--immediate-mode",
                  "-n",
                  "-i",
                  device,
                  "-w",
                  pcap.toString(),
                  "icmp")
              .redirectErrorStream(true)
              .start();
      Thread.sleep(1000);
      traffic.run();
      Thread.sleep(500);
      p.destroy();
      p.waitFor();
      String text = in(ns, "tcpdump", "-n", "-r", pcap.toString());
      java.nio.file.Files.deleteIfExists(pcap);
      return text.lines().filter(l -> l.contains("ICMP")).reduce("", (a, b) -> a + b + "\n");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
