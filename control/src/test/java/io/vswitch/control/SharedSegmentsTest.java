package io.vswitch.control;

import static io.vswitch.control.testing.HostCli.awaitMetric;
import static io.vswitch.control.testing.HostCli.ctl;
import static io.vswitch.control.testing.HostCli.metric;
import static io.vswitch.control.testing.HostCli.tree;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vswitch.control.distributed.EtcdStore;
import io.vswitch.control.plane.ConfigJson;
import io.vswitch.control.testing.Cli;
import io.vswitch.control.testing.EtcdServer;
import io.vswitch.control.testing.NetnsHost;
import io.vswitch.control.testing.SharedSwitch;
import io.vswitch.control.testing.SwitchProcess;
import io.vswitch.control.testing.Underlay;
import io.vswitch.dataplane.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Overlay segments as the distributed switch's shared config in a real etcd: two hosts whose files
 * have a VTEP and no segment, two tenants with the same addresses and MACs, each VM a netns host.
 *
 * <pre>
 *   a1 10.72.0.1 (ta) --\                                                 /-- a2 10.72.0.1 (ta)
 *                        host A, VTEP 192.0.2.41 == veth == VTEP 192.0.2.42, host B
 *   b1 10.72.0.1 (tb) --/                                                 \-- b2 10.72.0.2 (tb)
 * </pre>
 *
 * (a2 and b2 are both 10.72.0.2.) Segment a is set once in etcd: a1 reaches a2 through the tunnels
 * both hosts open for the VNI the other publishes. Segment b is added live with the same addresses:
 * both tenants work and no frame of b reaches a's VM. b's VNI changes live; revisions no host can
 * take (a VNI twice, an unknown port group, a remote VTEP off both hosts' subnets) are refused by
 * both, which keep forwarding on the last good one; b removed: its traffic stops, its tunnel ports
 * and the MACs learned behind them go. Last, the same two hosts without etcd: a local {@code
 * vswitchctl apply} (and {@code add-segment}) adds b while a ping runs in a, which loses nothing.
 */
class SharedSegmentsTest {
  private static final String SWITCH = "seg1";
  private static final String A_VTEP = "192.0.2.41";
  private static final String B_VTEP = "192.0.2.42";
  private static final String VM1 = "10.72.0.1";
  private static final String VM2 = "10.72.0.2";
  private static final String MAC1 = "02:00:00:72:00:01";
  private static final String MAC2 = "02:00:00:72:00:02";

  @TempDir Path dir;
  private SharedSwitch dvs;

  @Test
  void segmentsAreSetChangedAndRemovedOnceForAllHostsWhileTrafficFlows() throws Exception {
    Assumptions.assumeTrue(EtcdServer.available(), "needs /usr/bin/etcd (scripts/install-deps.sh)");
    Assumptions.assumeTrue(NetnsHost.available(), "needs root and iproute2");
    String tag = "seg" + (ProcessHandle.current().pid() % 1000);
    try (EtcdServer server = EtcdServer.start(23820, 23829);
        Underlay underlay = Underlay.create(tag + "ua", tag + "ub");
        NetnsHost a1 = NetnsHost.overlayGuest(tag + "a1", VM1 + "/24", MAC1);
        NetnsHost a2 = NetnsHost.overlayGuest(tag + "a2", VM2 + "/24", MAC2);
        NetnsHost b1 = NetnsHost.overlayGuest(tag + "b1", VM1 + "/24", MAC1);
        NetnsHost b2 = NetnsHost.overlayGuest(tag + "b2", VM2 + "/24", MAC2)) {
      dvs = new SharedSwitch(server, SWITCH, dir);
      Path homeA = Files.createDirectories(dir.resolve("A"));
      Path homeB = Files.createDirectories(dir.resolve("B"));
      try (SwitchProcess swA = host(homeA, "hostA", a1, b1, underlay.a(), A_VTEP, true, "");
          SwitchProcess swB = host(homeB, "hostB", a2, b2, underlay.b(), B_VTEP, true, "")) {
        swA.awaitRunning();
        swB.awaitRunning();
        String both = "\nA:\n" + swA.output() + "\nB:\n" + swB.output();
        assertEquals(0, segments(homeA).size(), "no segment in the files");

        // Segment a, set once in etcd.
        ObjectNode doc = shared();
        segment(doc, "a", 6001, "ta");
        long v1 = dvs.set(doc);
        awaitRevision(v1, homeA, swA, homeB, swB);
        Await.until(
            "a1 to reach a2 through the tunnels both hosts opened" + both,
            Duration.ofSeconds(30),
            () -> a1.ping(VM2, 1));
        assertTrue(a2.ping(VM1, 2), "a2 to a1");
        awaitTunnels(homeA, List.of("a/6001/" + B_VTEP));
        awaitTunnels(homeB, List.of("a/6001/" + A_VTEP));
        assertFalse(b1.ping(VM2, 1), "tenant b has no segment yet");
        assertEquals(List.of(6001), vnis("hostA"), "A publishes the VNIs it serves");

        // Tenant b added live (vswitchctl add-segment on etcd), the same addresses and MACs as a.
        Cli.Result add =
            dvs.ctl("add-segment", "{\"name\":\"b\",\"vni\":6002,\"port-groups\":[\"tb\"]}");
        assertEquals(0, add.code(), add.out() + add.err());
        long v2 = SharedSwitch.revisionOf(add);
        awaitRevision(v2, homeA, swA, homeB, swB);
        Await.until("b1 to reach b2" + both, Duration.ofSeconds(30), () -> b1.ping(VM2, 1));
        assertEquals(List.of(6001, 6002), vnis("hostB"), "B republished its VNIs");
        Cli.Result got = dvs.ctl("--json", "config", "get");
        JsonNode sharedSegments = tree(got.out()).path("config").path("overlay").path("segments");
        assertEquals(2, sharedSegments.size(), got.out());
        assertEquals(6002, sharedSegments.get(1).path("vni").asInt(), got.out());
        assertEquals(v2, tree(got.out()).path("revision").asLong());
        Cli.Result dup = dvs.ctl("add-segment", "{\"name\":\"c\",\"vni\":6002,\"port-groups\":[]}");
        assertEquals(2, dup.code(), "refused before it is written: " + dup.out() + dup.err());
        Cli.Result table = dvs.ctl("hosts");
        assertTrue(table.out().contains("vtep " + B_VTEP + " vnis 6001,6002"), table.out());
        awaitTunnels(homeA, List.of("a/6001/" + B_VTEP, "b/6002/" + B_VTEP));
        assertTrue(a1.ping(VM2, 2), "a still works beside b");
        assertIsolated(a1, a2, b1, b2, homeB);

        // b's VNI changed live: both hosts reopen its tunnels with the new VNI; a is untouched.
        ObjectNode moved = shared();
        segment(moved, "a", 6001, "ta");
        segment(moved, "b", 6003, "tb");
        CompletableFuture<String> aPings = pingInBackground(a1, 20);
        long v3 = dvs.set(moved);
        awaitRevision(v3, homeA, swA, homeB, swB);
        awaitTunnels(homeA, List.of("a/6001/" + B_VTEP, "b/6003/" + B_VTEP));
        awaitTunnels(homeB, List.of("a/6001/" + A_VTEP, "b/6003/" + A_VTEP));
        assertNoLoss(aPings, "a while b's VNI changed");
        Await.until(
            "b1 to reach b2 on VNI 6003" + both, Duration.ofSeconds(20), () -> b1.ping(VM2, 1));
        assertTrue(a1.ping(VM2, 2), "a through the change");
        assertIsolated(a1, a2, b1, b2, homeB);

        // Revisions no host can take, written past vswitchctl's own check: refused by both, which
        // keep v3 and forward on it.
        ObjectNode twice = shared();
        segment(twice, "a", 6001, "ta");
        segment(twice, "b", 6001, "tb");
        Cli.Result byCli =
            dvs.ctl("config", "set", dvs.file("twice.json", ConfigJson.write(twice)));
        assertEquals(2, byCli.code(), byCli.out() + byCli.err());
        assertTrue(byCli.err().contains("VNI 6001 is already another segment's"), byCli.err());
        ObjectNode unknown = shared();
        segment(unknown, "a", 6001, "ta");
        segment(unknown, "b", 6003, "nope");
        long bad1 = forceWrite(twice, v3);
        awaitMetric(homeA, "vswitch_etcd_refused_revisions_total", 1, swA);
        awaitMetric(homeB, "vswitch_etcd_refused_revisions_total", 1, swB);
        forceWrite(unknown, bad1);
        awaitMetric(homeA, "vswitch_etcd_refused_revisions_total", 2, swA);
        awaitMetric(homeB, "vswitch_etcd_refused_revisions_total", 2, swB);
        // One that passes the shared check but fits no host: a remote VTEP off both subnets
        // (neither host has a gateway).
        ObjectNode offSubnet = shared();
        segment(offSubnet, "a", 6001, "ta").putArray("remote-vteps").add("203.0.113.9");
        segment(offSubnet, "b", 6003, "tb");
        long v4 = dvs.set(offSubnet);
        awaitMetric(homeA, "vswitch_etcd_refused_revisions_total", 3, swA);
        awaitMetric(homeB, "vswitch_etcd_refused_revisions_total", 3, swB);
        assertTrue(v4 > v3);
        assertEquals(v3, metric(homeA, "vswitch_etcd_config_revision"));
        assertEquals(v3, metric(homeB, "vswitch_etcd_config_revision"));
        assertTrue(swA.output().contains("VNI 6001 is already another segment's"), swA.output());
        assertTrue(swB.output().contains("unknown port group 'nope'"), swB.output());
        assertTrue(swA.output().contains("off the VTEP's subnet"), swA.output());
        awaitTunnels(homeA, List.of("a/6001/" + B_VTEP, "b/6003/" + B_VTEP));
        assertTrue(a1.ping(VM2, 2) && b1.ping(VM2, 2), "both tenants on the last good revision");
        long v5 =
            dvs.set(moved); // good again (what runs): the single-item edits below start from it
        awaitRevision(v5, homeA, swA, homeB, swB);
        assertEquals(3, metric(homeA, "vswitch_etcd_refused_revisions_total"));

        // Locally, a host of the distributed switch takes no segment change.
        ObjectNode runningA = (ObjectNode) tree(ctl(homeA, "--json", "show").out());
        ((ArrayNode) runningA.path("overlay").path("segments")).remove(1);
        Cli.Result local = ctl(homeA, "apply", dvs.file("local.json", ConfigJson.write(runningA)));
        assertEquals(2, local.code(), local.out() + local.err());
        assertTrue(local.err().contains("overlay.segments belong to the distributed"), local.err());

        // b removed: its traffic stops, its tunnel ports and the remote MACs behind them go.
        assertTrue(
            fdbOnTunnels(homeA, "vxlan.b.").contains("200/" + MAC2),
            "b2's MAC learned behind b's tunnel: " + fdbOnTunnels(homeA, "vxlan."));
        aPings = pingInBackground(a1, 15);
        Cli.Result del = dvs.ctl("del-segment", "b");
        assertEquals(0, del.code(), del.out() + del.err());
        awaitRevision(SharedSwitch.revisionOf(del), homeA, swA, homeB, swB);
        assertNoLoss(aPings, "a while b was removed");
        awaitTunnels(homeA, List.of("a/6001/" + B_VTEP));
        awaitTunnels(homeB, List.of("a/6001/" + A_VTEP));
        for (Path h : List.of(homeA, homeB)) {
          assertFalse(portNames(h).stream().anyMatch(p -> p.startsWith("vxlan.b.")), "ports");
          assertEquals(List.of(), fdbOnTunnels(h, "vxlan.b."), "no MAC behind b's tunnels");
        }
        assertEquals(List.of(6001), vnis("hostA"));
        assertFalse(b1.ping(VM2, 2), "b's traffic stops");
        assertTrue(a1.ping(VM2, 2), "a's goes on");
        assertEquals(List.of(), fdbOnTunnels(homeA, "vxlan.b."), "nothing learned since");
        assertEquals(0, swA.stop(), swA.output());
        assertEquals(0, swB.stop(), swB.output());
      }

      // The same hosts without etcd, a listing each other's VTEP: b added by a local apply on A
      // and add-segment on B while a1 pings a2, which loses nothing.
      Path localA = Files.createDirectories(dir.resolve("A2"));
      Path localB = Files.createDirectories(dir.resolve("B2"));
      String segA = "    - {name: a, vni: 6001, port-groups: [ta], remote-vteps: [%s]}\n";
      try (SwitchProcess swA =
              host(localA, "hostA", a1, b1, underlay.a(), A_VTEP, false, segA.formatted(B_VTEP));
          SwitchProcess swB =
              host(localB, "hostB", a2, b2, underlay.b(), B_VTEP, false, segA.formatted(A_VTEP))) {
        swA.awaitRunning();
        swB.awaitRunning();
        Await.until("a1 to a2 again", Duration.ofSeconds(20), () -> a1.ping(VM2, 1));
        CompletableFuture<String> pinging = pingInBackground(a1, 25);
        ObjectNode config = (ObjectNode) tree(ctl(localA, "--json", "show").out());
        ObjectNode b = ((ArrayNode) config.path("overlay").path("segments")).addObject();
        b.put("name", "b").put("vni", 6002).putArray("port-groups").add("tb");
        b.putArray("remote-vteps").add(B_VTEP);
        Cli.Result applied = ctl(localA, "apply", dvs.file("add-b.json", ConfigJson.write(config)));
        assertEquals(0, applied.code(), applied.out() + applied.err());
        Cli.Result added =
            ctl(
                localB,
                "add-segment",
                "{\"name\":\"b\",\"vni\":6002,\"port-groups\":[\"tb\"],\"remote-vteps\":[\""
                    + A_VTEP
                    + "\"]}");
        assertEquals(0, added.code(), added.out() + added.err());
        assertNoLoss(pinging, "a while b was added locally");
        Await.until("b1 to reach b2", Duration.ofSeconds(20), () -> b1.ping(VM2, 1));
        assertIsolated(a1, a2, b1, b2, localB);
        assertTrue(ctl(localA, "history").out().contains("segment"), "journaled");
        assertEquals(0, swA.stop(), swA.output());
        assertEquals(0, swB.stop(), swB.output());
      }
    }
  }

  /**
   * b1's pings reach b2 and never a2 (same address and MAC, other tenant); a1's reach a2 and never
   * b2; B's tunnel of a takes in nothing of b's.
   */
  private static void assertIsolated(
      NetnsHost a1, NetnsHost a2, NetnsHost b1, NetnsHost b2, Path homeB) {
    long aIn = tunnelRx(homeB, "a");
    long bIn = tunnelRx(homeB, "b");
    int onA2 = a2.capture("icmp", () -> assertTrue(b1.ping(VM2, 5), "b1 to b2"));
    assertEquals(0, onA2, "no frame of b's reaches a's VM");
    assertTrue(tunnelRx(homeB, "b") - bIn >= 5, "b's pings came in on b's tunnel");
    long aAfter = tunnelRx(homeB, "a");
    int onB2 = b2.capture("icmp", () -> assertTrue(a1.ping(VM2, 5), "a1 to a2"));
    assertEquals(0, onB2, "no frame of a's reaches b's VM");
    assertTrue(tunnelRx(homeB, "a") - aAfter >= 5, "a's came in on a's");
    assertTrue(aAfter - aIn < 5, "b's 5 pings did not enter by a's tunnel");
  }

  /** {@code count} pings from {@code vm} to VM2, 0.2 s apart, started (and running) on return. */
  private static CompletableFuture<String> pingInBackground(NetnsHost vm, int count) {
    CompletableFuture<String> ping =
        CompletableFuture.supplyAsync(
            () -> vm.output("ping", "-c", "" + count, "-i", "0.2", "-W", "1", "-q", VM2));
    try {
      Thread.sleep(600);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return ping;
  }

  private static void assertNoLoss(CompletableFuture<String> ping, String what) {
    String summary = ping.join();
    assertTrue(summary.contains(" 0% packet loss"), what + " lost pings: " + summary);
  }

  /** A host: tenant a's and b's VM ports, the uplink, a VTEP and the given segments (or none). */
  private SwitchProcess host(
      Path home,
      String name,
      NetnsHost vmA,
      NetnsHost vmB,
      String uplink,
      String vtep,
      boolean distributed,
      String segments) {
    String config =
        """
        eal: {hugepages: "off"}   # hugepages are shared with other runs on a test machine
        workers: {cores: [-1], idle: backoff}
        port-groups:
          - {name: ta, vlan: {mode: access, id: 100}}
          - {name: tb, vlan: {mode: access, id: 200}}
          - {name: underlay, vlan: {mode: access, id: 1}}
        ports:
          - {name: va, type: afxdp, iface: %s, port-group: ta}
          - {name: vb, type: afxdp, iface: %s, port-group: tb}
          - {name: up, type: afxdp, iface: %s, port-group: underlay}
        overlay:
          vtep: {port: up, address: %s/24}
        """
                .formatted(vmA.switchInterface(), vmB.switchInterface(), uplink, vtep)
            + (segments.isEmpty() ? "" : "  segments:\n" + segments);
    String[] flags =
        distributed
            ? dvs.hostFlags(home, name, 4)
            : new String[] {"--state-dir", home.resolve("state").toString()};
    return SwitchProcess.start(home, config, flags);
  }

  /** The shared document's port groups (they are shared too), no segment yet. */
  private static ObjectNode shared() {
    ObjectNode doc = ConfigJson.MAPPER.createObjectNode();
    ArrayNode groups = doc.putArray("port-groups");
    groups.addObject().put("name", "ta").putObject("vlan").put("mode", "access").put("id", 100);
    groups.addObject().put("name", "tb").putObject("vlan").put("mode", "access").put("id", 200);
    groups.addObject().put("name", "underlay").putObject("vlan").put("mode", "access").put("id", 1);
    doc.putObject("overlay").putArray("segments");
    return doc;
  }

  private static ObjectNode segment(ObjectNode doc, String name, int vni, String group) {
    ObjectNode s = ((ArrayNode) doc.path("overlay").path("segments")).addObject();
    s.put("name", name).put("vni", vni).putArray("port-groups").add(group);
    return s;
  }

  /** Writes {@code doc} as is (no vswitchctl check) over revision {@code at}; its revision. */
  private long forceWrite(JsonNode doc, long at) {
    try (EtcdStore store = new EtcdStore(List.of(dvs.etcd().endpoint()))) {
      return store
          .putIfRevision(EtcdStore.configKey(SWITCH), ConfigJson.write(doc), at)
          .orElseThrow(() -> new AssertionError("revision moved past " + at));
    }
  }

  private static void awaitRevision(
      long revision, Path homeA, SwitchProcess swA, Path homeB, SwitchProcess swB) {
    awaitMetric(homeA, "vswitch_etcd_config_revision", revision, swA);
    awaitMetric(homeB, "vswitch_etcd_config_revision", revision, swB);
  }

  /** The VNIs host {@code host} publishes in its etcd record. */
  private List<Integer> vnis(String host) {
    Cli.Result r = dvs.ctl("--json", "hosts");
    assertEquals(0, r.code(), r.err());
    List<Integer> out = new ArrayList<>();
    tree(r.out()).path(host).path("vnis").forEach(v -> out.add(v.asInt()));
    return out;
  }

  private static JsonNode segments(Path host) {
    Cli.Result r = ctl(host, "--json", "overlay");
    assertEquals(0, r.code(), r.err());
    return tree(r.out()).path("segments");
  }

  /** Each tunnel of the host's overlay as segment/VNI/remote VTEP, checked against its port. */
  private static List<String> tunnels(Path host) {
    List<String> out = new ArrayList<>();
    List<String> ports = portNames(host);
    for (JsonNode s : segments(host)) {
      for (JsonNode r : s.path("remote-vteps")) {
        String port = r.path("port").asText();
        assertTrue(ports.contains(port), port + " is a port: " + ports);
        out.add(
            s.path("name").asText()
                + "/"
                + s.path("vni").asInt()
                + "/"
                + r.path("address").asText());
      }
    }
    long tunnelPorts = ports.stream().filter(p -> p.startsWith("vxlan.")).count();
    assertEquals(out.size(), tunnelPorts, "a tunnel port per (segment, remote VTEP): " + ports);
    return out;
  }

  /**
   * Waits until the host's tunnels are {@code expected}: a tunnel to a discovered VTEP opens once
   * the other host has applied the revision too and published its VNIs (a heartbeat, 1 s, later).
   */
  private static void awaitTunnels(Path host, List<String> expected) {
    // The overlay listing and the port listing are two requests: while a change is being applied
    // (tunnels close before new ones open) one can hold a tunnel the other does not yet, so a
    // mismatch is only a failure once the wait is over.
    Await.until(
        host.getFileName() + " to have tunnels " + expected,
        Duration.ofSeconds(15),
        () -> {
          try {
            return tunnels(host).equals(expected);
          } catch (AssertionError inTransition) {
            return false;
          }
        });
    assertEquals(expected, tunnels(host), host.getFileName() + "'s tunnels");
  }

  private static long tunnelRx(Path host, String segment) {
    for (JsonNode s : segments(host)) {
      if (s.path("name").asText().equals(segment)) {
        return s.path("remote-vteps").get(0).path("rx_packets").asLong();
      }
    }
    throw new AssertionError("no segment " + segment);
  }

  private static List<String> portNames(Path host) {
    Cli.Result r = ctl(host, "--json", "counters");
    assertEquals(0, r.code(), r.err());
    List<String> names = new ArrayList<>();
    tree(r.out()).forEach(p -> names.add(p.path("name").asText()));
    return names;
  }

  /** The FDB's entries on ports named {@code prefix}..., as vlan/mac. */
  private static List<String> fdbOnTunnels(Path host, String prefix) {
    Cli.Result r = ctl(host, "--json", "dump-fdb");
    assertEquals(0, r.code(), r.err());
    List<String> out = new ArrayList<>();
    for (JsonNode e : tree(r.out())) {
      if (e.path("port").asText().startsWith(prefix)) {
        out.add(e.path("vlan").asInt() + "/" + e.path("mac").asText());
      }
    }
    return out;
  }
}
