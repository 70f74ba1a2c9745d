package io.vswitch.control;

import static io.vswitch.control.testing.HostCli.awaitMetric;
import static io.vswitch.control.testing.HostCli.count;
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
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A distributed switch of two hosts on a real etcd, their VTEPs joined by an underlay veth pair,
 * one segment and no {@code remote-vteps} anywhere: each host finds the other's VTEP in its etcd
 * record and opens the tunnel port by itself.
 *
 * <pre>
 *   a 10.61.0.1 [tag web] -- host A, VTEP 192.0.2.31 == veth == VTEP 192.0.2.32, host B -- b 10.61.0.2 [tag db]
 * </pre>
 *
 * Then the shared security groups: A's ACL allows {@code web -> db tcp 5432} and nothing else, and
 * b is in {@code db} only by the tag host B publishes: 5432 opens, 5433 and ping do not; B's tag
 * changed locally closes 5432 on A, and back opens it. An invalid shared revision is refused by
 * both hosts (they keep the last good one); hostile host records (not JSON, a forged huge address
 * list, one claiming A's VTEP) change nothing. Host B killed -9: its tunnel port leaves A when its
 * lease runs out. Apart: a VTEP serving a VNI over VXLAN is no peer of a Geneve segment of that
 * VNI.
 */
class VtepDiscoveryTest {
  private static final String SWITCH = "vd1";
  private static final int TTL = 4;
  private static final String A_VTEP = "192.0.2.31";
  private static final String B_VTEP = "192.0.2.32";
  private static final String TUNNEL_TO_B = "vxlan.blue." + B_VTEP;

  /** Listens on argv[1] at each of the ports argv[2:], accepting and closing. */
  private static final String SERVER =
      """
      import socket, sys, threading
      def serve(port):
          s = socket.socket()
          s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
          s.bind((sys.argv[1], port))
          s.listen(16)
          while True:
              c, _ = s.accept()
              c.sendall(b"hi")
              c.close()
      for p in sys.argv[2:]:
          threading.Thread(target=serve, args=(int(p),)).start()
      """;

  /** Connects once to argv[1]:argv[2] within argv[3] s: prints open, refused or timeout. */
  private static final String PROBE =
      """
      import socket, sys
      try:
          c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=float(sys.argv[3]))
          print("open" if c.recv(2) == b"hi" else "closed")
      except ConnectionRefusedError:
          print("refused")
      except OSError:
          print("timeout")
      """;

  @TempDir Path dir;
  private SharedSwitch dvs;

  @Test
  void tunnelsAndGroupMembersComeFromTheOtherHostsRecords() throws Exception {
    Assumptions.assumeTrue(EtcdServer.available(), "needs /usr/bin/etcd (scripts/install-deps.sh)");
    Assumptions.assumeTrue(NetnsHost.available(), "needs root and iproute2");
    String tag = "vd" + (ProcessHandle.current().pid() % 1000);
    try (EtcdServer server = EtcdServer.start(23810, 23819);
        Underlay underlay = Underlay.create(tag + "ua", tag + "ub");
        NetnsHost a = NetnsHost.overlayGuest(tag + "a", "10.61.0.1/24", "02:00:00:61:00:01");
        NetnsHost b = NetnsHost.overlayGuest(tag + "b", "10.61.0.2/24", "02:00:00:61:00:02")) {
      dvs = new SharedSwitch(server, SWITCH, dir);
      Path homeA = Files.createDirectories(dir.resolve("A"));
      Path homeB = Files.createDirectories(dir.resolve("B"));
      try (SwitchProcess swA =
              host(
                  homeA,
                  "hostA",
                  a.switchInterface(),
                  "web",
                  "web",
                  "10.61.0.1",
                  underlay.a(),
                  A_VTEP);
          SwitchProcess swB =
              host(
                  homeB,
                  "hostB",
                  b.switchInterface(),
                  "dbg",
                  "db",
                  "10.61.0.2",
                  underlay.b(),
                  B_VTEP)) {
        swA.awaitRunning();
        swB.awaitRunning();
        String both = "\nA:\n" + swA.output() + "\nB:\n" + swB.output();

        // Discovery alone: no remote-vteps in either config.
        Await.until(
            "a to reach b through the discovered tunnel" + both,
            Duration.ofSeconds(60),
            () -> a.ping("10.61.0.2", 1));
        assertTrue(b.ping("10.61.0.1", 3), "b to a");
        JsonNode remotes = remoteVteps(homeA);
        assertEquals(1, remotes.size(), remotes.toString());
        assertEquals(B_VTEP, remotes.get(0).path("address").asText());
        assertEquals(TUNNEL_TO_B, remotes.get(0).path("port").asText());
        assertTrue(remotes.get(0).path("discovered").asBoolean(), remotes.toString());
        assertEquals(A_VTEP, remoteVteps(homeB).get(0).path("address").asText());
        assertTrue(swA.output().contains("tunnel ports opened: " + TUNNEL_TO_B), swA.output());
        JsonNode record = dvs.hosts().path("hostB");
        assertEquals(B_VTEP, record.path("vtep").asText(), record.toString());
        assertEquals(5101, record.path("vnis").get(0).asInt());
        assertEquals("db", record.path("ports").get(0).path("tags").get(0).asText());

        // The shared policy: web -> db tcp 5432 only; b is in db by B's published tag.
        b.background("python3", "-c", SERVER, "10.61.0.2", "5432", "5433");
        long v1 = dvs.set(policy());
        awaitMetric(homeA, "vswitch_etcd_config_revision", v1, swA);
        awaitMetric(homeB, "vswitch_etcd_config_revision", v1, swB);
        assertEquals("open", probe(a, 5432, 20), "web -> db 5432 by B's tag" + both);
        assertEquals("timeout", probe(a, 5433, 2), "5433 has no rule");
        assertFalse(a.ping("10.61.0.2", 2), "nor ICMP");
        JsonNode groups = groups(homeA);
        assertEquals(List.of("hostB/vm"), members(groups, "db"), groups.toString());
        assertEquals(List.of("10.61.0.2/32"), strings(group(groups, "db").path("addresses")));

        // An invalid shared revision (groups nesting in a cycle), written past vswitchctl's check:
        // both hosts refuse it and keep the policy of v1.
        ObjectNode cyclic = policy();
        ArrayNode sgs = (ArrayNode) cyclic.path("security-groups");
        ((ObjectNode) sgs.get(0)).putArray("groups").add("db");
        ((ObjectNode) sgs.get(1)).putArray("groups").add("web");
        Cli.Result refusedByCli =
            dvs.ctl("config", "set", dvs.file("cyclic.json", ConfigJson.write(cyclic)));
        assertEquals(2, refusedByCli.code(), refusedByCli.err());
        assertTrue(refusedByCli.err().contains("cycle"), refusedByCli.err());
        try (EtcdStore store = new EtcdStore(List.of(server.endpoint()))) {
          assertTrue(
              store
                  .putIfRevision(EtcdStore.configKey(SWITCH), ConfigJson.write(cyclic), v1)
                  .isPresent());
        }
        awaitMetric(homeA, "vswitch_etcd_refused_revisions_total", 1, swA);
        awaitMetric(homeB, "vswitch_etcd_refused_revisions_total", 1, swB);
        assertTrue(swA.output().contains("cycle"), swA.output());
        assertEquals(v1, metric(homeA, "vswitch_etcd_config_revision"));
        assertEquals("open", probe(a, 5432, 10), "A kept revision " + v1);
        assertEquals("timeout", probe(a, 5433, 2), "and its deny");

        // Hostile records under leases of their own: not JSON, a forged huge address list, one
        // claiming A's own VTEP, one whose port names a bogus address. Nothing changes.
        try (EtcdStore store = new EtcdStore(List.of(server.endpoint()))) {
          long lease = store.grant(6);
          String prefix = EtcdStore.hostsPrefix(SWITCH);
          store.put(prefix + "evil", "{\"ports\": [ {\"name\": ", lease);
          StringBuilder huge = new StringBuilder("{\"ports\":[{\"name\":\"x\",\"tags\":[\"db\"],");
          huge.append("\"addresses\":[");
          for (int i = 0; i < 5000; i++) {
            huge.append(i == 0 ? "" : ",").append("\"10.").append(i / 250).append('.');
            huge.append(i % 250).append(".1\"");
          }
          store.put(prefix + "huge", huge.append("]}]}").toString(), lease);
          store.put(prefix + "mirror", "{\"vtep\":\"" + A_VTEP + "\",\"vnis\":[5101]}", lease);
          store.put(
              prefix + "liar",
              "{\"ports\":[{\"name\":\"y\",\"tags\":[\"db\"],\"addresses\":[\"10.0.0.1\\n\"]}],"
                  + "\"vtep\":\"300.1.1.1\",\"vnis\":[5101]}",
              lease);
          Await.until(
              "A to log the bad records" + swA.output(),
              Duration.ofSeconds(15),
              () ->
                  swA.output().contains("ignoring host 'evil'")
                      && swA.output().contains("ignoring host 'huge'")
                      && swA.output().contains("ignoring host 'liar'"));
          Thread.sleep(2000);
          assertEquals(List.of("hostB/vm"), members(groups(homeA), "db"));
          assertEquals(1, remoteVteps(homeA).size(), "no tunnel to itself or to 300.1.1.1");
          assertEquals("open", probe(a, 5432, 10), "still");
          assertFalse(a.ping("10.61.0.2", 1), "and still no ICMP");
          assertTrue(swB.output().contains("ignoring host 'evil'"), swB.output());
          assertEquals(1, count(swA.output(), "ignoring host 'evil'"), "logged once");
        }

        // B's tag changed on B (a host-local change): A's rule no longer admits b.
        Cli.Result retag = ctl(homeB, "set-port-tags", "vm", "other");
        assertEquals(0, retag.code(), retag.out() + retag.err());
        Await.until(
            "A to drop b from db" + swA.output(),
            Duration.ofSeconds(15),
            () -> members(groups(homeA), "db").isEmpty());
        assertEquals("timeout", probe(a, 5432, 3), "b is no db any more");
        assertEquals(1, metric(homeA, "vswitch_etcd_refused_revisions_total"), "nothing refused");
        Cli.Result back = ctl(homeB, "set-port-tags", "vm", "db");
        assertEquals(0, back.code(), back.err());
        Await.until(
            "A to take b back into db",
            Duration.ofSeconds(15),
            () -> members(groups(homeA), "db").equals(List.of("hostB/vm")));
        assertEquals("open", probe(a, 5432, 10), "b is db again");
        Cli.Result history = ctl(homeA, "history");
        assertFalse(history.out().contains("hostB"), "remote facts are not journaled");

        // B killed -9: its record expires with its lease, and A closes the tunnel.
        swB.kill();
        Await.until(
            "A to close the tunnel to B after its " + TTL + " s lease" + swA.output(),
            Duration.ofSeconds(TTL + 15),
            () -> remoteVteps(homeA).isEmpty());
        assertTrue(swA.output().contains("tunnel ports closed: " + TUNNEL_TO_B), swA.output());
        assertTrue(members(groups(homeA), "db").isEmpty(), "and b left db");

        // The segments are the distributed switch's: listed in etcd with every host's VTEP, A
        // leaves out its own and opens the tunnel to B (listed this time). Locally they are
        // refused, and the VTEP's UDP port is restart-only.
        ObjectNode listedDoc = policy();
        ((ObjectNode) listedDoc.path("overlay").path("segments").get(0))
            .putArray("remote-vteps")
            .add(A_VTEP)
            .add(B_VTEP);
        long v2 = dvs.set(listedDoc);
        awaitMetric(homeA, "vswitch_etcd_config_revision", v2, swA);
        JsonNode now = remoteVteps(homeA);
        assertEquals(1, now.size(), now.toString());
        assertEquals(B_VTEP, now.get(0).path("address").asText(), now.toString());
        assertFalse(now.get(0).path("discovered").asBoolean(), now.toString());
        ObjectNode runningA = (ObjectNode) tree(ctl(homeA, "--json", "show").out());
        ObjectNode segment = (ObjectNode) runningA.path("overlay").path("segments").get(0);
        segment.put("vni", 5102);
        Cli.Result vni = ctl(homeA, "apply", dvs.file("vni.json", ConfigJson.write(runningA)));
        assertTrue(vni.code() != 0, vni.out());
        assertTrue(vni.err().contains("overlay.segments belong to the distributed"), vni.err());
        assertEquals(1, vni.err().strip().lines().count(), vni.err());
        segment.put("vni", 5101);
        // The VTEP's own settings are live (VtepLiveTest); its port's MTU is not.
        for (JsonNode p : runningA.path("ports")) {
          if (p.path("name").asText().equals("up")) {
            ((ObjectNode) p).put("mtu", 1400);
          }
        }
        Cli.Result moved = ctl(homeA, "apply", dvs.file("vtep.json", ConfigJson.write(runningA)));
        assertTrue(moved.code() != 0, moved.out());
        assertTrue(moved.err().contains("restart only"), moved.err());
        assertEquals(1, moved.err().strip().lines().count(), moved.err());
        assertEquals(0, swA.stop(), swA.output());
      }
    }
  }

  /**
   * A VNI is unique per encapsulation, and so is what a record says a VTEP serves: host A serves
   * VNI 5001 over Geneve only, host B over VXLAN only, so neither opens a tunnel to the other (nor
   * do their VMs reach each other). Then the distributed switch's segment is set in etcd as Geneve:
   * B's turns Geneve live, B republishes, and both open the Geneve tunnel to the other.
   */
  @Test
  void aDiscoveredVtepJoinsOnlyASegmentOfItsEncapsulation() throws Exception {
    Assumptions.assumeTrue(EtcdServer.available(), "needs /usr/bin/etcd (scripts/install-deps.sh)");
    Assumptions.assumeTrue(NetnsHost.available(), "needs root and iproute2");
    String tag = "vg" + (ProcessHandle.current().pid() % 1000);
    String aVtep = "192.0.2.51";
    String bVtep = "192.0.2.52";
    try (EtcdServer server = EtcdServer.start(23850, 23859);
        Underlay underlay = Underlay.create(tag + "ua", tag + "ub");
        NetnsHost a = NetnsHost.overlayGuest(tag + "a", "10.63.0.1/24", "02:00:00:63:00:01");
        NetnsHost b = NetnsHost.overlayGuest(tag + "b", "10.63.0.2/24", "02:00:00:63:00:02")) {
      dvs = new SharedSwitch(server, "vd2", dir);
      Path homeA = Files.createDirectories(dir.resolve("A"));
      Path homeB = Files.createDirectories(dir.resolve("B"));
      try (SwitchProcess swA =
              greenHost(homeA, "hostA", a.switchInterface(), underlay.a(), aVtep, true);
          SwitchProcess swB =
              greenHost(homeB, "hostB", b.switchInterface(), underlay.b(), bVtep, false)) {
        swA.awaitRunning();
        swB.awaitRunning();
        // Each has read the other's record and applied its facts: no tunnel came of them.
        Await.until(
            "each host to read the other's record\nA:\n" + swA.output() + "\nB:\n" + swB.output(),
            Duration.ofSeconds(30),
            () ->
                swA.output().contains("other hosts now hostB")
                    && swB.output().contains("other hosts now hostA"));
        JsonNode records = dvs.hosts();
        assertEquals("[]", records.path("hostA").path("vnis").toString(), records.toString());
        assertEquals("[5001]", records.path("hostA").path("geneve-vnis").toString());
        assertEquals("[5001]", records.path("hostB").path("vnis").toString(), records.toString());
        assertTrue(records.path("hostB").path("geneve-vnis").isMissingNode(), records.toString());
        Thread.sleep(2000); // a second heartbeat's read too
        assertEquals(0, remoteVteps(homeA).size(), remoteVteps(homeA).toString());
        assertEquals(0, remoteVteps(homeB).size(), remoteVteps(homeB).toString());
        assertFalse(swA.output().contains("tunnel ports opened"), swA.output());
        assertFalse(swB.output().contains("tunnel ports opened"), swB.output());
        Cli.Result overlayA = ctl(homeA, "overlay");
        assertEquals(0, overlayA.code(), overlayA.err());
        assertFalse(overlayA.out().contains(bVtep), overlayA.out());
        assertFalse(a.ping("10.63.0.2", 1), "no tunnel, no path");

        // The segment set in etcd as Geneve (A's is that already): B's turns Geneve live.
        ObjectNode doc = ConfigJson.MAPPER.createObjectNode();
        ArrayNode groups = doc.putArray("port-groups");
        groups
            .addObject()
            .put("name", "web")
            .putObject("vlan")
            .put("mode", "access")
            .put("id", 100);
        groups
            .addObject()
            .put("name", "underlay")
            .putObject("vlan")
            .put("mode", "access")
            .put("id", 1);
        ObjectNode green = doc.putObject("overlay").putArray("segments").addObject();
        green.put("name", "green").put("vni", 5001).put("encapsulation", "geneve");
        green.putArray("port-groups").add("web");
        long v1 = dvs.set(doc);
        awaitMetric(homeA, "vswitch_etcd_config_revision", v1, swA);
        awaitMetric(homeB, "vswitch_etcd_config_revision", v1, swB);
        Await.until(
            "both hosts to open the Geneve tunnel to the other\nA:\n"
                + swA.output()
                + "\nB:\n"
                + swB.output(),
            Duration.ofSeconds(30),
            () -> remoteVteps(homeA).size() == 1 && remoteVteps(homeB).size() == 1);
        JsonNode atA = remoteVteps(homeA).get(0);
        assertEquals("geneve.green." + bVtep, atA.path("port").asText(), atA.toString());
        assertTrue(atA.path("discovered").asBoolean(), atA.toString());
        JsonNode atB = remoteVteps(homeB).get(0);
        assertEquals("geneve.green." + aVtep, atB.path("port").asText(), atB.toString());
        // A opens it on B's new record; B as it applies the revision (it has A's record already).
        assertTrue(
            swA.output().contains("tunnel ports opened: geneve.green." + bVtep), swA.output());
        assertTrue(
            swB.output().contains("segment green: encapsulation vxlan -> geneve"), swB.output());
        JsonNode b2 = dvs.hosts().path("hostB");
        assertEquals("[]", b2.path("vnis").toString(), b2.toString());
        assertEquals("[5001]", b2.path("geneve-vnis").toString(), b2.toString());
        Cli.Result table = dvs.ctl("hosts");
        assertTrue(
            table.out().contains("vtep " + bVtep + " vnis none geneve-vnis 5001"), table.out());
        Await.until(
            "a to reach b over Geneve", Duration.ofSeconds(30), () -> a.ping("10.63.0.2", 1));
        assertTrue(b.ping("10.63.0.1", 2), "b to a");
        assertEquals(0, swA.stop(), swA.output());
        assertEquals(0, swB.stop(), swB.output());
      }
    }
  }

  /** A host whose file has one segment, green (VNI 5001), over Geneve or VXLAN. */
  private SwitchProcess greenHost(
      Path home, String name, String vmIface, String uplink, String vtep, boolean geneve) {
    String config =
        """
        workers: {cores: [-1], idle: backoff}
        eal: {hugepages: "off"}
        port-groups:
          - {name: web, vlan: {mode: access, id: 100}}
          - {name: underlay, vlan: {mode: access, id: 1}}
        ports:
          - {name: vm, type: afxdp, iface: %s, port-group: web}
          - {name: up, type: afxdp, iface: %s, port-group: underlay}
        overlay:
          vtep: {port: up, address: %s/24}
          segments:
            - {name: green, vni: 5001, encapsulation: %s, port-groups: [web]}
        """
            .formatted(vmIface, uplink, vtep, geneve ? "geneve" : "vxlan");
    return SwitchProcess.start(home, config, dvs.hostFlags(home, name, TTL));
  }

  private SwitchProcess host(
      Path home,
      String name,
      String vmIface,
      String group,
      String tag,
      String address,
      String uplink,
      String vtep) {
    String config =
        """
        workers: {cores: [-1], idle: backoff}
        port-groups:
          - {name: web, vlan: {mode: access, id: 100}}
          - {name: dbg, vlan: {mode: access, id: 100}}
          - {name: underlay, vlan: {mode: access, id: 1}}
        ports:
          - {name: vm, type: afxdp, iface: %s, port-group: %s, tags: [%s], addresses: ["%s"]}
          - {name: up, type: afxdp, iface: %s, port-group: underlay}
        overlay:
          vtep: {port: up, address: %s/24}
          segments:
            - {name: blue, vni: 5101, port-groups: [web, dbg]}
        """
            .formatted(vmIface, group, tag, address, uplink, vtep);
    return SwitchProcess.start(home, config, dvs.hostFlags(home, name, TTL));
  }

  /** The shared config: the three groups, web's ingress ACL, the security groups web and db. */
  private static ObjectNode policy() {
    ObjectNode doc = ConfigJson.MAPPER.createObjectNode();
    ArrayNode groups = doc.putArray("port-groups");
    ObjectNode web = groups.addObject().put("name", "web");
    web.putObject("vlan").put("mode", "access").put("id", 100);
    web.putObject("acl").put("ingress", "web-out");
    groups.addObject().put("name", "dbg").putObject("vlan").put("mode", "access").put("id", 100);
    groups.addObject().put("name", "underlay").putObject("vlan").put("mode", "access").put("id", 1);
    ArrayNode sgs = doc.putArray("security-groups");
    sgs.addObject().put("name", "web").putArray("tags").add("web");
    sgs.addObject().put("name", "db").putArray("tags").add("db");
    ObjectNode acl = doc.putArray("acls").addObject().put("name", "web-out").put("default", "deny");
    ArrayNode rules = acl.putArray("rules");
    rules.addObject().put("priority", 10).put("action", "allow").put("ether-type", "arp");
    // The segment is shared too: a revision without it would leave both hosts with none.
    ObjectNode blue = doc.putObject("overlay").putArray("segments").addObject();
    blue.put("name", "blue").put("vni", 5101).putArray("port-groups").add("web").add("dbg");
    rules
        .addObject()
        .put("priority", 20)
        .put("action", "allow")
        .put("src-group", "web")
        .put("dst-group", "db")
        .put("protocol", "tcp")
        .put("dst-port", "5432");
    return doc;
  }

  private static String probe(NetnsHost from, int port, int seconds) {
    String last = "";
    // The first SYN may meet an unresolved path (ARP through the tunnel); a few tries, each short.
    for (int i = 0; i < Math.max(1, seconds / 2); i++) {
      last = from.output("python3", "-c", PROBE, "10.61.0.2", Integer.toString(port), "2").strip();
      if (last.equals("open")) {
        return last;
      }
    }
    return last;
  }

  private static JsonNode remoteVteps(Path host) {
    Cli.Result r = ctl(host, "--json", "overlay");
    assertEquals(0, r.code(), r.err());
    JsonNode segments = tree(r.out()).path("segments");
    return segments.size() == 0
        ? ConfigJson.MAPPER.createArrayNode()
        : segments.get(0).path("remote-vteps");
  }

  private static JsonNode groups(Path host) {
    Cli.Result r = ctl(host, "--json", "security-groups");
    assertEquals(0, r.code(), r.err());
    return tree(r.out());
  }

  private static JsonNode group(JsonNode groups, String name) {
    for (JsonNode g : groups) {
      if (g.path("name").asText().equals(name)) {
        return g;
      }
    }
    throw new AssertionError("no group " + name + " in " + groups);
  }

  private static List<String> members(JsonNode groups, String name) {
    return strings(group(groups, name).path("members"));
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
