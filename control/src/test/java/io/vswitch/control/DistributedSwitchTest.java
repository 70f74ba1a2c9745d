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
import io.vswitch.dataplane.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A distributed switch on a real etcd (Debian's, started by the test on a free loopback port) and
 * two switch processes as its hosts: host A switches two network-namespace "VMs" over afpacket,
 * host B has two net_null ports. The shared config written once with vswitchctl reaches both
 * (checked through each host's own API), an ACL from it stops A's pings, an invalid revision is
 * refused by the hosts who keep the old, etcd killed -9 leaves A forwarding and both reporting it,
 * a change written while B was down reaches it when etcd is back, and a host killed -9 leaves
 * {@code hosts} when its lease runs out.
 */
class DistributedSwitchTest {
  private static final String SWITCH = "dvs1";
  private static final int TTL = 4;

  @TempDir Path dir;

  private SharedSwitch dvs;

  @Test
  void oneConfigReachesEveryHostAndSurvivesEtcdOutages() throws Exception {
    Assumptions.assumeTrue(EtcdServer.available(), "needs /usr/bin/etcd (scripts/install-deps.sh)");
    Assumptions.assumeTrue(NetnsHost.available(), "needs root and iproute2");
    try (EtcdServer server = EtcdServer.start();
        NetnsHost vm1 = NetnsHost.create("etca1", "10.77.0.1/24");
        NetnsHost vm2 = NetnsHost.create("etca2", "10.77.0.2/24")) {
      dvs = new SharedSwitch(server, SWITCH, dir);
      Path a = Files.createDirectories(dir.resolve("a"));
      Path b = Files.createDirectories(dir.resolve("b"));
      String hostA =
          """
          workers: {cores: [-1], idle: backoff}
          port-groups:
            - {name: web, vlan: {mode: access, id: 10}}
          ports:
            - {name: vm1, type: afpacket, iface: %s, port-group: web}
            - {name: vm2, type: afpacket, iface: %s, port-group: web}
          """
              .formatted(vm1.switchInterface(), vm2.switchInterface());
      String hostB =
          """
          workers: {cores: [-1], idle: backoff}
          port-groups:
            - {name: web, vlan: {mode: access, id: 10}}
          ports:
            - {name: b1, devargs: "net_null_etcb1,no-rx=1", port-group: web, mac: "02:00:00:00:0b:01"}
            - {name: b2, devargs: "net_null_etcb2,no-rx=1", port-group: web}
          etcd: {endpoints: ["%s"], switch: dvs1, host: hostB, lease-ttl: %d}
          """
              .formatted(server.endpoint(), TTL);
      try (SwitchProcess swA = host(a, hostA, "hostA").awaitRunning();
          SwitchProcess swB0 = hostFromFile(b, hostB).awaitRunning()) {
        SwitchProcess swB = swB0;
        awaitMetric(a, "vswitch_etcd_connected", 1, swA);
        awaitMetric(b, "vswitch_etcd_connected", 1, swB);
        assertTrue(pings(vm1, vm2), "A switches before any shared config:\n" + swA.output());

        // A policy change written once reaches both hosts: VLAN 20 and an ACL denying ICMP.
        long v1 = dvs.set(shared(20, true));
        awaitRevision(a, v1, swA);
        awaitRevision(b, v1, swB);
        for (Path host : List.of(a, b)) {
          JsonNode config = running(host);
          assertEquals(20, group(config, "web").path("vlan").path("id").asInt(), config.toString());
          assertEquals("no-icmp", group(config, "web").path("acl").path("ingress").asText());
          assertEquals("no-icmp", config.path("acls").get(0).path("name").asText());
        }
        assertFalse(vm1.ping(vm2.address(), 2), "the shared ACL denies ICMP on A");
        Cli.Result history = ctl(a, "history");
        assertTrue(history.out().contains("etcd dvs1 revision " + v1), history.out());
        Cli.Result hosts = dvs.ctl("hosts");
        assertEquals(0, hosts.code(), hosts.err());
        assertTrue(hosts.out().contains("hostA") && hosts.out().contains("hostB"), hosts.out());
        JsonNode records = ConfigJson.MAPPER.readTree(dvs.ctl("--json", "hosts").out());
        assertEquals(v1, records.path("hostB").path("revision").asLong(), records.toString());
        assertEquals("ok", records.path("hostB").path("status").asText());
        assertEquals(
            "02:00:00:00:0b:01", records.path("hostB").path("ports").get(0).path("mac").asText());
        assertEquals("web", records.path("hostA").path("ports").get(1).path("port-group").asText());

        // Refused by vswitchctl before anything is written: malformed, or a host-local section.
        Cli.Result bad =
            dvs.ctl("config", "set", dvs.file("bad.yaml", "acls: [{name: x, default: maybe}]"));
        assertEquals(2, bad.code(), bad.err());
        Cli.Result local =
            dvs.ctl(
                "config", "set", dvs.file("local.yaml", "ports: [{name: p, devargs: net_null0}]"));
        assertEquals(2, local.code(), local.err());
        assertTrue(local.err().contains("host-local"), local.err());
        Cli.Result dup = dvs.ctl("config", "set", dvs.file("dup.yaml", "acls: []\nacls: []\n"));
        assertEquals(2, dup.code(), dup.err());
        assertEquals(v1, dvs.config().path("revision").asLong(), "nothing was written");

        // Valid alone, invalid on the hosts (their ports are in 'web'): refused there, old kept.
        ObjectNode noWeb = ConfigJson.MAPPER.createObjectNode();
        noWeb.putArray("port-groups").addObject().put("name", "other");
        long v2 = dvs.set(noWeb);
        awaitMetric(a, "vswitch_etcd_refused_revisions_total", 1, swA);
        awaitMetric(b, "vswitch_etcd_refused_revisions_total", 1, swB);
        assertEquals(v1, metric(a, "vswitch_etcd_config_revision"));
        assertEquals(20, group(running(b), "web").path("vlan").path("id").asInt());
        assertFalse(vm1.ping(vm2.address(), 1), "A kept the ACL of revision " + v1);
        Await.until(
            "hostB's record to say it refused",
            Duration.ofSeconds(10),
            () -> dvs.hosts().path("hostB").path("status").asText().equals("refused"));
        assertTrue(
            dvs.hosts().path("hostB").path("detail").asText().contains("revision " + v2),
            dvs.hosts().toString());
        assertTrue(swA.output().contains("refused revision " + v2), swA.output());

        // Not JSON at all, written past vswitchctl: refused by every host too.
        try (EtcdStore store = new EtcdStore(List.of(server.endpoint()))) {
          assertTrue(
              store.putIfRevision(EtcdStore.configKey(SWITCH), "{\"acls\": [", v2).isPresent());
        }
        awaitMetric(a, "vswitch_etcd_refused_revisions_total", 2, swA);
        awaitMetric(b, "vswitch_etcd_refused_revisions_total", 2, swB);
        assertEquals(v1, metric(b, "vswitch_etcd_config_revision"));

        // A shared section is the distributed switch's: a host's own API refuses to change it.
        Cli.Result localEdit =
            ctl(a, "add-acl-rule", "no-icmp", "{\"priority\":5,\"action\":\"allow\"}");
        assertEquals(2, localEdit.code(), localEdit.out() + localEdit.err());
        assertTrue(localEdit.err().contains("distributed switch"), localEdit.err());

        long v3 = dvs.set(shared(20, false));
        awaitRevision(a, v3, swA);
        awaitRevision(b, v3, swB);
        assertTrue(pings(vm1, vm2), "the ACL is gone on A:\n" + swA.output());

        // etcd killed: both hosts say so, A keeps forwarding, and says it once.
        int before = swA.output().length();
        server.kill();
        awaitMetric(a, "vswitch_etcd_connected", 0, swA);
        awaitMetric(b, "vswitch_etcd_connected", 0, swB);
        assertTrue(vm1.ping(vm2.address(), 5), "A forwards with etcd down:\n" + swA.output());
        assertEquals(v3, metric(a, "vswitch_etcd_config_revision"));
        Thread.sleep(3000);
        assertEquals(
            1,
            count(swA.output().substring(before), "forwarding on the last applied config"),
            swA.output());

        // etcd back (same data): the hosts reconnect and take the next change.
        server.restart();
        awaitMetric(a, "vswitch_etcd_connected", 1, swA);
        awaitMetric(b, "vswitch_etcd_connected", 1, swB);
        long v4 = dvs.set(shared(20, true));
        awaitRevision(a, v4, swA);
        awaitRevision(b, v4, swB);
        assertFalse(vm1.ping(vm2.address(), 2), "the ACL is back on A");

        // B down while a change is written, then restarted with etcd down: it runs what it last
        // applied (the journal) and takes the change missed when etcd returns.
        assertEquals(0, swB.stop(), swB.output());
        long v5 = dvs.set(shared(30, false));
        awaitRevision(a, v5, swA);
        server.kill();
        swB = hostFromFile(b, hostB).awaitRunning();
        try (SwitchProcess restarted = swB) {
          assertEquals(0, metric(b, "vswitch_etcd_connected"));
          assertEquals(v4, metric(b, "vswitch_etcd_config_revision"), restarted.output());
          JsonNode asLeft = running(b);
          assertEquals(20, group(asLeft, "web").path("vlan").path("id").asInt(), asLeft.toString());
          assertEquals("no-icmp", asLeft.path("acls").get(0).path("name").asText());
          server.restart();
          awaitRevision(b, v5, restarted);
          assertEquals(30, group(running(b), "web").path("vlan").path("id").asInt());
          assertEquals(0, running(b).path("acls").size());
          assertTrue(pings(vm1, vm2), "v5 has no ACL: A forwards ICMP again");

          // A host killed -9 leaves the list when its lease runs out; the other stays.
          Await.until(
              "hostB published again", Duration.ofSeconds(10), () -> dvs.hosts().has("hostB"));
          restarted.kill();
          Await.until(
              "hostB to leave the hosts list after its " + TTL + " s lease",
              Duration.ofSeconds(TTL + 10),
              () -> !dvs.hosts().has("hostB"));
          assertTrue(dvs.hosts().has("hostA"), dvs.hosts().toString());
        }
        assertEquals(0, swA.stop(), swA.output());
        Await.until(
            "a stopped host withdraws its record at once",
            Duration.ofSeconds(3),
            () -> !dvs.hosts().has("hostA"));
      }
    }
  }

  /** Many writers doing read-modify-write with compare-and-set: every one's rule is there. */
  @Test
  void concurrentWritersNeverLoseAnUpdate() throws Exception {
    Assumptions.assumeTrue(EtcdServer.available(), "needs /usr/bin/etcd (scripts/install-deps.sh)");
    try (EtcdServer server = EtcdServer.start()) {
      dvs = new SharedSwitch(server, SWITCH, dir);
      ObjectNode start = ConfigJson.MAPPER.createObjectNode();
      start.putArray("acls").addObject().put("name", "shared").put("default", "allow");
      long r0 = dvs.set(start);

      // Two writers from the same revision: one wins, the other is told, and wrote nothing.
      String one = dvs.file("one.json", "{\"acls\":[{\"name\":\"one\",\"default\":\"allow\"}]}");
      String two = dvs.file("two.json", "{\"acls\":[{\"name\":\"two\",\"default\":\"deny\"}]}");
      Cli.Result first = dvs.ctl("config", "set", one, "--if-revision", Long.toString(r0));
      Cli.Result second = dvs.ctl("config", "set", two, "--if-revision", Long.toString(r0));
      assertEquals(0, first.code(), first.err());
      assertEquals(1, second.code(), second.err());
      assertTrue(second.err().contains("conflict"), second.err());
      assertEquals("one", dvs.config().path("config").path("acls").get(0).path("name").asText());
      dvs.set(start);

      int writers = 6;
      AtomicInteger conflicts = new AtomicInteger();
      ExecutorService pool = Executors.newFixedThreadPool(writers);
      List<Future<?>> done = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        int priority = 10 + w;
        done.add(
            pool.submit(
                () -> {
                  for (int attempt = 0; attempt < 50; attempt++) {
                    JsonNode now = dvs.config();
                    ObjectNode doc = (ObjectNode) now.path("config").deepCopy();
                    ArrayNode rules = ((ObjectNode) doc.path("acls").get(0)).withArray("rules");
                    rules
                        .addObject()
                        .put("priority", priority)
                        .put("action", "deny")
                        .put("vlan", priority);
                    String f =
                        dvs.file("w" + priority + "-" + attempt + ".json", ConfigJson.write(doc));
                    Cli.Result r =
                        dvs.ctl("config", "set", f, "--if-revision", now.path("revision").asText());
                    if (r.code() == 0) {
                      return null;
                    }
                    assertTrue(r.err().contains("conflict"), r.err());
                    conflicts.incrementAndGet();
                  }
                  throw new AssertionError("writer " + priority + " never got its turn");
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
      pool.shutdown();
      JsonNode rules = dvs.config().path("config").path("acls").get(0).path("rules");
      assertEquals(writers, rules.size(), "every writer's rule is there: " + rules);
      System.out.println("concurrent writers: " + conflicts.get() + " conflicts retried");

      // Single-item edits, as for one host: concurrent ones all land (vswitchctl redoes its edit
      // when another writer came first).
      ExecutorService editors = Executors.newFixedThreadPool(writers);
      List<Future<Cli.Result>> edits = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        String rule = "{\"priority\":" + (100 + w) + ",\"action\":\"deny\",\"protocol\":\"udp\"}";
        edits.add(editors.submit(() -> dvs.ctl("add-acl-rule", "shared", rule)));
      }
      for (Future<Cli.Result> f : edits) {
        assertEquals(0, f.get().code(), f.get().err());
      }
      editors.shutdown();
      assertEquals(
          2 * writers, dvs.config().path("config").path("acls").get(0).path("rules").size());
      Cli.Result del = dvs.ctl("del-acl-rule", "shared", "100");
      assertEquals(0, del.code(), del.err());
      assertTrue(del.out().contains("revision"), del.out());
      assertEquals(
          2 * writers - 1, dvs.config().path("config").path("acls").get(0).path("rules").size());
      long before = dvs.config().path("revision").asLong();
      Cli.Result badRule =
          dvs.ctl("add-acl-rule", "shared", "{\"priority\":1,\"action\":\"maybe\"}");
      assertEquals(2, badRule.code(), badRule.err());
      Cli.Result noRule = dvs.ctl("del-acl-rule", "shared", "99999");
      assertEquals(2, noRule.code(), noRule.err());
      Cli.Result badQos = dvs.ctl("set-qos", "nosuchgroup", "none");
      assertEquals(2, badQos.code(), badQos.err());
      assertEquals(before, dvs.config().path("revision").asLong(), "refused edits wrote nothing");
    }
  }

  /** Bad distributed-switch options: one error line and exit 2, before EAL or etcd. */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "--switch dvs1 | need --etcd",
        "--etcd http://127.0.0.1:23790 --switch dvs1 | needs --state-dir",
        "--etcd ftp://127.0.0.1:1 --switch dvs1 --state-dir STATE | http://host:port",
        "--etcd http://127.0.0.1:23790 --state-dir STATE | the switch's name",
        "--etcd http://127.0.0.1:23790 --switch a/b --state-dir STATE | not allowed",
        "--etcd http://127.0.0.1:23790 --switch s --etcd-lease-ttl 1 --state-dir STATE | 2..3600",
        "XC --etcd http://127.0.0.1:23790 --switch s --state-dir STATE | cross-connect cannot join"
      })
  void badDistributedOptionsAreRefusedAtOnce(String args, String expected) {
    boolean crossConnect = args.startsWith("XC ");
    String yaml =
        "workers: {cores: [-1]}\nports: [{name: a, devargs: net_null_etcx}, {name: b, devargs:"
            + " net_null_etcy}]\n"
            + (crossConnect ? "cross-connect: [[a, b]]\n" : "");
    String[] extra =
        args.replaceFirst("^XC ", "")
            .replace("STATE", dir.resolve("state").toString())
            .trim()
            .split(" +");
    try (SwitchProcess sw = SwitchProcess.start(dir, yaml, extra)) {
      assertEquals(2, sw.waitForExit(), sw.output());
      assertEquals(1, sw.errorLines().size(), sw.output());
      assertTrue(sw.errorLines().getFirst().contains(expected), sw.output());
    }
  }

  private SwitchProcess host(Path state, String config, String name) {
    return SwitchProcess.start(state, config, dvs.hostFlags(state, name, TTL));
  }

  /** A host whose config file has the etcd: section (host B), rather than the flags. */
  private static SwitchProcess hostFromFile(Path state, String config) {
    return SwitchProcess.start(state, config, "--state-dir", state.resolve("state").toString());
  }

  private static ObjectNode shared(int vlan, boolean denyIcmp) {
    ObjectNode doc = ConfigJson.MAPPER.createObjectNode();
    ObjectNode web = doc.putArray("port-groups").addObject().put("name", "web");
    web.putObject("vlan").put("mode", "access").put("id", vlan);
    if (denyIcmp) {
      web.putObject("acl").put("ingress", "no-icmp");
      ObjectNode acl =
          doc.putArray("acls").addObject().put("name", "no-icmp").put("default", "allow");
      acl.putArray("rules")
          .addObject()
          .put("priority", 10)
          .put("action", "deny")
          .put("protocol", "icmp");
    }
    return doc;
  }

  private static JsonNode running(Path host) {
    Cli.Result r = ctl(host, "--json", "show");
    assertEquals(0, r.code(), r.err());
    return tree(r.out());
  }

  private static JsonNode group(JsonNode config, String name) {
    for (JsonNode g : config.path("port-groups")) {
      if (g.path("name").asText().equals(name)) {
        return g;
      }
    }
    throw new AssertionError("no port group " + name + " in " + config);
  }

  private static void awaitRevision(Path host, long revision, SwitchProcess sw) {
    awaitMetric(host, "vswitch_etcd_config_revision", revision, sw);
  }

  /** Pings until one gets through (a port coming up loses the first), then 3 more must. */
  private static boolean pings(NetnsHost from, NetnsHost to) {
    for (int i = 0; i < 10; i++) {
      if (from.ping(to.address(), 1)) {
        return from.ping(to.address(), 3);
      }
    }
    return false;
  }
}
