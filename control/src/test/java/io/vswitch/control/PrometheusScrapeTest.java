package io.vswitch.control;

import static io.vswitch.dataplane.testing.FrameBuilder.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vswitch.control.api.metrics.MetricFamily;
import io.vswitch.control.testing.Dashboard;
import io.vswitch.control.testing.Promtool;
import io.vswitch.control.testing.SwitchProcess;
import io.vswitch.dataplane.stats.PortCounter;
import io.vswitch.dataplane.testing.Await;
import io.vswitch.dataplane.testing.IpPackets;
import io.vswitch.dataplane.testing.Pcap;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus (Debian's /usr/bin/prometheus, on loopback, its own config and storage in a
 * temp dir) scrapes a real switch's --metrics listener: the target is up with no scrape error, a
 * counter reads what the switch counted, every declared family arrives, and every query of the
 * Grafana dashboard runs on it without error.
 */
class PrometheusScrapeTest {
  private static final int FRAMES = 120;

  @TempDir Path dir;
  private SwitchProcess daemon;
  private Process prometheus;
  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();
  private String prometheusUrl;

  @AfterEach
  void stop() throws InterruptedException {
    if (prometheus != null) {
      prometheus.destroy();
      if (!prometheus.waitFor(30, TimeUnit.SECONDS)) {
        prometheus.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    if (daemon != null) {
      daemon.close();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket free = new ServerSocket(0)) {
      return free.getLocalPort();
    }
  }

  @Test
  void prometheusScrapesTheSwitchAndRunsEveryDashboardQuery() throws Exception {
    Promtool.require(Promtool.PROMETHEUS);
    List<byte[]> frames = new ArrayList<>();
    // one UDP datagram: a tracked connection for the conntrack families
    frames.add(
        frame()
            .src("02:00:00:00:01:00")
            .dst("ff:ff:ff:ff:ff:ff")
            .etherType(0x0800)
            .payload(IpPackets.ipv4("10.0.0.1", "10.0.0.2", IpPackets.UDP, 4000, 53, 0))
            .build());
    for (int i = 1; i < FRAMES; i++) {
      frames.add(
          frame()
              .src(String.format("02:00:00:00:01:%02x", i))
              .dst(i % 2 == 0 ? "ff:ff:ff:ff:ff:ff" : "02:00:00:00:99:01")
              .payloadLength(100)
              .build());
    }
    Path in = dir.resolve("in.pcap");
    Pcap.write(in, frames);
    String config =
        """
        workers: {cores: [-1], idle: backoff}
        conntrack: {capacity: 4096, timeouts: {udp-unreplied: 3600}}
        acls:
          - {name: tracked, default: allow, rules: [{priority: 10, action: allow, ct-state: [new]}]}
        ports:
          - {name: in, type: pcap-file, rx-file: %s, acl: {ingress: tracked}}
          - {name: out1, devargs: "net_null_prs1,no-rx=1"}
          - {name: out2, devargs: "net_null_prs2,no-rx=1"}
          - {name: up1, devargs: "net_null_prs3,no-rx=1"}
          - {name: up2, devargs: "net_null_prs4,no-rx=1"}
        teams: [{name: up, members: [up1, up2], lacp: {}}]   # team and LACP panels need one
        """
            .formatted(in);
    String metrics = "127.0.0.1:" + freePort();
    daemon =
        SwitchProcess.start(
                dir, config, "--state-dir", dir.resolve("state").toString(), "--metrics", metrics)
            .awaitRunning();
    // the running line may be read before its end is written
    Await.until(
        "the metrics address in the running line: " + daemon.output(),
        Duration.ofSeconds(10),
        () -> daemon.output().contains("metrics on http://" + metrics + "/metrics"));
    Await.until(
        "the capture to be received",
        Duration.ofSeconds(30),
        () -> daemon.counter(0, PortCounter.RX_PACKETS) == FRAMES);

    startPrometheus(
        """
          - job_name: vswitch
            static_configs: [{targets: ["%s"]}]
        """
            .formatted(metrics));
    Await.until(
        "Prometheus to scrape the switch; its log:\n" + log(),
        Duration.ofSeconds(90),
        () -> pause(scrapedOk()));
    JsonNode target = targets().path("data").path("activeTargets").get(0);
    assertEquals("up", target.path("health").asText(), target.toString());
    assertEquals("", target.path("lastError").asText(), target.toString());
    assertEquals("http://" + metrics + "/metrics", target.path("scrapeUrl").asText());

    JsonNode rx = query("vswitch_port_packets_total{port=\"in\",direction=\"rx\"}");
    assertEquals(1, rx.size(), rx.toString());
    assertEquals(String.valueOf(FRAMES), rx.get(0).path("value").get(1).asText());
    JsonNode floods = query("sum(vswitch_port_delivered_packets_total{delivery=\"flood\"})");
    assertTrue(floods.get(0).path("value").get(1).asDouble() >= FRAMES, "every frame floods");

    Set<String> arrived = new TreeSet<>();
    for (JsonNode series : query("count by (__name__) ({__name__=~\"vswitch_.*\"})")) {
      arrived.add(series.path("metric").path("__name__").asText());
    }
    for (MetricFamily family : MetricFamily.values()) {
      assertTrue(arrived.containsAll(family.seriesNames()), family.metric() + " not in " + arrived);
    }

    for (String expr : Dashboard.expressions(Dashboard.read())) {
      JsonNode answer = get("/api/v1/query?query=" + encode(Dashboard.forPrometheus(expr)));
      assertEquals("success", answer.path("status").asText(), expr + ": " + answer);
    }
    // two scrapes apart at least, so rate() has a window: the stall quantile has a value
    Await.until(
        "a stall quantile",
        Duration.ofSeconds(60),
        () ->
            pause(
                !query(
                        "histogram_quantile(0.99, sum by (worker, le)"
                            + " (rate(vswitch_worker_stall_seconds_bucket[1m])))")
                    .isEmpty()));
  }

  /**
   * The other way in: the API over TCP on a non-loopback address, where reads need the token, with
   * the token file as the scrape's credentials_file. Without it the scrape is refused (401).
   */
  @Test
  void prometheusScrapesTheApiWithTheTokenFileAndIsRefusedWithoutIt() throws Exception {
    Promtool.require(Promtool.PROMETHEUS);
    InetAddress external = null;
    for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      for (InetAddress a : Collections.list(nic.getInetAddresses())) {
        if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
          external = a;
        }
      }
    }
    Assumptions.assumeTrue(external != null, "no non-loopback IPv4 address on this host");
    Path state = dir.resolve("state");
    String api = external.getHostAddress() + ":" + freePort();
    daemon =
        SwitchProcess.start(
                dir,
                """
                workers: {cores: [-1], idle: backoff}
                ports:
                  - {name: a, devargs: "net_null_prt1,no-rx=1"}
                  - {name: b, devargs: "net_null_prt2,no-rx=1"}
                """,
                "--state-dir",
                state.toString(),
                "--api",
                api)
            .awaitRunning();
    startPrometheus(
        """
          - job_name: with-token
            authorization: {credentials_file: "%s"}
            static_configs: [{targets: ["%s"]}]
          - job_name: anonymous
            static_configs: [{targets: ["%s"]}]
        """
            .formatted(state.resolve("api-token"), api, api));
    Await.until(
        "both jobs scraped; Prometheus log:\n" + log(),
        Duration.ofSeconds(90),
        () -> pause(scraped("with-token") != null && scraped("anonymous") != null));
    JsonNode withToken = scraped("with-token");
    assertEquals("up", withToken.path("health").asText(), withToken.toString());
    assertEquals("", withToken.path("lastError").asText(), withToken.toString());
    JsonNode anonymous = scraped("anonymous");
    assertEquals("down", anonymous.path("health").asText(), anonymous.toString());
    assertTrue(anonymous.path("lastError").asText().contains("401"), anonymous.toString());
  }

  /** The job's target once it has been scraped at least once, else null. */
  private JsonNode scraped(String job) {
    if (!prometheus.isAlive()) {
      throw new AssertionError("prometheus exited:\n" + log());
    }
    try {
      for (JsonNode target : targets().path("data").path("activeTargets")) {
        if (target.path("labels").path("job").asText().equals(job)
            && !target.path("health").asText().equals("unknown")) {
          return target;
        }
      }
      return null;
    } catch (RuntimeException e) {
      return null; // not listening yet
    }
  }

  /** Starts Prometheus on a free loopback port with {@code scrapeConfigs} (YAML list items). */
  private void startPrometheus(String scrapeConfigs) throws IOException {
    String listen = "127.0.0.1:" + freePort();
    prometheusUrl = "http://" + listen;
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(
        config,
        """
        global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}
        scrape_configs:
        """
            + scrapeConfigs);
    prometheus =
        new ProcessBuilder(
                Promtool.PROMETHEUS.toString(),
                "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("tsdb"),
                "--web.listen-address=" + listen,
                "--log.level=info")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("prometheus.log").toFile())
            .start();
  }

  private String log() {
    try {
      Path file = dir.resolve("prometheus.log");
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (IOException e) {
      return e.toString();
    }
  }

  private boolean scrapedOk() {
    if (!prometheus.isAlive()) {
      throw new AssertionError("prometheus exited:\n" + log());
    }
    try {
      JsonNode active = targets().path("data").path("activeTargets");
      return active.size() == 1
          && active.get(0).path("health").asText().equals("up")
          && !query("vswitch_port_packets_total").isEmpty();
    } catch (RuntimeException e) {
      return false; // not listening yet
    }
  }

  /** Waits a little when {@code done} is false, so that polling does not hammer Prometheus. */
  private static boolean pause(boolean done) {
    if (!done) {
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return done;
  }

  private JsonNode targets() {
    return get("/api/v1/targets?state=active");
  }

  private JsonNode query(String promql) {
    JsonNode answer = get("/api/v1/query?query=" + encode(promql));
    if (!answer.path("status").asText().equals("success")) {
      throw new AssertionError(promql + ": " + answer);
    }
    return answer.path("data").path("result");
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }

  private JsonNode get(String path) {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create(prometheusUrl + path))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return json.readTree(response.body());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
