package io.vswitch.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vswitch.control.distributed.CtRecord;
import io.vswitch.control.distributed.EtcdStore;
import io.vswitch.control.testing.Cli;
import io.vswitch.control.testing.Commands;
import io.vswitch.control.testing.EtcdServer;
import io.vswitch.control.testing.HostCli;
import io.vswitch.control.testing.NetnsHost;
import io.vswitch.control.testing.OverlayLab;
import io.vswitch.control.testing.SwitchProcess;
import io.vswitch.control.testing.TcpPeers;
import io.vswitch.control.testing.Underlay;
import io.vswitch.dataplane.conntrack.CtEntryView;
import io.vswitch.dataplane.l2.MacAddress;
import io.vswitch.dataplane.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * vMotion with connection state: VM m's port admits only connections m opens (and their replies):
 * its ingress ACL allows new and established, its egress ACL only established/related. m holds a
 * kernel TCP connection (default offloads) to server s on host A, a line each way every 50 ms,
 * while m moves to host B and back. Without its connection state on the new host every segment of
 * that connection would be judged INVALID there and the connection would die; with it, it goes on,
 * the new host lists it ESTABLISHED on m's port, and a new connection from s to m is still refused.
 *
 * <pre>
 *   s 10.62.0.1, m 10.62.0.3 -- A, VTEP 192.0.2.31 == underlay == VTEP 192.0.2.32, B (m moves here)
 * </pre>
 *
 * Hostile: records forged in etcd for another arriving port (no lease, too big, stale, connections
 * not of that VM) are refused and counted, importing nothing; the way back is done with the old
 * host killed (-9) right after its export: the record lives on under its own lease and the new host
 * imports it.
 */
class VmotionConntrackTest {
  private static final String SWITCH = "ctmdvs";
  private static final String S_IP = "10.62.0.1";
  private static final String M_IP = "10.62.0.3";
  private static final String M_MAC = "02:00:00:62:00:03";
  private static final String X_MAC = "02:00:00:62:00:09";
  private static final String VTEP_A = "192.0.2.31";
  private static final String VTEP_B = "192.0.2.32";
  private static final int CLIENT_PORT = 41234;

  /** Accepts (and closes) connections on argv[1]:argv[2]. */
  private static final String LISTENER =
      """
      import socket, sys
      srv = socket.socket()
      srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
      srv.bind((sys.argv[1], int(sys.argv[2])))
      srv.listen(16)
      while True:
          srv.accept()[0].close()
      """;

  @TempDir Path dir;
  private OverlayLab lab;
  private EtcdServer etcd;

  @BeforeEach
  void open() {
    lab = new OverlayLab(dir, "ctm");
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
            - {name: blue, vni: 5003, port-groups: [web, guarded], remote-vteps: [%s]}
        etcd: {endpoints: ["%s"], switch: %s, host: host%s, lease-ttl: 5}
        """
            .formatted(ports, underlay, local, remote, etcd.endpoint(), SWITCH, name);
    return lab.start(name, config);
  }

  private Cli.Result ctl(String host, String... args) {
    return HostCli.ctl(dir.resolve(host), args);
  }

  private long metric(String host, String name) {
    return HostCli.metric(dir.resolve(host), name);
  }

  /** Host {@code host}'s listed connection from m's client port, or null. */
  private JsonNode session(String host) {
    return session(host, CLIENT_PORT);
  }

  /** Host {@code host}'s listed connection from m's port {@code clientPort}, or null. */
  private JsonNode session(String host, int clientPort) {
    Cli.Result r = ctl(host, "--json", "conntrack", "list");
    assertEquals(0, r.code(), r.err());
    for (JsonNode c : HostCli.tree(r.out()).path("connections")) {
      if (c.path("src").asText().equals(M_IP) && c.path("src-port").asInt() == clientPort) {
        return c;
      }
    }
    return null;
  }

  /** The packets host {@code host} has seen of m's connection from {@code clientPort}, m's way. */
  private long sent(String host, int clientPort) {
    JsonNode c = session(host, clientPort);
    return c == null ? -1 : c.path("packets").get(0).asLong();
  }

  /**
   * Runs TcpPeers client {@code script} in {@code m} to s's port {@code serverPort} from {@code
   * clientPort} until file {@code stop} exists; completes with what it printed.
   */
  private static CompletableFuture<String> client(
      NetnsHost m, String script, int serverPort, int clientPort, Path stop) {
    return CompletableFuture.supplyAsync(
        () ->
            m.output(
                    "python3",
                    "-c",
                    script,
                    S_IP,
                    "" + serverPort,
                    "" + clientPort,
                    stop.toString())
                .strip());
  }

  private void addM(String host, NetnsHost m) {
    Cli.Result add =
        ctl(
            host,
            "add-port",
            "m",
            "--type",
            "afpacket",
            "--iface",
            m.switchInterface(),
            "--port-group",
            "guarded",
            "--mac",
            M_MAC,
            "--address",
            M_IP);
    assertEquals(0, add.code(), add.err() + add.out());
  }

  /**
   * What a stalled session's failure shows besides the outputs: the host's non-zero drop counters
   * and FDB, m's TSO (on while no switch's XDP program holds its veth) and whether one does, both
   * ends' TCP sockets (who is retransmitting) and m's veth counters on both sides.
   */
  private String stallEvidence(String host, NetnsHost m, NetnsHost s) {
    Cli.Result metrics = ctl(host, "metrics");
    String drops =
        metrics
            .out()
            .lines()
            .filter(l -> l.contains("drop") && !l.startsWith("#"))
            .filter(l -> !l.endsWith(" 0"))
            .reduce("", (a, l) -> a + "  " + l + "\n");
    return "host "
        + host
        + " drops:\n"
        + drops
        + "m's TSO: "
        + m.offload("tcp-segmentation-offload")
        + ", XDP on m's veth: "
        + m.switchSideHasXdp()
        + "\nhost "
        + host
        + " FDB:\n"
        + ctl(host, "dump-fdb").out()
        + "m's sockets:\n"
        + m.output("ss", "-tin")
        + "s's sockets:\n"
        + s.output("ss", "-tin")
        + "m's links:\n"
        + m.output("ip", "-s", "-s", "link")
        + "m's veth, switch side:\n"
        + Commands.output("ip", "-s", "-s", "link", "show", "dev", m.switchInterface());
  }

  /** The session is listed on {@code host}, established, on port m, and its packets go on. */
  private void assertSessionGoesOn(String host, SwitchProcess sw, NetnsHost m, NetnsHost s) {
    Await.until(
        () ->
            "host "
                + host
                + " to list m's session established on port m:\n"
                + sw.output()
                + lab.othersOutput(sw),
        Duration.ofSeconds(10),
        () -> {
          JsonNode c = session(host);
          return c != null
              && c.path("state").asText().equals("ESTABLISHED")
              && c.path("port").asText().equals("m")
              && c.path("zone").asInt() == 100;
        });
    // Segments lost meanwhile put TCP into its retransmission backoff, which doubles from 200 ms
    // with every loss in a row (four make 3.2 s): give it time.
    long before = session(host).path("packets").get(0).asLong();
    Await.until(
        () ->
            "m's session to move on through host "
                + host
                + " (from "
                + before
                + " packets, now "
                + session(host)
                + "):\n"
                + stallEvidence(host, m, s)
                + sw.output()
                + lab.othersOutput(sw),
        Duration.ofSeconds(20),
        () -> {
          JsonNode c = session(host);
          return c != null && c.path("packets").get(0).asLong() - before >= 10;
        });
  }

  private String probeM(NetnsHost s) {
    return s.output("python3", "-c", TcpPeers.PROBE, M_IP, "6000").strip();
  }

  @Test
  void anEstablishedConnectionMovesWithItsVmAndNewInboundOnesStayRefused() throws Exception {
    etcd = lab.startEtcd(23830, 23839);
    Underlay underlay = lab.underlay();
    String underlayA = underlay.a();
    String underlayB = underlay.b();
    NetnsHost s = lab.vm("s", S_IP + "/24", "02:00:00:62:00:01");
    NetnsHost m = lab.vm("m", M_IP + "/24", M_MAC);
    NetnsHost x = lab.vm("x", "10.62.0.9/24", X_MAC);
    String sPort =
        "  - {name: s, type: afpacket, iface: %s, port-group: web}".formatted(s.switchInterface());
    String mPort =
        "  - {name: m, type: afpacket, iface: %s, port-group: guarded, mac: \"%s\", addresses: [%s]}"
            .formatted(m.switchInterface(), M_MAC, M_IP);
    SwitchProcess swA = host("A", sPort + "\n" + mPort, underlayA, VTEP_A, VTEP_B);
    SwitchProcess swB = host("B", "", underlayB, VTEP_B, VTEP_A);
    swA.awaitRunning();
    swB.awaitRunning();
    lab.separateFanoutGroups(swA, List.of(s, m), swB, List.of(m, x));
    Await.until("m to reach s:\n" + swA.output(), Duration.ofSeconds(30), () -> m.ping(S_IP, 1));
    s.background("python3", "-c", TcpPeers.ECHO_SERVER, S_IP, "5000");
    m.background("python3", "-c", LISTENER, M_IP, "6000");
    Path stop = dir.resolve("stop");
    CompletableFuture<String> client = client(m, TcpPeers.SESSION, 5000, CLIENT_PORT, stop);
    try {
      assertSessionGoesOn("A", swA, m, s);
      assertEquals("timeout", probeM(s), "A: a connection s opens to m is refused");

      // The move, A -> B: the session's state goes with m.
      assertEquals(0, ctl("A", "del-port", "m").code());
      addM("B", m);
      assertSessionGoesOn("B", swB, m, s);
      assertTrue(
          swB.output()
              .matches(
                  "(?s).*vswitch: vmotion: connections of "
                      + M_MAC
                      + " from host hostA, port m: \\d+ of \\d+ imported into zone 100.*"),
          swB.output());
      assertTrue(metric("A", "vswitch_vmotion_conntrack_exported_total") >= 1);
      assertTrue(metric("B", "vswitch_vmotion_conntrack_imported_total") >= 1);
      assertEquals(1, metric("B", "vswitch_vmotion_announcements_total"), "m announced on B");
      // Its RARPs out of the one tunnel, the last one 1 s after the port appeared.
      HostCli.awaitMetric(
          dir.resolve("B"),
          "vswitch_vmotion_rarp_frames_total",
          io.vswitch.control.RarpAnnouncer.SCHEDULE_MS.length,
          swB);
      assertEquals("timeout", probeM(s), "B: a connection s opens to m is still refused");
      assertTrue(session("B") != null, "and the refused one did not disturb the session");

      hostileRecords(swB, x);

      // Move 2, B -> A the other way round, as ESXi orders it: the destination's port is added
      // while the source still has it; the state follows when the source lets go.
      // A claims m's connections; B answers with them at once, its port staying. (Here both
      // switches share m's veth meanwhile, which its XDP hook does not allow: the traffic goes
      // through A only once B lets go.)
      addM("A", m);
      Await.until(
          "B to answer A's claim:\n" + swB.output(),
          Duration.ofSeconds(5),
          () -> swB.output().contains("of " + M_MAC + " (port m, claimed by host hostA)"));
      Await.until(
          "A to import B's answer:\n" + swA.output(),
          Duration.ofSeconds(5),
          () -> session("A") != null);
      assertEquals(0, ctl("B", "del-port", "m").code());
      assertSessionGoesOn("A", swA, m, s);
      assertTrue(
          swA.output().contains("vswitch: vmotion: connections of " + M_MAC + " from host hostB"),
          swA.output());
      // A's port found B's XDP program on the veth and takes the veth over (its next duty run,
      // within a second) once B let go: without it the peer's TSO comes back and m's larger
      // segments arrive as GSO frames A cannot read.
      Await.until(
          () -> "A to attach its XDP program to m's veth once B let go:\n" + swA.output(),
          Duration.ofSeconds(5),
          () ->
              swA.output()
                  .contains(
                      "port 'm': XDP_PASS attached to veth "
                          + m.switchInterface()
                          + " now that the other program has gone"));

      // Move 3, A -> B once more; then move 4, the way back with B killed right after its
      // export: the record outlives B.
      assertEquals(0, ctl("A", "del-port", "m").code());
      addM("B", m);
      assertSessionGoesOn("B", swB, m, s);
      String key = CtRecord.key(SWITCH, MacAddress.parse(M_MAC));
      try (EtcdStore store = new EtcdStore(List.of(etcd.endpoint()))) {
        assertEquals(0, ctl("B", "del-port", "m").code());
        Await.until(
            "B's record of m's connections in etcd:\n" + swB.output(),
            Duration.ofSeconds(5),
            () -> store.getLeased(key) != null);
        swB.kill();
        addM("A", m);
        assertSessionGoesOn("A", swA, m, s);
        Await.until(
            "A to delete the record it used",
            Duration.ofSeconds(5),
            () -> store.getLeased(key) == null);
      }
      assertTrue(
          swA.output()
              .lines()
              .filter(l -> l.contains("vmotion: connections of " + M_MAC + " from host hostB"))
              .allMatch(l -> l.contains(" imported into zone 100")),
          swA.output());
      assertEquals("timeout", probeM(s), "A again: new inbound connections to m are refused");
    } finally {
      Files.writeString(stop, "stop");
    }
    String outcome = client.get();
    System.out.println("vmotion-conntrack: session " + outcome);
    assertTrue(outcome.startsWith("ok "), "the session lived through both moves: " + outcome);
    assertTrue(swA.errorLines().isEmpty(), swA.output());
  }

  /**
   * ESXi's order with a VM that runs on one host at a time, as a real one does (a vNIC on each
   * host, only one link up), and a bulk stream, m to s. B's port for m is made first, down: B
   * claims m's connections and A answers while the stream goes on through A, far past the windows
   * of that answer. At the switch-over (m's link on A down, on B up) B carries the stream at once,
   * while A still has m's port: B takes the windows up from the stream's packets, announces m now
   * (not when its port was made), and A, whose port m has no link any more, does not keep m's MAC
   * on it.
   */
  @Test
  void atTheSwitchOverTheDestinationCarriesABulkStreamWhileTheSourceStillHasItsPort()
      throws Exception {
    etcd = lab.startEtcd(23830, 23839);
    Underlay underlay = lab.underlay();
    NetnsHost s = lab.vm("s", S_IP + "/24", "02:00:00:62:00:01");
    NetnsHost m = lab.vm("m", M_IP + "/24", M_MAC);
    NetnsHost mOnB = lab.secondLink(m, "mb", M_MAC);
    String sPort =
        "  - {name: s, type: afpacket, iface: %s, port-group: web}".formatted(s.switchInterface());
    String mPort =
        "  - {name: m, type: afpacket, iface: %s, port-group: guarded, mac: \"%s\", addresses: [%s]}"
            .formatted(m.switchInterface(), M_MAC, M_IP);
    SwitchProcess swA = host("A", sPort + "\n" + mPort, underlay.a(), VTEP_A, VTEP_B);
    SwitchProcess swB = host("B", "", underlay.b(), VTEP_B, VTEP_A);
    swA.awaitRunning();
    swB.awaitRunning();
    lab.separateFanoutGroups(swA, List.of(s, m), swB, List.of(mOnB));
    Await.until("m to reach s:\n" + swA.output(), Duration.ofSeconds(30), () -> m.ping(S_IP, 1));
    s.background("python3", "-c", TcpPeers.DISCARD_SERVER, S_IP, "5001");
    int bulkPort = CLIENT_PORT + 1;
    Path stop = dir.resolve("stop-bulk");
    CompletableFuture<String> bulk = client(m, TcpPeers.BULK_SENDER, 5001, bulkPort, stop);
    try {
      Await.until(
          () -> "the stream through A: " + session("A", bulkPort) + "\n" + swA.output(),
          Duration.ofSeconds(20),
          () -> sent("A", bulkPort) >= 1000);

      // B's port for m, made before m runs there: its link is down, so B announces nothing yet.
      addM("B", mOnB);
      Await.until(
          () -> "B to import A's answer to its claim:\n" + swA.output() + swB.output(),
          Duration.ofSeconds(10),
          () -> session("B", bulkPort) != null);
      assertFalse(swB.output().contains("announced " + M_MAC), swB.output());
      // The stream goes on through A: some 29 MB, far more than any window of the answer.
      long answered = sent("A", bulkPort);
      Await.until(
          () -> "the stream through A after the answer: " + session("A", bulkPort),
          Duration.ofSeconds(60),
          () -> sent("A", bulkPort) - answered >= 20_000);

      m.switchOver(mOnB, M_IP + "/24");
      Await.until(
          () -> "B to announce m at the switch-over:\n" + swB.output(),
          Duration.ofSeconds(5),
          () -> swB.output().contains("announced " + M_MAC + " on port m"));
      long atSwitchOver = sent("B", bulkPort);
      Await.until(
          () ->
              "B to carry the stream while A still has m's port (B: "
                  + session("B", bulkPort)
                  + "):\n"
                  + stallEvidence("B", m, s)
                  + stallEvidence("A", m, s)
                  + "B counters:\n"
                  + ctl("B", "counters").out()
                  + "A counters:\n"
                  + ctl("A", "counters").out()
                  + swB.output()
                  + swA.output(),
          Duration.ofSeconds(10),
          () -> sent("B", bulkPort) - atSwitchOver >= 2_000);
      assertEquals(
          List.of("vxlan.blue." + VTEP_B),
          HostCli.fdbPorts(dir.resolve("A"), M_MAC),
          "A, whose port m has no link, has m's MAC behind the tunnel to B");

      assertEquals(0, ctl("A", "del-port", "m").code());
      long afterLetGo = sent("B", bulkPort);
      Await.until(
          () -> "the stream through B once A let go: " + session("B", bulkPort),
          Duration.ofSeconds(10),
          () -> sent("B", bulkPort) - afterLetGo >= 2_000);
    } finally {
      Files.writeString(stop, "stop");
    }
    String outcome = bulk.get();
    System.out.println("vmotion-conntrack: bulk stream " + outcome);
    assertTrue(outcome.startsWith("ok "), "the stream lived through the switch-over: " + outcome);
    assertTrue(swA.errorLines().isEmpty(), swA.output());
    assertTrue(swB.errorLines().isEmpty(), swB.output());
  }

  /** Records forged for port x, arriving on B: each refused and counted, nothing imported. */
  private void hostileRecords(SwitchProcess swB, NetnsHost x) throws Exception {
    long imported = metric("B", "vswitch_vmotion_conntrack_imported_total");
    Cli.Result add =
        ctl(
            "B",
            "add-port",
            "x",
            "--type",
            "afpacket",
            "--iface",
            x.switchInterface(),
            "--port-group",
            "guarded",
            "--mac",
            X_MAC,
            "--address",
            "10.62.0.9");
    assertEquals(0, add.code(), add.err() + add.out());
    long mac = MacAddress.parse(X_MAC);
    String key = CtRecord.key(SWITCH, mac);
    // Not x's: 10.62.0.50 -> s. Under a lease and otherwise perfect.
    CtEntryView other = new CtEntryView();
    other.protocol = 17;
    other.srcLo = 0x0000_FFFF_0A3E_0032L;
    other.dstLo = 0x0000_FFFF_0A3E_0001L;
    other.srcPort = 999;
    other.dstPort = 53;
    other.state = "REPLIED";
    other.replied = true;
    other.expiresInMillis = 100_000;
    long now = System.currentTimeMillis();
    String good = CtRecord.write("hostEvil", mac, now, 90, List.of(other));
    String records = "vswitch_vmotion_conntrack_records_refused_total";
    try (EtcdStore store = new EtcdStore(List.of(etcd.endpoint()))) {
      long lease = store.grant(60);
      store.put(key, good, 0); // no lease: hand-written, never expires
      HostCli.awaitMetric(dir.resolve("B"), records, 1, swB);
      store.put(key, "{\"version\":1,\"pad\":\"" + "x".repeat(CtRecord.MAX_CHARS) + "\"}", lease);
      HostCli.awaitMetric(dir.resolve("B"), records, 2, swB);
      store.put(key, CtRecord.write("hostEvil", mac, now - 100_000, 90, List.of(other)), lease);
      HostCli.awaitMetric(dir.resolve("B"), records, 3, swB);
      store.put(key, good.replace("\"REPLIED\"", "\"ESTABLISHED\""), lease);
      HostCli.awaitMetric(dir.resolve("B"), records, 4, swB);
      store.put(key, good, lease);
      HostCli.awaitMetric(
          dir.resolve("B"), "vswitch_vmotion_conntrack_refused_total{reason=\"identity\"}", 1, swB);
      store.revoke(lease);
    }
    // The import's counter moves on the control agent; its log line follows on the etcd
    // thread once the agent answers, so the line is awaited, not assumed with the counter.
    String refusedImport =
        "connections of "
            + X_MAC
            + " from host hostEvil, port x: 0 of 1 imported into zone"
            + " 100, 1 refused (identity)";
    Await.until(
        "B to log the refused import:\n" + swB.output(),
        Duration.ofSeconds(5),
        () -> swB.output().contains(refusedImport));
    String out = swB.output();
    for (String why :
        List.of(
            "under no lease",
            "characters (most",
            "past its 90 s",
            "state ESTABLISHED is not one of protocol 17")) {
      assertEquals(1, HostCli.count(out, why), why + " logged once:\n" + out);
    }
    assertEquals(imported, metric("B", "vswitch_vmotion_conntrack_imported_total"));
    Cli.Result list = ctl("B", "conntrack", "list");
    assertTrue(!list.out().contains("10.62.0.50"), list.out());
    assertEquals(0, ctl("B", "del-port", "x").code());
  }
}
