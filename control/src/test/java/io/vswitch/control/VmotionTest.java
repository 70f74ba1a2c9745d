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
import io.vswitch.control.testing.SharedSwitch;
import io.vswitch.control.testing.SwitchProcess;
import io.vswitch.control.testing.Underlay;
import io.vswitch.dataplane.testing.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * vMotion across two switch processes as two hosts of one distributed switch (a real etcd), their
 * VTEPs joined by an underlay veth pair, one VXLAN segment. VM a stays on host A, b on host B; VM m
 * moves: its port removed on one host ({@code vswitchctl del-port}) and added on the other with the
 * same name, MAC and port group (its veth is reattached: both processes run in one namespace).
 *
 * <pre>
 *   a 10.61.0.1, m 10.61.0.3 -- A, VTEP 192.0.2.21 == underlay == VTEP 192.0.2.22, B -- b 10.61.0.2
 * </pre>
 *
 * Each move: with m silent, the new host's RARP alone puts m's MAC behind the right port on both
 * hosts (nothing stale anywhere); then traffic to m resumes from both VMs. A move under a running
 * ping measures the gap (printed; bounded only generously). Hostile: two moves back and forth; a
 * RARP b forges for m's MAC is dropped by b's port (forged transmits rejected) and, not being a MAC
 * any host record lists for B, triggers no etcd cleanup; a clone of m's MAC added on B is reported
 * as a duplicate by A, which keeps m's MAC on port m, also after m's port changed VLAN live.
 */
class VmotionTest {
  private static final String SWITCH = "vmdvs";
  private static final String M_MAC = "02:00:00:61:00:03";
  private static final String M_IP = "10.61.0.3";
  private static final String VTEP_A = "192.0.2.21";
  private static final String VTEP_B = "192.0.2.22";

  /**
   * A RARP (request reverse) from argv[2] for argv[2], broadcast, sent argv[3] times on argv[1].
   */
  private static final String FORGE_RARP =
      """
      import socket, sys, time
      mac = bytes.fromhex(sys.argv[2].replace(":", ""))
      frame = b"\\xff" * 6 + mac + b"\\x80\\x35" + b"\\x00\\x01\\x08\\x00\\x06\\x04\\x00\\x03"
      frame += mac + b"\\x00" * 4 + mac + b"\\x00" * 4
      frame += b"\\x00" * (60 - len(frame))
      s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
      s.bind((sys.argv[1], 0))
      for _ in range(int(sys.argv[3])):
          s.send(frame)
          time.sleep(0.05)
      """;

  @TempDir Path dir;
  private OverlayLab lab;
  private EtcdServer etcd;

  @BeforeEach
  void open() {
    lab = new OverlayLab(dir, "vm");
  }

  @AfterEach
  void tearDown() {
    lab.close();
  }

  private SwitchProcess host(
      String name, String ports, String underlay, String local, String remote) {
    String config =
        """
        workers: {cores: [-1], idle: backoff}
        port-groups:
          - {name: web, vlan: {mode: access, id: 100}, security: {forged-transmits: reject}}
          - {name: web2, vlan: {mode: access, id: 200}}
          - {name: underlay, vlan: {mode: access, id: 1}}
        ports:
        %s
          - {name: up, type: afxdp, iface: %s, port-group: underlay}
        overlay:
          vtep: {port: up, address: %s/24}
          segments:
            - {name: blue, vni: 5002, port-groups: [web], remote-vteps: [%s]}
            - {name: green, vni: 5003, port-groups: [web2], remote-vteps: [%4$s]}
        etcd: {endpoints: ["%s"], switch: %s, host: host%s, lease-ttl: 5}
        """
            .formatted(ports, underlay, local, remote, etcd.endpoint(), SWITCH, name);
    return lab.start(name, config);
  }

  private static String vmPort(String name, NetnsHost vm, String mac) {
    return "  - {name: %s, type: afpacket, iface: %s, port-group: web, mac: \"%s\"}"
        .formatted(name, vm.switchInterface(), mac);
  }

  private Cli.Result ctl(String host, String... args) {
    return HostCli.ctl(dir.resolve(host), args);
  }

  /** Where host {@code host}'s FDB has m's MAC: the port names (empty: nowhere). */
  private List<String> portsOfM(String host) {
    return portsOf(host, M_MAC);
  }

  /** Where host {@code host}'s FDB has m's MAC in {@code vlan}: the port names. */
  private List<String> portsOfMIn(String host, int vlan) {
    return HostCli.fdbPorts(dir.resolve(host), M_MAC, vlan);
  }

  /** Where host {@code host}'s FDB has {@code mac}: the port names (empty: nowhere). */
  private List<String> portsOf(String host, String mac) {
    return HostCli.fdbPorts(dir.resolve(host), mac);
  }

  /** B takes VM {@code c}, a clone of m's MAC, as port {@code clone} in {@code portGroup}. */
  private void addClone(NetnsHost c, String portGroup) {
    Cli.Result clone =
        ctl(
            "B",
            "add-port",
            "clone",
            "--type",
            "afpacket",
            "--iface",
            c.switchInterface(),
            "--port-group",
            portGroup,
            "--mac",
            M_MAC);
    assertEquals(0, clone.code(), clone.err() + clone.out());
  }

  private JsonNode hostRecords() {
    return new SharedSwitch(etcd, SWITCH, dir).hosts();
  }

  private boolean recordLists(String host, String mac) {
    for (JsonNode p : hostRecords().path(host).path("ports")) {
      if (p.path("mac").asText().equalsIgnoreCase(mac)) {
        return true;
      }
    }
    return false;
  }

  private static final Map<String, String> TUNNEL_TO =
      Map.of("A", "vxlan.blue." + VTEP_A, "B", "vxlan.blue." + VTEP_B);

  /**
   * Moves m from host {@code from} to {@code to}; returns the milliseconds from add-port's return
   * until both hosts' FDBs have m's MAC where it now is (m silent meanwhile).
   */
  private long move(NetnsHost m, String from, String to, SwitchProcess swFrom, SwitchProcess swTo) {
    Cli.Result del = ctl(from, "del-port", "m");
    assertEquals(0, del.code(), del.err() + del.out());
    Cli.Result add =
        ctl(
            to,
            "add-port",
            "m",
            "--type",
            "afpacket",
            "--iface",
            m.switchInterface(),
            "--port-group",
            "web",
            "--mac",
            M_MAC);
    assertEquals(0, add.code(), add.err() + add.out());
    long added = System.nanoTime();
    String tunnelToNew = TUNNEL_TO.get(to);
    Await.until(
        "m's MAC on port m of host "
            + to
            + " and behind "
            + tunnelToNew
            + " on host "
            + from
            + " (the RARP), nothing stale:\n"
            + swFrom.output()
            + "\n"
            + swTo.output(),
        Duration.ofSeconds(3),
        () -> portsOfM(to).equals(List.of("m")) && portsOfM(from).equals(List.of(tunnelToNew)));
    return (System.nanoTime() - added) / 1_000_000;
  }

  /** Both hosts, a second later: still nothing stale (the etcd cleanup removed nothing right). */
  private void assertSettled(String at, String other) {
    List<String> here = portsOfM(at);
    List<String> there = portsOfM(other);
    assertTrue(here.isEmpty() || here.equals(List.of("m")), "host " + at + ": " + here);
    assertTrue(
        there.isEmpty() || there.equals(List.of(TUNNEL_TO.get(at))),
        "host " + other + ": " + there);
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aVmMovesBetweenHostsAndBackTwiceWithItsMacPolicyAndNoStaleFdbEntry() throws Exception {
    etcd = lab.startEtcd(23800, 23809);
    Underlay underlay = lab.underlay();
    String underlayA = underlay.a();
    String underlayB = underlay.b();
    NetnsHost a = lab.vm("a", "10.61.0.1/24", "02:00:00:61:00:01");
    NetnsHost b = lab.vm("b", "10.61.0.2/24", "02:00:00:61:00:02");
    NetnsHost m = lab.vm("m", M_IP + "/24", M_MAC);
    // The clone of m that B takes later; made now, so its fanout group is known before traffic.
    NetnsHost c = lab.vm("c", "10.61.0.9/24", M_MAC);
    SwitchProcess swA =
        host(
            "A",
            vmPort("a", a, "02:00:00:61:00:01") + "\n" + vmPort("m", m, M_MAC),
            underlayA,
            VTEP_A,
            VTEP_B);
    SwitchProcess swB = host("B", vmPort("b", b, "02:00:00:61:00:02"), underlayB, VTEP_B, VTEP_A);
    swA.awaitRunning();
    swB.awaitRunning();
    lab.separateFanoutGroups(swA, List.of(a, m), swB, List.of(b, m, c));
    Await.until(
        "a to reach b and m:\n" + swA.output() + "\n" + swB.output(),
        Duration.ofSeconds(60),
        () -> a.ping("10.61.0.2", 1) && a.ping(M_IP, 1) && b.ping(M_IP, 1));
    Await.until(
        "both hosts in etcd, A listing m with its VTEP: " + hostRecords(),
        Duration.ofSeconds(10),
        () ->
            recordLists("hostA", M_MAC)
                && VTEP_B.equals(
                    hostRecords().path("hostB").path("mobility").path("vtep").asText()));
    assertTrue(swA.output().contains("vswitch: announced " + M_MAC + " on port m"), swA.output());
    assertEquals(List.of("m"), portsOfM("A"));
    assertEquals(List.of(TUNNEL_TO.get("A")), portsOfM("B"), "B learned m behind A's VTEP");

    // Move 1, A -> B, m silent: only the RARP B sends can move the FDB entries.
    long settle1 = move(m, "A", "B", swA, swB);
    assertTrue(b.ping(M_IP, 3), "b to m, now local on B");
    assertTrue(a.ping(M_IP, 3), "a to m, now behind B's VTEP");
    Await.until(
        "B's record to list m, A's not",
        Duration.ofSeconds(5),
        () -> recordLists("hostB", M_MAC) && !recordLists("hostA", M_MAC));
    Thread.sleep(1500); // the etcd round (a second each way) has passed: it removed nothing right
    assertSettled("B", "A");
    String show = ctl("B", "--json", "show").out();
    assertTrue(show.contains("\"name\":\"m\"") || show.contains("\"name\" : \"m\""), show);

    // Move 2, B -> A, under a ping from b every 100 ms: the gap is what b loses.
    CompletableFuture<String> pinging =
        CompletableFuture.supplyAsync(
            () -> b.output("ping", "-c", "60", "-i", "0.1", "-W", "1", M_IP));
    Thread.sleep(1000);
    long start = System.nanoTime();
    long settle2 = move(m, "B", "A", swB, swA);
    long moveMs = (System.nanoTime() - start) / 1_000_000;
    int[] counts = NetnsHost.pingCounts(pinging.get());
    int lost = counts[0] - counts[1];
    System.out.printf(
        "vmotion: move B->A (del-port + add-port + FDBs right) %d ms; FDBs right %d ms after"
            + " add-port; a 10/s ping lost %d of %d (gap ~%d ms); move 1 settled in %d ms%n",
        moveMs, settle2, lost, counts[0], lost * 100, settle1);
    assertTrue(lost * 100 < 3000, "gap " + lost * 100 + " ms: " + counts[0] + "/" + counts[1]);
    assertTrue(counts[1] > 0);
    assertTrue(a.ping(M_IP, 2) && b.ping(M_IP, 2), "m reachable on A again");

    // Moves 3 and 4: back to B and home to A again.
    // and a, on the old host, sees each of B's RARPs for m come out of the tunnel: the schedule's
    // count, with m's MAC as source and target (RFC 903 request reverse).
    String rarps =
        a.captureText(
            "ether proto 0x8035",
            "-e",
            () -> {
              move(m, "A", "B", swA, swB);
              sleep(1500); // the last RARP goes 1 s after the port appeared
            });
    assertEquals(
        RarpAnnouncer.SCHEDULE_MS.length,
        rarps
            .lines()
            .filter(
                l -> l.contains(M_MAC + " > ff:ff:ff:ff:ff:ff") && l.contains("Reverse Request"))
            .count(),
        rarps);
    assertEquals(RarpAnnouncer.SCHEDULE_MS.length, rarps.lines().count(), rarps);
    assertTrue(a.ping(M_IP, 2) && b.ping(M_IP, 2), "m reachable on B (second time)");
    move(m, "B", "A", swB, swA);
    assertTrue(a.ping(M_IP, 2) && b.ping(M_IP, 2), "m reachable on A (second time)");
    Await.until(
        "A's record to list m again, B's not",
        Duration.ofSeconds(5),
        () -> recordLists("hostA", M_MAC) && !recordLists("hostB", M_MAC));
    Thread.sleep(1500);
    assertSettled("A", "B");

    // Hostile: b forges RARPs for m's MAC. Its port rejects forged transmits, so they never leave
    // B, and B's record lists no such MAC: no host drops m's entry for it.
    String beforeForge = swA.output();
    long forgedDrops = swB.drops(0, io.vswitch.dataplane.stats.DropReason.FORGED_TRANSMIT);
    b.exec("python3", "-c", FORGE_RARP, "vh" + lab.tag("b"), M_MAC, "5");
    Thread.sleep(2500);
    assertEquals(List.of("m"), portsOfM("A"), "the forged RARP moved nothing on A");
    assertEquals(List.of(TUNNEL_TO.get("A")), portsOfM("B"), "nor on B");
    assertFalse(recordLists("hostB", M_MAC), "B's record does not trust the MAC b sent");
    assertFalse(
        swA.output().substring(beforeForge.length()).contains("mobility: " + M_MAC), swA.output());
    assertTrue(
        swB.drops(0, io.vswitch.dataplane.stats.DropReason.FORGED_TRANSMIT) >= forgedDrops + 5,
        "b's port dropped the forgeries");
    assertTrue(a.ping(M_IP, 2), "m still reached on A");

    // Hostile: a clone of m's MAC on B while m is still on A: A reports the duplicate.
    addClone(c, "web");
    Await.until(
        "A to report m's MAC on two hosts:\n" + swA.output(),
        Duration.ofSeconds(5),
        () -> swA.output().contains("mobility: " + M_MAC + " is on host hostB (port clone)"));
    // The clone's RARPs came through the tunnel and moved A's entry for m behind it; A takes it
    // back (m's port is here, and m itself says nothing meanwhile), so a's frames for m still go
    // to m and not to the clone on B.
    Await.until(
        () -> "A to keep m's MAC on port m (FDB: " + portsOfM("A") + "):\n" + swA.output(),
        Duration.ofSeconds(3),
        () -> swA.output().contains("kept on port m") && portsOfM("A").equals(List.of("m")));
    assertEquals(0, ctl("B", "del-port", "clone").code());
    // The same after m's port changed VLAN live: A keeps m's MAC on port m in the VLAN the port is
    // in now (web2's 200), not in the one it was announced in.
    assertEquals(0, ctl("A", "set-port-group", "m", "web2").code());
    addClone(c, "web2");
    Await.until(
        "B to announce the clone in VLAN 200:\n" + swB.output(),
        Duration.ofSeconds(5),
        () -> swB.output().contains("announced " + M_MAC + " on port clone (vlan 200)"));
    sleep(1200); // the clone's last RARP goes 1 s after its port appeared
    assertEquals(List.of("m"), portsOfMIn("A", 200), "A keeps m's MAC on port m in VLAN 200");
    assertEquals(0, ctl("B", "del-port", "clone").code());
    assertEquals(0, ctl("A", "set-port-group", "m", "web").code());
    assertTrue(m.ping("10.61.0.1", 2), "m speaks");
    assertTrue(a.ping(M_IP, 2) && b.ping(M_IP, 2), "m reachable after the clone went");

    // The etcd path alone (as if every RARP were lost): a record of a host C appears, listing a's
    // MAC behind C's VTEP. B drops its entry for it (behind the tunnel to A, not to C) before any
    // frame says so; A, where a is configured, keeps its entry and reports the duplicate.
    String aMac = "02:00:00:61:00:01";
    assertTrue(a.ping("10.61.0.2", 1));
    assertEquals(List.of(TUNNEL_TO.get("A")), portsOf("B", aMac));
    try (io.vswitch.control.distributed.EtcdStore store =
        new io.vswitch.control.distributed.EtcdStore(List.of(etcd.endpoint()))) {
      long lease = store.grant(30);
      store.put(
          io.vswitch.control.distributed.EtcdStore.hostsPrefix(SWITCH) + "hostC",
          "{\"host\":\"hostC\",\"ports\":[{\"name\":\"a\",\"mac\":\""
              + aMac
              + "\",\"port-group\":\"web\"}],\"mobility\":{\"vtep\":\"192.0.2.99\"}}",
          lease);
      Await.until(
          "B to drop a's entry behind A's tunnel:\n" + swB.output(),
          Duration.ofSeconds(5),
          () -> portsOf("B", aMac).isEmpty());
      assertTrue(
          swB.output().contains("mobility: " + aMac + " moved to host hostC (port a): removed its"),
          swB.output());
      Await.until(
          "A to report a's MAC on two hosts:\n" + swA.output(),
          Duration.ofSeconds(5),
          () -> swA.output().contains("mobility: " + aMac + " is on host hostC (port a)"));
      assertEquals(List.of("a"), portsOf("A", aMac), "A keeps the entry of its own port");
      store.revoke(lease); // host C gone
    }
    assertTrue(b.ping("10.61.0.1", 2), "b reaches a again (flooded, then learned)");
    assertEquals(List.of(TUNNEL_TO.get("A")), portsOf("B", aMac));
    assertTrue(swA.errorLines().isEmpty(), swA.output());
    assertTrue(swB.errorLines().isEmpty(), swB.output());
  }
}
