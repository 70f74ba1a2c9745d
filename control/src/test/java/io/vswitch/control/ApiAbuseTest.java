package io.vswitch.control;

import static io.vswitch.control.testing.RawHttp.connect;
import static io.vswitch.control.testing.RawHttp.exchange;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.cli.VswitchCtl;
import io.vswitch.control.testing.Cli;
import io.vswitch.control.testing.SwitchProcess;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon's API under abuse, as a child process: slow clients, bodies it must not read,
 * concurrent edits, foreign Host headers, the unix socket's permissions, the daemon gone.
 */
class ApiAbuseTest {
  @TempDir Path dir;
  private Path state;
  private int port;
  private SwitchProcess daemon;
  private final String tag = "ap" + ProcessHandle.current().pid() % 10000;

  @BeforeEach
  void start() throws Exception {
    state = dir.resolve("state");
    port = freePort();
    daemon = startDaemon(dir, state, "127.0.0.1:" + port);
  }

  @AfterEach
  void stop() {
    daemon.close();
  }

  private static int freePort() throws IOException {
    try (ServerSocket free = new ServerSocket(0)) {
      return free.getLocalPort();
    }
  }

  private SwitchProcess startDaemon(Path where, Path stateDir, String api) {
    String yaml =
        """
        eal: {hugepages: "off"}
        workers: {cores: [-1], idle: backoff}
        port-groups:
          - {name: v10, vlan: {mode: access, id: 10}}
          - {name: v20, vlan: {mode: access, id: 20}}
        ports:
          - {name: a, devargs: "net_null_%sa,no-rx=1", port-group: v10}
        """
            .formatted(tag);
    return SwitchProcess.start(where, yaml, "--state-dir", stateDir.toString(), "--api", api)
        .awaitRunning();
  }

  /** vswitchctl as the operator runs it: the unix socket found through --state-dir. */
  private Cli.Result ctl(String... args) {
    return Cli.run(List.of("--state-dir", state.toString()), args);
  }

  /** vswitchctl as its own JVM, as 40 operators' shells would run it at once. */
  private Cli.Result ctlProcess(String... args) throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                VswitchCtl.class.getName(),
                "--state-dir",
                state.toString()));
    command.addAll(List.of(args));
    Path out = Files.createTempFile(dir, "ctl", ".out");
    Path err = Files.createTempFile(dir, "ctl", ".err");
    Process process =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    int code = process.waitFor();
    return new Cli.Result(code, Files.readString(out), Files.readString(err));
  }

  private InetSocketAddress tcp() {
    return new InetSocketAddress("127.0.0.1", port);
  }

  private String token() throws IOException {
    return Files.readString(state.resolve("api-token")).trim();
  }

  @Test
  void theUnixSocketIsTheDefaultAndOnlyItsOwnerMayUseIt() throws Exception {
    Path socket = state.resolve("api.sock");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
    Cli.Result show = ctl("show");
    assertEquals(0, show.code(), show.err());
    assertTrue(show.out().contains("v10"), show.out());
    assertTrue(daemon.output().contains("api on unix:" + socket), daemon.output());
  }

  @Test
  void aHalfHeaderHeldOpenDoesNotFreezeTheApi() throws Exception {
    try (SocketChannel slow = connect(tcp());
        SocketChannel slowUnix = connect(UnixDomainSocketAddress.of(state.resolve("api.sock")))) {
      slow.write(ByteBuffer.wrap("GET /v1/config HTTP/1.1\r\nHo".getBytes()));
      slowUnix.write(ByteBuffer.wrap("PUT /v1/config HTTP/1.1\r\n".getBytes()));
      for (int i = 0; i < 5; i++) {
        Cli.Result show = ctl("show");
        assertEquals(0, show.code(), show.err());
      }
      assertEquals(0, ctl("add-acl-rule", "x", "{\"priority\":1,\"action\":\"deny\"}").code());
    }
  }

  @Test
  void fortyParallelVswitchctlRuleAddsAllLandAndTheHistorySaysWhichRule() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(40);
    List<Future<Cli.Result>> results = new ArrayList<>();
    for (int i = 1; i <= 40; i++) {
      String rule =
          "{\"priority\":" + i + ",\"action\":\"deny\",\"protocol\":\"tcp\",\"dst-port\":\"80\"}";
      results.add(pool.submit(() -> ctlProcess("add-acl-rule", "web-in", rule)));
    }
    for (Future<Cli.Result> r : results) {
      assertEquals(0, r.get().code(), r.get().err());
    }
    pool.shutdown();
    Cli.Result config = ctl("--json", "show");
    Matcher priorities = Pattern.compile("\"priority\":(\\d+)").matcher(config.out());
    List<String> found = new ArrayList<>();
    while (priorities.find()) {
      found.add(priorities.group(1));
    }
    assertEquals(40, found.size(), config.out());
    Cli.Result history = ctl("history");
    long adds =
        history
            .out()
            .lines()
            .filter(l -> l.contains("add acl rule") && l.contains("to web-in"))
            .count();
    assertEquals(40, adds, history.out());
    assertTrue(
        history.out().contains("add acl rule 7 to web-in: deny tcp dst-port 80"), history.out());
    assertTrue(
        history.out().contains("api unix socket, user " + System.getProperty("user.name")),
        history.out());

    Cli.Result moved = ctl("set-port-group", "a", "v20");
    assertEquals(0, moved.code(), moved.err());
    assertTrue(ctl("history").out().contains("port a: port-group v10 -> v20"));
  }

  @Test
  void tagEditsAreValidatedWholeAndTwentyConcurrentOnesAllLand() throws Exception {
    Path groups = dir.resolve("groups.yaml");
    Files.writeString(
        groups,
        """
        eal: {hugepages: "off"}
        workers: {cores: [-1], idle: backoff}
        port-groups:
          - {name: v10, vlan: {mode: access, id: 10}}
          - {name: v20, vlan: {mode: access, id: 20}}
        ports:
          - {name: a, devargs: "net_null_%sa,no-rx=1", port-group: v10}
        security-groups:
          - {name: web, tags: [web]}
        acls:
          - name: dfw
            default: deny
            rules: [{priority: 20, action: allow, src-group: web, protocol: tcp, dst-port: 80}]
        """
            .formatted(tag));
    Cli.Result applied = ctl("apply", groups.toString());
    assertEquals(0, applied.code(), applied.err());
    // a would join web by its tag, but has no addresses for the rule to match
    Cli.Result joined = ctl("set-port-tags", "a", "web");
    assertEquals(2, joined.code());
    assertEquals(
        "vswitchctl: error: security group 'web': member port 'a' (tag web) has no addresses; a"
            + " group rule matches its members by their addresses",
        joined.err().strip());

    for (String body : List.of("{\"a\":1}", "[1]", "\"web\"", "[\"a b\"]", "not json")) {
      String reply =
          exchange(
              tcp(),
              "PUT /v1/ports/a/tags HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                  + token()
                  + "\r\nContent-Length: "
                  + body.length()
                  + "\r\n\r\n"
                  + body);
      assertTrue(reply.startsWith("HTTP/1.1 400"), body + ": " + reply);
    }
    String unauthorised =
        exchange(
            tcp(),
            "PUT /v1/ports/a/tags HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n[]");
    assertTrue(unauthorised.startsWith("HTTP/1.1 401"), unauthorised);
    String missing = exchange(tcp(), "GET /v1/acls/nope HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    assertTrue(missing.startsWith("HTTP/1.1 404"), missing);

    ExecutorService pool = Executors.newFixedThreadPool(20);
    List<Future<Cli.Result>> results = new ArrayList<>();
    for (int i = 1; i <= 20; i++) {
      String t = "t" + i;
      results.add(pool.submit(() -> ctl("set-port-tags", "a", t, "app")));
    }
    for (Future<Cli.Result> r : results) {
      assertEquals(0, r.get().code(), r.get().err());
    }
    pool.shutdown();
    long edits = ctl("history").out().lines().filter(l -> l.contains("port a: tags [")).count();
    assertEquals(20, edits, "every edit landed, none lost");
    assertTrue(
        ctl("--json", "show").out().matches("(?s).*\"tags\":\\[\"t[0-9]+\",\"app\"\\].*"),
        "the last edit's tags");
    Cli.Result acl = ctl("acl", "show", "dfw");
    assertTrue(acl.out().contains("src-group web (0 compiled)"), acl.out());
  }

  @Test
  void aStaleIfMatchIsRefusedWith409AndAFreshOneApplies() throws Exception {
    String get = exchange(tcp(), "GET /v1/config HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    Matcher etag = Pattern.compile("ETag: \"(\\d+)\"").matcher(get);
    assertTrue(etag.find(), get);
    long seen = Long.parseLong(etag.group(1));
    String config = get.substring(get.indexOf("\r\n\r\n") + 4);
    Path file = dir.resolve("edited.json");
    Files.writeString(file, config.replace("\"port-group\":\"v10\"", "\"port-group\":\"v20\""));

    assertEquals(0, ctl("add-acl-rule", "other", "{\"priority\":5,\"action\":\"deny\"}").code());
    Cli.Result stale = ctl("apply", file.toString(), "--if-match", Long.toString(seen));
    assertEquals(1, stale.code(), stale.out());
    assertTrue(stale.err().contains("the config changed since you read it"), stale.err());
    assertTrue(ctl("--json", "show").out().contains("\"port-group\":\"v10\""), "nothing changed");

    Cli.Result fresh = ctl("apply", file.toString(), "--if-match", Long.toString(seen + 1));
    assertEquals(0, fresh.code(), fresh.err());
    // the whole-config apply says what it changed, not just "apply config"
    assertTrue(fresh.out().contains("remove acl other"), fresh.out());
    assertTrue(fresh.out().contains("port a: port-group v10 -> v20"), fresh.out());
  }

  @Test
  void bodiesAreCappedAndNeverReadBeforeAuthorisation() throws Exception {
    String hugeGet =
        exchange(
            tcp(),
            "GET /v1/config HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1500000000\r\n\r\nxxxx");
    assertTrue(hugeGet.startsWith("HTTP/1.1 400"), hugeGet);
    String unauthorised =
        exchange(
            tcp(),
            "PUT /v1/config HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n\r\nxx");
    assertTrue(unauthorised.startsWith("HTTP/1.1 401"), unauthorised);
    String huge =
        exchange(
            tcp(),
            "PUT /v1/config HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                + token()
                + "\r\nContent-Length: 1500000000\r\n\r\n");
    assertTrue(huge.startsWith("HTTP/1.1 413"), huge);
    assertTrue(huge.contains("over the limit of 4194304"), huge);
    assertEquals(0, ctl("show").code(), "the daemon is fine");
  }

  @Test
  void aForeignHostHeaderIsRefused() throws Exception {
    String rebound =
        exchange(tcp(), "GET /v1/config HTTP/1.1\r\nHost: evil.example:" + port + "\r\n\r\n");
    assertTrue(rebound.startsWith("HTTP/1.1 403"), rebound);
    assertTrue(rebound.contains("DNS rebinding"), rebound);
    String noHost = exchange(tcp(), "GET /v1/config HTTP/1.1\r\n\r\n");
    assertTrue(noHost.startsWith("HTTP/1.1 403"), noHost);
    String foreignOrigin =
        exchange(
            tcp(),
            "GET /v1/config HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://evil.example\r\n\r\n");
    assertTrue(foreignOrigin.startsWith("HTTP/1.1 403"), foreignOrigin);
    for (String ok : List.of("127.0.0.1:" + port, "localhost:" + port, "localhost")) {
      String reply = exchange(tcp(), "GET /v1/config HTTP/1.1\r\nHost: " + ok + "\r\n\r\n");
      assertTrue(reply.startsWith("HTTP/1.1 200"), ok + ": " + reply);
    }
  }

  @Test
  void onANonLoopbackAddressReadsNeedTheTokenAndTheSwitchSaysItIsCleartext() throws Exception {
    InetAddress external = null;
    for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      for (InetAddress a : Collections.list(nic.getInetAddresses())) {
        if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
          external = a;
        }
      }
    }
    Assumptions.assumeTrue(external != null, "no non-loopback IPv4 address on this host");
    Path otherDir = Files.createDirectories(dir.resolve("other"));
    Path otherState = otherDir.resolve("state");
    int otherPort = freePort();
    String ip = external.getHostAddress();
    daemon.close(); // one switch at a time on this EAL file prefix
    daemon = startDaemon(otherDir, otherState, ip + ":" + otherPort);
    assertTrue(daemon.output().contains("is cleartext HTTP"), daemon.output());
    InetSocketAddress address = new InetSocketAddress(ip, otherPort);
    String anonymous = exchange(address, "GET /v1/config HTTP/1.1\r\nHost: " + ip + "\r\n\r\n");
    assertTrue(anonymous.startsWith("HTTP/1.1 401"), anonymous);
    String token = Files.readString(otherState.resolve("api-token")).trim();
    String authorised =
        exchange(
            address,
            "GET /v1/config HTTP/1.1\r\nHost: "
                + ip
                + ":"
                + otherPort
                + "\r\nAuthorization: Bearer "
                + token
                + "\r\n\r\n");
    assertTrue(authorised.startsWith("HTTP/1.1 200"), authorised);
  }

  @Test
  void addPortTakesTypedPortsLikeTheConfigFile() {
    Cli.Result typed =
        ctl("add-port", "c", "--type", "afxdp", "--iface", "nosuchif9", "--port-group", "v20");
    assertTrue(typed.err().contains("nosuchif9"), "the typed port reached the switch: " + typed);
    assertEquals(2, typed.code(), typed.err());
    Cli.Result untyped = ctl("add-port", "c", "--iface", "x");
    assertEquals(2, untyped.code());
    assertTrue(untyped.err().contains("needs --type"), untyped.err());
    Cli.Result raw = ctl("add-port", "c", "--devargs", "net_null_" + tag + "c,no-rx=1");
    assertEquals(2, raw.code(), "raw devargs need --allow-raw-devargs: " + raw);
    assertTrue(raw.err().contains("raw devargs are refused"), raw.err());
    String capture = state.resolve("captures").resolve("c.pcap").toString();
    Cli.Result capturing = ctl("add-port", "c", "--type", "pcap-file", "--tx-file", capture);
    assertEquals(0, capturing.code(), capturing.err());
    assertTrue(ctl("show").out().contains("c"), "port c runs");
    Cli.Result badName = ctl("del-port", "../x");
    assertEquals(2, badName.code());
  }

  @Test
  void whenTheDaemonIsDownTheCliSaysSoInOneLine() {
    daemon.stop();
    Cli.Result down = ctl("show");
    assertEquals(1, down.code());
    String socket = state.resolve("api.sock").toString();
    assertTrue(
        down.err()
            .startsWith(
                "vswitchctl: cannot reach vswitch at " + socket + ": is the daemon running? ("),
        down.err());
    assertEquals(1, down.err().strip().lines().count(), down.err());
    assertTrue(!down.err().contains("null"), down.err());
  }
}
