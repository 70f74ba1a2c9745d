package io.vswitch.control.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.SwitchLauncher;
import io.vswitch.control.api.metrics.Exposition;
import io.vswitch.control.api.metrics.MetricFamily;
import io.vswitch.control.config.ConfigLoader;
import io.vswitch.control.config.ConfigValidator;
import io.vswitch.control.config.SwitchConfig;
import io.vswitch.control.plane.ControlAgent;
import io.vswitch.control.plane.ControlPlane;
import io.vswitch.control.plane.Journal;
import io.vswitch.control.testing.Promtool;
import io.vswitch.control.testing.RawHttp;
import io.vswitch.dataplane.testing.TestEal;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The --metrics listener over a running L2 switch (DPDK net_null ports, in this JVM): what it
 * serves passes promtool's lint and holds every declared family, it needs no token, and it serves
 * nothing but GET /metrics to a client that names this switch.
 */
class MetricsServerTest {
  @TempDir Path dir;
  private SwitchLauncher.Running running;
  private Journal journal;
  private ControlAgent agent;
  private MetricsServer server;

  @BeforeEach
  void start() throws Exception {
    TestEal.get();
    String yaml =
        """
        workers: {cores: [-1], idle: backoff}
        conntrack: {capacity: 4096}
        acls: [{name: in, default: allow, rules: [{priority: 10, action: allow, ct-state: [new]}]}]
        port-groups: [{name: v10, vlan: {mode: access, id: 10}, acl: {ingress: in}}]
        ports:
          - {name: "a", devargs: "net_null_msta,no-rx=1", port-group: v10}
          - {name: "b.2", devargs: "net_null_mstb,no-rx=1", port-group: v10}
          - {name: "c", devargs: "net_null_mstc,no-rx=1"}
          - {name: "d", devargs: "net_null_mstd,no-rx=1"}
        teams: [{name: up, members: [c, d], port-group: v10, lacp: {}}]
        """;
    SwitchConfig config = ConfigValidator.validate(ConfigLoader.parse(yaml, "test"));
    running = SwitchLauncher.open(config, dir.resolve("counters"));
    running.runtime().start();
    journal = new Journal(dir.resolve("state"));
    journal.append("test", "initial configuration", "{}");
    ControlPlane plane = new ControlPlane(config, running.runtime(), running.l2(), journal);
    agent =
        new ControlAgent(8, System.err).every(Duration.ofSeconds(1), "fdb aging", () -> {}).start();
    PrometheusMetrics metrics = PrometheusMetrics.forDaemon(plane, agent, () -> 0);
    server = MetricsServer.start(new InetSocketAddress("127.0.0.1", 0), metrics, agent);
  }

  @AfterEach
  void stop() {
    server.close();
    agent.close();
    journal.close();
    running.runtime().close();
    running.close();
  }

  private String get(String path, String host) throws Exception {
    return RawHttp.exchange(
        server.address(), "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
  }

  private static String body(String response) {
    return response.substring(response.indexOf("\r\n\r\n") + 4);
  }

  @Test
  void servesEveryDeclaredFamilyWithoutTheTokenAndPromtoolFindsNothingWrong() throws Exception {
    get("/metrics", "127.0.0.1"); // so that the listener has answered once: a 200 to count
    String response = get("/metrics", "localhost:" + server.address().getPort());
    assertTrue(response.startsWith("HTTP/1.1 200 "), response);
    assertTrue(response.contains("Content-Type: " + Exposition.CONTENT_TYPE + "\r\n"), response);
    String text = body(response);
    assertEquals(List.of(), Promtool.check(text), text);

    Set<String> series =
        text.lines()
            .filter(l -> !l.startsWith("#"))
            .map(l -> l.replaceAll("[{ ].*", ""))
            .collect(Collectors.toSet());
    for (MetricFamily family : MetricFamily.values()) {
      assertTrue(
          text.contains("# TYPE " + family.metric() + " " + family.type().name().toLowerCase()),
          family.metric());
      assertTrue(series.containsAll(family.seriesNames()), family.metric() + " has no sample");
    }
    assertTrue(
        text.contains("vswitch_port_packets_total{port=\"b.2\",direction=\"rx\"} 0\n"), text);
    assertTrue(
        text.contains(
            "vswitch_port_dropped_packets_total{port=\"a\",reason=\"acl_ingress_deny\"} 0\n"),
        text);
    assertTrue(
        text.contains("vswitch_api_responses_total{listener=\"metrics\",code=\"200\"} "), text);
    assertTrue(text.contains("vswitch_port_link_up{port=\"a\"} 1\n"), text);
  }

  @Test
  void servesNothingElseAndRefusesAForeignHost() throws Exception {
    assertTrue(get("/v1/config", "127.0.0.1").startsWith("HTTP/1.1 404 "));
    assertTrue(get("/metrics/../v1/fdb", "127.0.0.1").startsWith("HTTP/1.1 404 "));
    String post =
        RawHttp.exchange(
            server.address(),
            "POST /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n");
    assertTrue(post.startsWith("HTTP/1.1 405 ") && post.contains("Allow: GET\r\n"), post);
    String rebound = get("/metrics", "evil.example");
    assertTrue(rebound.startsWith("HTTP/1.1 403 "), "DNS rebinding: " + rebound);
    String withBody =
        RawHttp.exchange(
            server.address(),
            "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\nhello");
    assertTrue(withBody.startsWith("HTTP/1.1 400 "), withBody);
  }
}
