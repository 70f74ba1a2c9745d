package io.vswitch.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.testing.Cli;
import io.vswitch.control.testing.SwitchProcess;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon as users run it: REST and vswitchctl against a live switch, restarts, kill -9. */
class DaemonTest {
  @TempDir Path dir;
  private Path state;
  private String api;
  private SwitchProcess daemon;
  private final String tag = "d" + ProcessHandle.current().pid() % 10000;

  @BeforeEach
  void start() throws Exception {
    state = dir.resolve("state");
    try (ServerSocket free = new ServerSocket(0)) {
      api = "127.0.0.1:" + free.getLocalPort();
    }
    daemon = startDaemon(config());
  }

  @AfterEach
  void stop() {
    daemon.close();
  }

  private String config() {
    return """
        eal: {hugepages: "off"}
        workers: {cores: [-1], idle: backoff}
        port-groups:
          - {name: v10, vlan: {mode: access, id: 10}}
          - {name: v20, vlan: {mode: access, id: 20}}
        ports:
          - {name: a, devargs: "net_null_%sa,no-rx=1", port-group: v10}
          - {name: b, devargs: "net_null_%sb,no-rx=1", port-group: v10}
        """
        .formatted(tag, tag);
  }

  private SwitchProcess startDaemon(String yaml) {
    return SwitchProcess.start(
            dir, yaml, "--state-dir", state.toString(), "--api", api, "--allow-raw-devargs")
        .awaitRunning();
  }

  private Cli.Result ctl(String... args) {
    return Cli.run(List.of("--api", "http://" + api, "--state-dir", state.toString()), args);
  }

  @Test
  void cliChangesTheRunningSwitchAndSaysWhyWhenItRefuses() {
    Cli.Result added =
        ctl("add-port", "c", "--devargs", "net_null_" + tag + "c,no-rx=1", "--port-group", "v20");
    assertEquals(0, added.code(), added.err());
    assertTrue(added.out().contains("ok: change #2 add port c"), added.out());

    Cli.Result unknownGroup = ctl("set-port-group", "c", "nosuch");
    assertEquals(2, unknownGroup.code());
    assertTrue(unknownGroup.err().contains("unknown port group 'nosuch'"), unknownGroup.err());

    Cli.Result badDevice = ctl("add-port", "d", "--devargs", "net_nosuchdriver3");
    assertEquals(1, badDevice.code());
    assertTrue(badDevice.err().contains("DPDK rejected"), badDevice.err());

    Cli.Result counters = ctl("--json", "counters");
    assertEquals(0, counters.code());
    assertTrue(counters.out().contains("\"name\":\"c\""), counters.out());

    Cli.Result history = ctl("history");
    assertTrue(history.out().contains("add port c"), history.out());
    assertTrue(history.out().contains("initial configuration"), history.out());

    Cli.Result metrics = ctl("metrics");
    assertTrue(
        metrics.out().contains("vswitch_port_packets_total{port=\"c\",direction=\"rx\"}"),
        metrics.out());
    assertTrue(metrics.out().contains("vswitch_fdb_entries"));
    assertTrue(metrics.out().contains("vswitch_burst_latency_seconds_count"));
  }

  @Test
  void cliEditsAclsAndQos() {
    Cli.Result rule =
        ctl(
            "add-acl-rule",
            "web-in",
            "{\"priority\":100,\"action\":\"deny\",\"protocol\":\"tcp\",\"dst-port\":\"80\"}");
    assertEquals(0, rule.code(), rule.err());
    Cli.Result qos = ctl("set-qos", "v10", "{\"mark\":{\"dscp\":46}}");
    assertEquals(0, qos.code(), qos.err());
    Cli.Result badQos = ctl("set-qos", "v10", "{\"mark\":{\"dscp\":99}}");
    assertEquals(2, badQos.code(), "DSCP 99 is refused: " + badQos.err());
    Cli.Result show = ctl("--json", "show");
    assertTrue(show.out().contains("\"dscp\":46"), show.out());
    assertTrue(show.out().contains("\"name\":\"web-in\""), show.out());
    assertEquals(0, ctl("del-acl-rule", "web-in", "100").code());
    Cli.Result missing = ctl("del-acl-rule", "web-in", "7");
    assertEquals(2, missing.code());
    assertTrue(missing.err().contains("no rule with priority 7"), missing.err());
    assertEquals(0, ctl("set-qos", "v10", "none").code());
  }

  @Test
  void changesNeedTheTokenReadsDoNot() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    var get = HttpRequest.newBuilder(URI.create("http://" + api + "/v1/config")).GET().build();
    assertEquals(200, http.send(get, HttpResponse.BodyHandlers.ofString()).statusCode());
    var delete =
        HttpRequest.newBuilder(URI.create("http://" + api + "/v1/ports/a")).DELETE().build();
    assertEquals(401, http.send(delete, HttpResponse.BodyHandlers.ofString()).statusCode());
    var forged =
        HttpRequest.newBuilder(URI.create("http://" + api + "/v1/ports/a"))
            .header("Authorization", "Bearer not-the-token")
            .DELETE()
            .build();
    assertEquals(401, http.send(forged, HttpResponse.BodyHandlers.ofString()).statusCode());
    String token = Files.readString(state.resolve("api-token")).trim();
    var authorized =
        HttpRequest.newBuilder(URI.create("http://" + api + "/v1/ports/a"))
            .header("Authorization", "Bearer " + token)
            .DELETE()
            .build();
    assertEquals(200, http.send(authorized, HttpResponse.BodyHandlers.ofString()).statusCode());
  }

  @Test
  void killMinusNineLosesNothingAcknowledged() {
    assertEquals(0, ctl("add-port", "c", "--devargs", "net_null_" + tag + "c,no-rx=1").code());
    assertEquals(0, ctl("set-port-group", "b", "v20").code());
    daemon.kill();
    daemon = startDaemon(config()); // the journal wins over the (older) config file
    Cli.Result show = ctl("--json", "show");
    assertTrue(show.out().contains("\"name\":\"c\""), show.out());
    assertTrue(
        show.out()
            .contains(
                "{\"name\":\"b\",\"devargs\":\"net_null_"
                    + tag
                    + "b,no-rx=1\",\"port-group\":\"v20\""),
        show.out());
    assertTrue(daemon.output().contains("restoring change #3"), daemon.output());
  }

  @Test
  void cleanRestartComesBackWithTheSameConfig() {
    assertEquals(0, ctl("del-port", "b").code());
    assertEquals(0, daemon.stop());
    daemon = startDaemon(config());
    Cli.Result show = ctl("--json", "show");
    assertTrue(!show.out().contains("\"name\":\"b\""), show.out());
    assertEquals(2, ctl("del-port", "b").code(), "b is gone for good");
  }

  @Test
  void aShortenedJournalIsRefusedInOneLineAndResetKeepsTheDamagedFiles() throws Exception {
    for (int i = 1; i <= 4; i++) {
      assertEquals(0, ctl("set-port-group", "b", i % 2 == 0 ? "v10" : "v20").code());
    }
    assertEquals(0, daemon.stop());
    Path log = state.resolve("journal.log");
    long length = Files.size(log);
    try (FileChannel ch = FileChannel.open(log, StandardOpenOption.WRITE)) {
      ch.truncate(length / 2); // an older, shorter copy put back
    }
    daemon = SwitchProcess.start(dir, config(), "--state-dir", state.toString(), "--api", api);
    assertEquals(VswitchMain.EXIT_CONFIG, daemon.waitForExit(), daemon.output());
    List<String> errors = daemon.errorLines();
    assertEquals(1, errors.size(), daemon.output());
    assertTrue(errors.getFirst().startsWith("vswitch: error: journal "), errors.getFirst());
    assertTrue(
        errors.getFirst().contains("the last acknowledged change was #5"), errors.getFirst());
    assertTrue(errors.getFirst().contains("--reset-journal"), errors.getFirst());
    assertEquals(length / 2, Files.size(log), "a refused start changes nothing");

    daemon =
        SwitchProcess.start(
                dir, config(), "--state-dir", state.toString(), "--api", api, "--reset-journal")
            .awaitRunning();
    assertTrue(daemon.output().contains("vswitch: warning: journal "), daemon.output());
    try (Stream<Path> files = Files.list(state)) {
      List<String> names = files.map(p -> p.getFileName().toString()).toList();
      assertTrue(names.stream().anyMatch(n -> n.startsWith("journal.log.damaged-")), "" + names);
      assertTrue(names.stream().anyMatch(n -> n.startsWith("journal.meta.damaged-")), "" + names);
    }
    assertTrue(ctl("history").out().contains("initial configuration"));
  }

  @Test
  void killMinusNineDuringAStreamOfChangesLosesNoAcknowledgedOne() throws Exception {
    Random random = new Random(16);
    List<Integer> acknowledged = new CopyOnWriteArrayList<>();
    int torn = 0;
    for (int round = 0; round < 3; round++) {
      AtomicBoolean stop = new AtomicBoolean();
      int first = round * 500 + 1;
      Thread changes =
          new Thread(
              () -> {
                for (int i = first; !stop.get(); i++) {
                  String rule =
                      "{\"priority\":%d,\"action\":\"deny\",\"protocol\":\"tcp\",\"dst-port\":\"%d\"}";
                  if (ctl("add-acl-rule", "in", rule.formatted(i, i)).code() == 0) {
                    acknowledged.add(i);
                  } else if (!stop.get()) {
                    throw new AssertionError("rule " + i + " refused while running");
                  }
                }
              });
      changes.start();
      Thread.sleep(400 + random.nextInt(1200));
      stop.set(true);
      daemon.kill(); // SIGKILL while a change is (most likely) in flight
      changes.join();
      daemon = startDaemon(config());
      assertTrue(daemon.errorLines().isEmpty(), daemon.output());
      torn += daemon.output().contains("dropped a torn last record") ? 1 : 0;
      String shown = ctl("--json", "show").out();
      for (int priority : acknowledged) {
        assertTrue(
            Pattern.compile("\"priority\":" + priority + "\\b").matcher(shown).find(),
            "rule " + priority + " lost: " + shown);
      }
    }
    assertTrue(acknowledged.size() >= 3, "changes were made: " + acknowledged);
    System.out.printf(
        "kill -9 x3: %d acknowledged changes all restored; %d torn tails recovered%n",
        acknowledged.size(), torn);
  }

  /**
   * Without --allow-raw-devargs the token holder is confined: raw devargs, a capture outside the
   * capture dir and a hostile name are refused (400, nothing created); a capture in the default
   * {@code <state-dir>/captures} is accepted.
   */
  @Test
  void theTokenReachesOnlyTheConfinedDirectories() throws Exception {
    daemon.close();
    daemon = SwitchProcess.start(dir, config(), "--state-dir", state.toString(), "--api", api);
    daemon.awaitRunning();
    HttpClient http = HttpClient.newHttpClient();
    String token = Files.readString(state.resolve("api-token")).trim();
    Path outside = dir.resolve("elsewhere.pcap");
    Path inside = state.resolve("captures").resolve("c.pcap");
    String[][] refused = {
      {
        "{\"name\":\"c\",\"devargs\":\"net_pcap_x,tx_pcap=" + outside + "\"}",
        "raw devargs are refused through the API"
      },
      {
        "{\"name\":\"c\",\"type\":\"pcap-file\",\"tx-file\":\"" + outside + "\"}",
        "is outside the allowed directories"
      },
      {
        "{\"name\":\"a/b\",\"type\":\"pcap-file\",\"tx-file\":\"" + inside + "\"}",
        "port name 'a/b' is not allowed"
      },
    };
    for (String[] bad : refused) {
      HttpResponse<String> response = http.send(post(token, bad[0]), ofString());
      assertEquals(400, response.statusCode(), response.body());
      assertTrue(response.body().contains(bad[1]), response.body());
    }
    assertTrue(Files.notExists(outside), "a refused change wrote outside the confines");
    String good = "{\"name\":\"c\",\"type\":\"pcap-file\",\"tx-file\":\"" + inside + "\"}";
    HttpResponse<String> response = http.send(post(token, good), ofString());
    assertEquals(200, response.statusCode(), response.body());
  }

  private HttpRequest post(String token, String body) {
    return HttpRequest.newBuilder(URI.create("http://" + api + "/v1/ports"))
        .header("Authorization", "Bearer " + token)
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  private static HttpResponse.BodyHandler<String> ofString() {
    return HttpResponse.BodyHandlers.ofString();
  }
}
