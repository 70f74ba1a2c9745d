package io.vswitch.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.cli.VswitchCtl;
import io.vswitch.control.testing.SwitchProcess;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
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
    return SwitchProcess.start(dir, yaml, "--state-dir", state.toString(), "--api", api)
        .awaitRunning();
  }

  record Result(int code, String out, String err) {}

  private Result ctl(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] all = new String[args.length + 4];
    all[0] = "--api";
    all[1] = "http://" + api;
    all[2] = "--state-dir";
    all[3] = state.toString();
    System.arraycopy(args, 0, all, 4, args.length);
    int code = VswitchCtl.run(all, new PrintWriter(out), new PrintWriter(err));
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void cliChangesTheRunningSwitchAndSaysWhyWhenItRefuses() {
    Result added =
        ctl("add-port", "c", "--devargs", "net_null_" + tag + "c,no-rx=1", "--port-group", "v20");
    assertEquals(0, added.code(), added.err());
    assertTrue(added.out().contains("ok: change #2 add port c"), added.out());

    Result unknownGroup = ctl("set-port-group", "c", "nosuch");
    assertEquals(2, unknownGroup.code());
    assertTrue(unknownGroup.err().contains("unknown port group 'nosuch'"), unknownGroup.err());

    Result badDevice = ctl("add-port", "d", "--devargs", "net_nosuchdriver3");
    assertEquals(1, badDevice.code());
    assertTrue(badDevice.err().contains("DPDK rejected"), badDevice.err());

    Result counters = ctl("--json", "counters");
    assertEquals(0, counters.code());
    assertTrue(counters.out().contains("\"name\":\"c\""), counters.out());

    Result history = ctl("history");
    assertTrue(history.out().contains("add port c"), history.out());
    assertTrue(history.out().contains("initial configuration"), history.out());

    Result metrics = ctl("metrics");
    assertTrue(metrics.out().contains("vswitch_port_rx_packets_total{port=\"c\"}"));
    assertTrue(metrics.out().contains("vswitch_fdb_entries"));
    assertTrue(metrics.out().contains("vswitch_burst_latency_seconds_count"));
  }

  @Test
  void cliEditsAclsAndQos() {
    Result rule =
        ctl(
            "add-acl-rule",
            "web-in",
            "{\"priority\":100,\"action\":\"deny\",\"protocol\":\"tcp\",\"dst-port\":\"80\"}");
    assertEquals(0, rule.code(), rule.err());
    Result qos = ctl("set-qos", "v10", "{\"mark\":{\"dscp\":46}}");
    assertEquals(0, qos.code(), qos.err());
    Result badQos = ctl("set-qos", "v10", "{\"mark\":{\"dscp\":99}}");
    assertEquals(2, badQos.code(), "DSCP 99 is refused: " + badQos.err());
    Result show = ctl("--json", "show");
    assertTrue(show.out().contains("\"dscp\":46"), show.out());
    assertTrue(show.out().contains("\"name\":\"web-in\""), show.out());
    assertEquals(0, ctl("del-acl-rule", "web-in", "100").code());
    Result missing = ctl("del-acl-rule", "web-in", "7");
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
    Result show = ctl("--json", "show");
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
    Result show = ctl("--json", "show");
    assertTrue(!show.out().contains("\"name\":\"b\""), show.out());
    assertEquals(2, ctl("del-port", "b").code(), "b is gone for good");
  }
}
