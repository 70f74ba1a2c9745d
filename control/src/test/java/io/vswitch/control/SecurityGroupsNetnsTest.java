package io.vswitch.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.testing.Cli;
import io.vswitch.control.testing.NetnsHost;
import io.vswitch.control.testing.SwitchProcess;
import io.vswitch.control.testing.UdpPeers;
import io.vswitch.dataplane.stats.DropReason;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NSX-style micro-segmentation through the real switch: three kernels as hosts (network namespaces
 * with their default offloads, on veths over {@code afpacket} ports, one access VLAN), tagged into
 * security groups {@code web} (web1, web2) and {@code db} (db), every port guarded by one ACL:
 *
 * <pre>
 *   10 allow ct-state [established, related]
 *   20 allow ct-state [new] src-group web dst-group db tcp dst-port 5432
 *   25 allow ct-state [new] src-group web dst-group db udp dst-port 5001
 *   30 allow arp;  40 allow ct-state [untracked] (IPv6 neighbour discovery);  default deny
 * </pre>
 *
 * Real TCP and UDP (python sockets): web -> db passes and the reply needs no reverse rule, db ->
 * web is refused; web2's tag moved live takes it out of {@code web}: its new connections are
 * refused, its open one keeps working (the documented choice, as NSX's: state survives a policy
 * change), and so it does when rule 20 is removed; a conntrack flush of web2's port is what ends
 * it. The same over IPv6.
 */
class SecurityGroupsNetnsTest {
  private static final String WEB1 = "10.94.0.1";
  private static final String WEB2 = "10.94.0.2";
  private static final String DB = "10.94.0.3";

  /** An echo server on (address, port): each line of each connection comes back as "echo:LINE". */
  private static final String SERVER =
      """
      import socket, sys, threading
      s = socket.socket(socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET)
      s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
      s.bind((sys.argv[1], int(sys.argv[2])))
      s.listen(16)
      def serve(c):
          for line in c.makefile('rb'):
              c.sendall(b"echo:" + line)
          c.close()
      while True:
          c, _ = s.accept()
          threading.Thread(target=serve, args=(c,), daemon=True).start()
      """;

  /**
   * Connects (argv[3] attempts of 2 s: a SYN dropped by policy times out), then sends each line of
   * stdin and prints the reply, "timeout" when none comes within 3 s. Exit 2: never connected.
   */
  private static final String CLIENT =
      """
      import socket, sys, time
      for attempt in range(int(sys.argv[3])):
          try:
              c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2)
              break
          except OSError:
              time.sleep(0.25)
      else:
          sys.exit(2)
      c.settimeout(3)
      f = c.makefile('r')
      print("connected", flush=True)
      for line in sys.stdin:
          c.sendall(line.encode())
          try:
              print(f.readline().strip() or "closed", flush=True)
          except OSError:
              print("timeout", flush=True)
              break
      """;

  @TempDir Path dir;
  private final List<NetnsHost> hosts = new ArrayList<>();
  private final List<Process> clients = new ArrayList<>();
  private NetnsHost web1;
  private NetnsHost web2;
  private NetnsHost db;
  private SwitchProcess sw;

  @BeforeAll
  static void needsNamespaces() {
    Assumptions.assumeTrue(NetnsHost.available(), "needs root and iproute2");
  }

  private NetnsHost host(String name, String ip, String ip6) {
    String tag = "sg" + (ProcessHandle.current().pid() % 1000) + name;
    NetnsHost host = NetnsHost.createWithDefaultOffloads(tag, ip + "/24");
    hosts.add(host);
    assertEquals(0, host.exec("ip", "addr", "add", ip6 + "/64", "dev", "vh" + tag, "nodad"));
    return host;
  }

  @BeforeEach
  void network() {
    web1 = host("w1", WEB1, "fd94::1");
    web2 = host("w2", WEB2, "fd94::2");
    db = host("db", DB, "fd94::3");
    assertEquals("on", web1.offload("tcp-segmentation-offload"), "default offloads");
    String config =
        """
        eal: {hugepages: "off"}   # hugepages are shared with other runs on a test machine
        workers: {cores: [-1], idle: backoff}
        conntrack: {capacity: 4096}
        security-groups:
          - {name: web, tags: [web]}
          - {name: db, tags: [db]}
        acls:
          - name: dfw
            default: deny
            rules:
              - {priority: 10, action: allow, ct-state: [established, related]}
              - {priority: 20, action: allow, ct-state: [new], src-group: web, dst-group: db,
                 protocol: tcp, dst-port: 5432}
              - {priority: 25, action: allow, ct-state: [new], src-group: web, dst-group: db,
                 protocol: udp, dst-port: 5001}
              - {priority: 30, action: allow, ether-type: arp}
              - {priority: 40, action: allow, ct-state: [untracked]}
        port-groups:
          - {name: seg, vlan: {mode: access, id: 10}, acl: {ingress: dfw}}
        ports:
          - {name: web1, type: afpacket, iface: %s, port-group: seg, tags: [web],
             addresses: [%s, "fd94::1"]}
          - {name: web2, type: afpacket, iface: %s, port-group: seg, tags: [web],
             addresses: [%s, "fd94::2"]}
          - {name: db, type: afpacket, iface: %s, port-group: seg, tags: [db],
             addresses: [%s, "fd94::3"]}
        """
            .formatted(
                web1.switchInterface(),
                WEB1,
                web2.switchInterface(),
                WEB2,
                db.switchInterface(),
                DB);
    sw =
        SwitchProcess.start(dir, config, "--state-dir", dir.resolve("state").toString())
            .awaitRunning();
  }

  @AfterEach
  void tearDown() {
    for (Process c : clients) {
      c.descendants().forEach(ProcessHandle::destroyForcibly);
      c.destroyForcibly();
    }
    if (sw != null) {
      sw.close();
    }
    hosts.forEach(NetnsHost::close);
  }

  private Cli.Result ctl(String... args) {
    return Cli.run(List.of("--state-dir", dir.resolve("state").toString()), args);
  }

  /** One connection, one line: the reply, or what went wrong ("exit 2": never connected). */
  private static String once(NetnsHost from, String to, int attempts) {
    Session s = Session.open(from, to, attempts);
    try {
      return s.connected ? s.send("hello") : "exit " + s.exit();
    } finally {
      s.close();
    }
  }

  /** A long-lived client connection driven line by line. */
  private static final class Session implements AutoCloseable {
    private final Process process;
    private final PrintWriter in;
    private final BufferedReader out;
    private final boolean connected;

    private Session(Process process) throws IOException {
      this.process = process;
      this.in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
      this.out =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      String first = out.readLine();
      this.connected = "connected".equals(first);
    }

    static Session open(NetnsHost from, String to, int attempts) {
      try {
        return new Session(
            new ProcessBuilder(
                    "ip",
                    "netns",
                    "exec",
                    "vsw-" + from.switchInterface().substring(2),
                    "python3",
                    "-c",
                    CLIENT,
                    to,
                    "5432",
                    String.valueOf(attempts))
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    String send(String line) {
      in.println(line);
      try {
        String reply = out.readLine();
        return reply == null ? "closed" : reply;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    int exit() {
      try {
        return process.waitFor(60, TimeUnit.SECONDS) ? process.exitValue() : -1;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return -1;
      }
    }

    @Override
    public void close() {
      in.close();
      process.destroyForcibly();
    }
  }

  private long drops(int port, DropReason reason) {
    return sw.drops(port, reason);
  }

  @Test
  void webReachesDbRepliesNeedNoRuleDbCannotOpenAndATagMovedLiveStopsOnlyNewConnections() {
    db.background("python3", "-c", SERVER, DB, "5432");
    web1.background("python3", "-c", SERVER, WEB1, "5432");
    web2.background("python3", "-c", SERVER, WEB2, "5432");
    assertEquals("echo:hello", once(web1, DB, 40), "web1 -> db 5432, the reply with no rule");

    long deniedBefore = drops(2, DropReason.ACL_INGRESS_DENY);
    assertEquals("exit 2", once(db, WEB1, 3), "db -> web is a new connection nobody allows");
    assertTrue(drops(2, DropReason.ACL_INGRESS_DENY) > deniedBefore, "db's SYNs denied on db");

    db.background("python3", "-c", UdpPeers.ECHO_SERVER, DB, "5001");
    web1.background("python3", "-c", UdpPeers.ECHO_SERVER, WEB1, "5001");
    assertEquals(
        "echo:hello",
        web1.output("python3", "-c", UdpPeers.CLIENT, DB, "5001", "20").strip(),
        "web -> db udp 5001, the reply with no rule");
    assertNotEquals(
        0, db.exec("python3", "-c", UdpPeers.CLIENT, WEB1, "5001", "3"), "db -> web udp refused");

    Session open = Session.open(web2, DB, 40);
    clients.add(open.process);
    assertTrue(open.connected, "web2 -> db while web2 is in web");
    assertEquals("echo:one", open.send("one"));

    assertEquals(2, ctl("set-port-tags", "nope", "web").code(), "an unknown port is refused");
    assertEquals(2, ctl("set-port-tags", "web2", "a b").code(), "a tag is a name");
    assertEquals(2, ctl("acl", "show", "nope").code(), "an unknown acl is 404");
    Cli.Result moved = ctl("set-port-tags", "web2", "app");
    assertEquals(0, moved.code(), moved.err());
    assertTrue(moved.out().contains("port web2: tags [web] -> [app]"), moved.out());
    Cli.Result groups = ctl("security-groups");
    assertTrue(
        groups.out().lines().anyMatch(l -> l.matches("web\\s+web1\\s+10\\.94\\.0\\.1/32,.*")),
        groups.out());

    assertEquals("echo:two", open.send("two"), "web2's open connection keeps working");
    assertEquals("exit 2", once(web2, DB, 3), "web2 is no member of web: no new connection");
    assertEquals("echo:hello", once(web1, DB, 5), "web1 still is");

    Cli.Result acl = ctl("acl", "show", "dfw");
    assertEquals(0, acl.code(), acl.err());
    String rule20 =
        acl.out().lines().filter(l -> l.strip().startsWith("20 ")).findFirst().orElse("");
    assertTrue(rule20.matches("\\s*20\\s+allow\\s+[1-9][0-9]*\\s+.*src-group web.*"), acl.out());
    assertTrue(rule20.endsWith("(2 compiled)"), "web1 x db, IPv4 and IPv6: " + rule20);
    String metrics = ctl("metrics").out();
    assertTrue(
        metrics
            .lines()
            .anyMatch(
                l ->
                    l.matches(
                        "vswitch_acl_rule_hits_total\\{acl=\"dfw\",priority=\"20\"} [1-9][0-9]*")),
        metrics);
    assertTrue(
        metrics
            .lines()
            .anyMatch(
                l ->
                    l.matches(
                        "vswitch_conntrack_connections\\{zone=\"10\",state=\"ESTABLISHED\"} [1-9][0-9]*")),
        metrics);
    assertTrue(
        metrics
            .lines()
            .anyMatch(l -> l.matches("vswitch_conntrack_new_connections_total [1-9][0-9]*")),
        metrics);

    // The allowing rule removed: established connections follow the ct-state rule, as before
    Cli.Result removed = ctl("del-acl-rule", "dfw", "20");
    assertEquals(0, removed.code(), removed.err());
    assertEquals("echo:three", open.send("three"), "state survives the rule's removal");
    assertEquals("exit 2", once(web1, DB, 3), "no rule allows a new connection any more");

    // ... until the operator flushes the port's connections
    Cli.Result flushed = ctl("conntrack", "flush", "--port", "web2");
    assertEquals(0, flushed.code(), flushed.err());
    long invalidBefore = drops(1, DropReason.CT_INVALID);
    assertEquals("timeout", open.send("four"), "a flushed connection is invalid to the ACL");
    assertTrue(drops(1, DropReason.CT_INVALID) > invalidBefore, "counted as ct_invalid on web2");
  }

  @Test
  void groupRulesMatchTheMembersIpv6AddressesToo() {
    db.background("python3", "-c", SERVER, "fd94::3", "5432");
    web1.background("python3", "-c", SERVER, "fd94::1", "5432");
    assertEquals("echo:hello", once(web1, "fd94::3", 30), "web1 -> db over IPv6");
    assertNotEquals("echo:hello", once(db, "fd94::1", 3), "db -> web1 over IPv6 refused");
    Cli.Result listed = ctl("conntrack", "list", "--port", "web1");
    assertTrue(listed.out().contains("fd94"), listed.out());
  }
}
