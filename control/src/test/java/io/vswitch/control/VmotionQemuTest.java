package io.vswitch.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vswitch.control.testing.Cli;
import io.vswitch.control.testing.EtcdServer;
import io.vswitch.control.testing.HostCli;
import io.vswitch.control.testing.NetnsHost;
import io.vswitch.control.testing.OverlayLab;
import io.vswitch.control.testing.QemuGuest;
import io.vswitch.control.testing.SwitchProcess;
import io.vswitch.control.testing.TcpPeers;
import io.vswitch.control.testing.Underlay;
import io.vswitch.dataplane.testing.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * vMotion as QEMU does it: a real guest on a vhost-user port of host A is live-migrated (QEMU's
 * {@code migrate}) to a second QEMU started with {@code -incoming} on a vhost-user port of host B,
 * in ESXi's order: B's port is made, and the destination QEMU attached to it, before the
 * switch-over, and A lets go of its port after it. The guest pings a peer on A once a second
 * throughout.
 *
 * <pre>
 *   s 10.63.0.1 -- A, VTEP 192.0.2.41 == underlay == VTEP 192.0.2.42, B
 *   guest 10.63.0.2: QEMU on A's port vm, migrated to QEMU on B's port vm
 * </pre>
 *
 * The guest's port admits only connections it opens (a stateful ACL each way), and the guest keeps
 * a TCP stream to s open from boot on; s pings the guest across the migration. What it checks: B
 * announces the guest's MAC only once the guest runs there (its vhost-user link comes up at the
 * switch-over, not when QEMU attaches), the guest's pings and its stream go on through B (B
 * imported the stream's state from A's answer to its claim, before the switch-over, and takes its
 * windows up from the stream's packets), A has the MAC behind the tunnel to B while its own port
 * for the guest still exists, and nothing is left stale once A removed the port.
 */
class VmotionQemuTest {
  private static final String SWITCH = "vqdvs";
  private static final String GUEST_MAC = "52:54:00:76:6d:01"; // QemuGuest's
  private static final String GUEST_IP = "10.63.0.2";
  private static final String S_IP = "10.63.0.1";
  private static final String VTEP_A = "192.0.2.41";
  private static final String VTEP_B = "192.0.2.42";
  private static final Duration BOOT = Duration.ofSeconds(180);

  @TempDir Path dir;
  private OverlayLab lab;

  @BeforeEach
  void open() {
    lab = new OverlayLab(dir, "vq");
  }

  @AfterEach
  void tearDown() {
    lab.close();
  }

  private SwitchProcess host(
      String name, String ports, String underlay, String local, String remote, String etcd) {
    String config =
        """
        workers: {cores: [-1], idle: backoff}
        conntrack: {capacity: 4096}
        acls:
          - name: vm-out
            default: deny
            rules:
              - {priority: 10, action: allow, ct-state: [established, related]}
              - {priority: 20, action: allow, ct-state: [new]}
              - {priority: 30, action: allow, ether-type: arp}
          - name: vm-in
            default: deny
            rules:
              - {priority: 10, action: allow, ct-state: [established, related]}
              - {priority: 20, action: allow, protocol: icmp}
              - {priority: 30, action: allow, ether-type: arp}
        port-groups:
          - {name: web, vlan: {mode: access, id: 100}}
          - name: guarded
            vlan: {mode: access, id: 100}
            acl: {ingress: vm-out, egress: vm-in}
          - {name: underlay, vlan: {mode: access, id: 1}}
        ports:
        %s
          - {name: up, type: afxdp, iface: %s, port-group: underlay}
        overlay:
          vtep: {port: up, address: %s/24}
          segments:
            - {name: blue, vni: 5004, port-groups: [web, guarded], remote-vteps: [%s]}
        etcd: {endpoints: ["%s"], switch: %s, host: host%s, lease-ttl: 5}
        """
            .formatted(ports, underlay, local, remote, etcd, SWITCH, name);
    return lab.start(name, config);
  }

  private Cli.Result ctl(String host, String... args) {
    return HostCli.ctl(dir.resolve(host), args);
  }

  /** Where host {@code host}'s FDB has the guest's MAC: the port names. */
  private List<String> portsOfGuest(String host) {
    return HostCli.fdbPorts(dir.resolve(host), GUEST_MAC);
  }

  /** Host {@code host}'s listed connection of the guest's stream (to s's port 5001), or null. */
  private JsonNode stream(String host) {
    Cli.Result r = ctl(host, "--json", "conntrack", "list");
    assertEquals(0, r.code(), r.err());
    for (JsonNode c : HostCli.tree(r.out()).path("connections")) {
      if (c.path("src").asText().equals(GUEST_IP) && c.path("dst-port").asInt() == 5001) {
        return c;
      }
    }
    return null;
  }

  /** The packets host {@code host} has seen of the guest's stream, the guest's way (-1: none). */
  private long sent(String host) {
    JsonNode c = stream(host);
    return c == null ? -1 : c.path("packets").get(0).asLong();
  }

  @Test
  void aQemuGuestLiveMigratedInEsxisOrderPingsOnThroughTheNewHost() throws Exception {
    Assumptions.assumeTrue(
        QemuGuest.available(),
        "needs qemu-system-x86_64 (scripts/install-deps.sh installs qemu-system-x86)");
    QemuGuest.buildImage(); // before the clock of any wait starts: a fresh machine downloads
    EtcdServer etcd = lab.startEtcd(23840, 23849);
    Underlay underlay = lab.underlay();
    NetnsHost s = lab.vm("s", S_IP + "/24", "02:00:00:63:00:01");
    Path socketA = dir.resolve("vm-a.sock");
    // A live add-port's socket must be in the daemon's socket directory.
    Path socketB = dir.resolve("B").resolve("state").resolve("sockets").resolve("vm.sock");
    String ports =
        """
          - {name: s, type: afpacket, iface: %s, port-group: web}
          - {name: vm, type: vhost-user, socket: %s, port-group: guarded, mac: "%s", \
        addresses: [%s]}
        """
            .formatted(s.switchInterface(), socketA, GUEST_MAC, GUEST_IP)
            .stripTrailing();
    SwitchProcess swA = host("A", ports, underlay.a(), VTEP_A, VTEP_B, etcd.endpoint());
    SwitchProcess swB = host("B", "", underlay.b(), VTEP_B, VTEP_A, etcd.endpoint());
    swA.awaitRunning();
    swB.awaitRunning();
    String uri = "tcp:127.0.0.1:" + (24400 + ProcessHandle.current().pid() % 500);
    s.background("python3", "-c", TcpPeers.DISCARD_SERVER, S_IP, "5001");
    String stream = "vsw.stream=" + S_IP + ":5001";
    QemuGuest source =
        QemuGuest.startWithMonitor(dir, "source", socketA, GUEST_IP + "/24", S_IP, null, stream);
    QemuGuest destination = null;
    try {
      source.awaitLine(0, "vsw-guest: eth0 up", BOOT);
      source.awaitPingsOk(0, 3, Duration.ofSeconds(90));
      Await.until(
          () ->
              "the guest's stream through A: "
                  + stream("A")
                  + "\n"
                  + ctl("A", "counters").out()
                  + ctl("A", "--json", "conntrack", "list").out()
                  + "\n"
                  + swA.output()
                  + source.console(),
          Duration.ofSeconds(30),
          () -> sent("A") >= 1000);

      // ESXi's order: the destination's port first, and the destination QEMU attached to it.
      Cli.Result add =
          ctl(
              "B",
              "add-port",
              "vm",
              "--type",
              "vhost-user",
              "--socket",
              socketB.toString(),
              "--port-group",
              "guarded",
              "--mac",
              GUEST_MAC,
              "--address",
              GUEST_IP);
      assertEquals(0, add.code(), add.err() + add.out());
      destination =
          QemuGuest.startWithMonitor(
              dir, "destination", socketB, GUEST_IP + "/24", S_IP, uri, stream);
      Await.until(
          () -> "B to import A's answer to its claim (the stream):\n" + swA.output() + swB.output(),
          Duration.ofSeconds(10),
          () -> stream("B") != null);
      destination.monitor("info status"); // QEMU is up and waiting for the migration
      Thread.sleep(1500); // time for a RARP that should not come
      assertFalse(
          swB.output().contains("announced " + GUEST_MAC),
          "B announced the guest before it ran there:\n" + swB.output());
      assertEquals(List.of("vm"), portsOfGuest("A"), "A still has the guest on its port");

      // s pings the guest 10 times a second across the migration: what it loses is the gap. (Judged
      // from outside: the guest's serial console is not needed after the switch-over.)
      CompletableFuture<String> pinging =
          CompletableFuture.supplyAsync(
              () -> s.output("ping", "-c", "150", "-i", "0.1", "-W", "1", GUEST_IP));
      Thread.sleep(1000);
      long migrated = System.nanoTime();
      String info = source.migrateTo(destination, uri, Duration.ofSeconds(180));
      long migrationMs = (System.nanoTime() - migrated) / 1_000_000;
      Await.until(
          () -> "B to announce the guest once it runs there:\n" + swB.output(),
          Duration.ofSeconds(10),
          () -> swB.output().contains("announced " + GUEST_MAC + " on port vm"));
      QemuGuest running = destination;
      Await.until(
          () ->
              "s to reach the guest through B (QEMU alive: "
                  + running.isAlive()
                  + ", "
                  + running.monitor("info status").strip()
                  + "):\n"
                  + ctl("B", "counters").out()
                  + swB.output()
                  + running.qemuLog(),
          Duration.ofSeconds(60),
          () -> s.ping(GUEST_IP, 1));
      assertEquals(
          List.of("vxlan.blue." + VTEP_B),
          portsOfGuest("A"),
          "A has the guest behind the tunnel to B while its port vm still exists");
      // The guest's TCP stream goes on through B, under the state A answered with.
      long atSwitchOver = sent("B");
      Await.until(
          () -> "the guest's stream through B: " + stream("B") + "\n" + swB.output(),
          Duration.ofSeconds(20),
          () -> sent("B") - atSwitchOver >= 500);

      String pings = pinging.get();
      int[] counts = NetnsHost.pingCounts(pings);
      int lost = counts[0] - counts[1];
      System.out.printf(
          "vmotion-qemu: migration (migrate -d to completed) %d ms; s's 10/s ping to the guest lost"
              + " %d of %d (gap ~%d ms); %s%n",
          migrationMs,
          lost,
          counts[0],
          lost * 100,
          info.lines()
              .filter(l -> l.startsWith("downtime") || l.startsWith("total time"))
              .toList());
      assertTrue(lost * 100 < 3000, "gap " + lost * 100 + " ms:\n" + pings);

      assertEquals(0, ctl("A", "del-port", "vm").code());
      assertTrue(s.ping(GUEST_IP, 3), "s reaches the guest once A let go");
      assertEquals(List.of("vm"), portsOfGuest("B"));
      assertEquals(List.of("vxlan.blue." + VTEP_B), portsOfGuest("A"));
      long afterLetGo = sent("B");
      Await.until(
          () -> "the stream through B once A let go: " + stream("B"),
          Duration.ofSeconds(20),
          () -> sent("B") - afterLetGo >= 500);
      assertFalse(
          source.console().contains("stream ended") || destination.console().contains("ended"),
          "the guest's stream never broke:\n" + destination.console());
      System.out.printf(
          "vmotion-qemu: the guest's TCP stream: %d packets counted in the state B imported, %d"
              + " more through B since%n",
          atSwitchOver, sent("B") - atSwitchOver);
      assertTrue(swA.errorLines().isEmpty(), swA.output());
      assertTrue(swB.errorLines().isEmpty(), swB.output());
    } finally {
      source.kill();
      if (destination != null) {
        destination.kill();
      }
    }
  }
}
