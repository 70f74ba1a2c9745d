package io.vswitch.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.testing.NetnsHost;
import io.vswitch.control.testing.SwitchProcess;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Traffic keeps flowing while the control plane changes the switch: two hosts ping each other
 * through it every 10 ms while 1,000 changes go through the API (a third port moved between VLANs,
 * added and removed; static FDB entries added and removed; aging changed). Not one ping may be
 * lost: none of the changes touches the path between the two hosts.
 */
class TrafficDuringChangesTest {
  @TempDir Path dir;

  @BeforeAll
  static void needsNamespaces() {
    Assumptions.assumeTrue(NetnsHost.available(), "needs root and iproute2");
  }

  @Test
  void aThousandChangesLoseNoPacket() throws Exception {
    String tag = (ProcessHandle.current().pid() % 1000) + "c";
    Path state = dir.resolve("state");
    String api;
    try (ServerSocket free = new ServerSocket(0)) {
      api = "http://127.0.0.1:" + free.getLocalPort();
    }
    try (NetnsHost h1 = NetnsHost.create(tag + "1", "10.96.0.1/24");
        NetnsHost h2 = NetnsHost.create(tag + "2", "10.96.0.2/24");
        SwitchProcess sw =
            SwitchProcess.start(
                    dir,
                    """
                    workers: {cores: [-1], idle: backoff}
                    acls:
                      - name: hosts
                        default: allow
                        rules: [{priority: 10, action: deny, protocol: tcp, dst-port: "9"}]
                    port-groups:
                      - {name: v10, vlan: {mode: access, id: 10}, acl: {ingress: hosts}}
                      - {name: v20, vlan: {mode: access, id: 20}}
                    ports:
                      - {name: h1, devargs: "net_af_packet_%s1,iface=%s", port-group: v10}
                      - {name: h2, devargs: "net_af_packet_%s2,iface=%s", port-group: v10}
                      - {name: x, devargs: "net_null_%sx,no-rx=1", port-group: v20}
                    """
                        .formatted(tag, h1.switchInterface(), tag, h2.switchInterface(), tag),
                    "--state-dir",
                    state.toString(),
                    "--api",
                    api.substring("http://".length()),
                    "--allow-raw-devargs") // adds net_null ports through the API
                .awaitRunning()) {
      assertTrue(h1.ping("10.96.0.2", 1) || h1.ping("10.96.0.2", 1), "path up before changes");
      String token = Files.readString(state.resolve("api-token")).trim();

      Process ping =
          new ProcessBuilder(
                  "ip",
                  "netns",
                  "exec",
                  "vsw-" + tag + "1",
                  "ping",
                  "-i",
                  "0.01",
                  "-W",
                  "1",
                  "10.96.0.2")
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("ping.log").toFile())
              .start();
      HttpClient http = HttpClient.newHttpClient();
      for (int i = 0; i < 1000; i++) {
        int status = change(http, api, token, i, tag);
        assertEquals(200, status, "change " + i);
      }
      // SIGINT: ping prints its statistics (`ip netns exec` exec'd ping, so the pid is ping's).
      new ProcessBuilder("kill", "-INT", Long.toString(ping.pid())).start().waitFor();
      ping.waitFor(10, TimeUnit.SECONDS);
      String summary = Files.readString(dir.resolve("ping.log"), StandardCharsets.UTF_8);
      System.out.println(
          "traffic during 1000 changes: "
              + summary.lines().filter(l -> l.contains("transmitted")).findFirst().orElse(summary));
      Matcher m = Pattern.compile("(\\d+) packets transmitted, (\\d+) received").matcher(summary);
      assertTrue(m.find(), summary);
      int sent = Integer.parseInt(m.group(1));
      int received = Integer.parseInt(m.group(2));
      assertTrue(sent > 100, "pinged throughout: " + sent);
      // The last echo may still be in flight when ping is stopped.
      assertTrue(
          sent - received <= 1, "lost " + (sent - received) + " of " + sent + ":\n" + summary);
      assertEquals(0, sw.stop(), sw.output());
    }
  }

  /** Change i of a cycle that touches everything but the h1-h2 path. */
  private static int change(HttpClient http, String api, String token, int i, String tag)
      throws IOException, InterruptedException {
    HttpRequest.Builder request;
    switch (i % 6) {
      case 0 ->
          request =
              HttpRequest.newBuilder(URI.create(api + "/v1/ports/x/port-group"))
                  .PUT(HttpRequest.BodyPublishers.ofString(i % 8 == 0 ? "v10" : "v20"));
      case 1 ->
          request =
              HttpRequest.newBuilder(URI.create(api + "/v1/ports"))
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"name\":\"y\",\"devargs\":\"net_null_"
                              + tag
                              + "y"
                              + i
                              + ",no-rx=1\",\"port-group\":\"v20\"}"));
      case 2 -> request = HttpRequest.newBuilder(URI.create(api + "/v1/ports/y")).DELETE();
      case 3 ->
          request =
              putConfig(
                  http,
                  api,
                  config -> {
                    config.withObjectProperty("fdb").put("aging-seconds", 300 + (i % 7));
                  });
      case 4 ->
          request =
              putConfig(
                  http,
                  api,
                  config -> {
                    var rule =
                        (com.fasterxml.jackson.databind.node.ObjectNode)
                            config.withArray("acls").get(0).withArray("rules").get(0);
                    rule.put("dst-port", Integer.toString(1000 + i));
                  });
      default ->
          request =
              putConfig(
                  http,
                  api,
                  config -> {
                    var group =
                        (com.fasterxml.jackson.databind.node.ObjectNode)
                            config.withArray("port-groups").get(0);
                    group.putObject("qos").putObject("mark").put("dscp", i % 64);
                  });
    }
    return http.send(
            request.header("Authorization", "Bearer " + token).build(),
            HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }

  /** GET the running config, edit its JSON, PUT it back: a whole-config change. */
  private static HttpRequest.Builder putConfig(
      HttpClient http,
      String api,
      java.util.function.Consumer<com.fasterxml.jackson.databind.node.ObjectNode> edit)
      throws IOException, InterruptedException {
    var config =
        (com.fasterxml.jackson.databind.node.ObjectNode)
            io.vswitch.control.plane.ConfigJson.MAPPER.readTree(get(http, api + "/v1/config"));
    edit.accept(config);
    return HttpRequest.newBuilder(URI.create(api + "/v1/config"))
        .PUT(
            HttpRequest.BodyPublishers.ofString(io.vswitch.control.plane.ConfigJson.write(config)));
  }

  private static String get(HttpClient http, String url) throws IOException, InterruptedException {
    return http.send(
            HttpRequest.newBuilder(URI.create(url)).GET().build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }
}
