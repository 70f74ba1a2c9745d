package io.vswitch.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.testing.Cli;
import io.vswitch.control.testing.NetnsHost;
import io.vswitch.control.testing.SwitchProcess;
import io.vswitch.dataplane.stats.CounterFile;
import io.vswitch.dataplane.stats.DropReason;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stateful ACLs through the real switch, kernels as hosts (network namespaces on veth pairs over
 * net_af_packet, access VLAN 10). Both ports have the same ingress ACL, the common pattern and no
 * reverse rule:
 *
 * <pre>
 *   allow ct-state [established, related]
 *   allow ct-state [new] tcp dst-port 5000 from a;  allow ct-state [new] udp dst-port 5001-5002 from a
 *   allow arp;  default deny
 * </pre>
 *
 * So a reaches b's TCP and UDP servers and b's replies pass as established, b's ICMP errors about
 * a's flows pass as related, while b can open nothing towards a.
 */
class ConntrackNetnsTest {
  private static final String A = "10.93.0.1";
  private static final String B = "10.93.0.2";

  /** Connects (retrying while the server starts), sends "hello", prints the reply. */
  private static final String TCP_CLIENT =
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
      c.sendall(b"hello")
      print(c.recv(100).decode())
      """;

  /** Answers every connection's first message with "echo:" and it. */
  private static final String TCP_SERVER =
      """
      import socket, sys
      s = socket.socket()
      s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
      s.bind((sys.argv[1], int(sys.argv[2])))
      s.listen(8)
      while True:
          c, _ = s.accept()
          c.sendall(b"echo:" + c.recv(100))
          c.close()
      """;

  private static final String UDP_CLIENT =
      """
      import socket, sys
      s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
      s.settimeout(1)
      for attempt in range(int(sys.argv[3])):
          s.sendto(b"hello", (sys.argv[1], int(sys.argv[2])))
          try:
              print(s.recv(100).decode())
              break
          except OSError:
              pass
      else:
          sys.exit(2)
      """;

  private static final String UDP_SERVER =
      """
      import socket, sys
      s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
      s.bind((sys.argv[1], int(sys.argv[2])))
      while True:
          data, peer = s.recvfrom(100)
          s.sendto(b"echo:" + data, peer)
      """;

  /**
   * Sends on a connected UDP socket to a port nobody listens on: "refused" when the ICMP port
   * unreachable that comes back reached the socket, "silent" when nothing did.
   */
  private static final String UDP_PROBE =
      """
      import socket, sys
      s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
      s.settimeout(1)
      s.connect((sys.argv[1], int(sys.argv[2])))
      for attempt in range(5):
          s.send(b"hello")
          try:
              s.recv(100)
          except ConnectionRefusedError:
              print("refused")
              break
          except OSError:
              pass
      else:
          print("silent")
      """;

  @TempDir Path dir;
  private final List<NetnsHost> hosts = new ArrayList<>();
  private NetnsHost a;
  private NetnsHost b;
  private SwitchProcess sw;

  @BeforeAll
  static void needsNamespaces() {
    Assumptions.assumeTrue(NetnsHost.available(), "needs root and iproute2");
  }

  private NetnsHost host(String name, String cidr, String mac) {
    String tag = "ctst" + (ProcessHandle.current().pid() % 1000) + name;
    NetnsHost host = NetnsHost.create(tag, cidr, mac);
    hosts.add(host);
    return host;
  }

  @BeforeEach
  void network() {
    a = host("a", A + "/24", "02:00:00:93:00:01");
    b = host("b", B + "/24", "02:00:00:93:00:02");
    String config =
        """
        workers: {cores: [-1], idle: backoff}
        conntrack: {capacity: 4096}
        acls:
          - name: stateful
            default: deny
            rules:
              - {priority: 10, action: allow, ct-state: [established, related]}
              - {priority: 20, action: allow, ct-state: [new], src-ip: %s, protocol: tcp,
                 dst-port: 5000}
              - {priority: 30, action: allow, ct-state: [new], src-ip: %s, protocol: udp,
                 dst-port: 5001-5002}
              - {priority: 40, action: allow, ether-type: arp}
        port-groups:
          - name: guarded
            vlan: {mode: access, id: 10}
            acl: {ingress: stateful}
        ports:
          - {name: a, devargs: "net_af_packet_ca,iface=%s", port-group: guarded}
          - {name: b, devargs: "net_af_packet_cb,iface=%s", port-group: guarded}
        """
            .formatted(A, A, a.switchInterface(), b.switchInterface());
    sw =
        SwitchProcess.start(dir, config, "--state-dir", dir.resolve("state").toString())
            .awaitRunning();
  }

  @AfterEach
  void tearDown() {
    if (sw != null) {
      sw.close();
    }
    hosts.forEach(NetnsHost::close);
  }

  private long drops(int port, DropReason reason) {
    try (CounterFile counters = CounterFile.open(dir.resolve("counters"))) {
      return counters.sum(port, reason);
    }
  }

  @Test
  void tcpFromAToBWorksBothWaysWithNoReverseRuleAndBCannotOpenOneToA() {
    b.background("python3", "-c", TCP_SERVER, B, "5000");
    String reply = a.output("python3", "-c", TCP_CLIENT, B, "5000", "40").strip();
    assertEquals("echo:hello", reply, "a's data reached b and b's reply came back");
    assertEquals(
        "echo:hello",
        a.output("python3", "-c", TCP_CLIENT, B, "5000", "1").strip(),
        "a second connection too");

    a.background("python3", "-c", TCP_SERVER, A, "5000");
    long deniedBefore = drops(1, DropReason.ACL_INGRESS_DENY);
    // Five attempts of two seconds: the SYNs from b are new connections b's ACL does not allow.
    assertNotEquals(0, b.exec("python3", "-c", TCP_CLIENT, A, "5000", "5"), "b cannot reach a");
    long denied = drops(1, DropReason.ACL_INGRESS_DENY) - deniedBefore;
    assertTrue(denied > 0, "b's SYNs counted as ingress denies on b: " + denied);
  }

  /** vswitchctl against the switch's unix socket. */
  private Cli.Result ctl(String... args) {
    return Cli.run(List.of("--state-dir", dir.resolve("state").toString()), args);
  }

  @Test
  void theListingShowsTheTrafficsConnectionsAndAFlushRemovesThem() {
    b.background("python3", "-c", UDP_SERVER, B, "5001");
    assertEquals("echo:hello", a.output("python3", "-c", UDP_CLIENT, B, "5001", "20").strip());
    Cli.Result listed = ctl("conntrack", "list", "--port", "a");
    assertEquals(0, listed.code(), listed.err());
    String line =
        listed.out().lines().filter(l -> l.contains(B + ":5001")).findFirst().orElse("(none)");
    assertTrue(
        line.contains("udp") && line.contains(A + ":") && line.matches(".*\\sREPLIED\\s.*"),
        "a's UDP flow to b, replied: " + listed.out());
    assertEquals(0, ctl("conntrack", "list", "--zone", "10").code());
    assertTrue(
        ctl("conntrack", "list", "--zone", "20").out().lines().count() == 1, "zone 20: none");

    Cli.Result flushed = ctl("conntrack", "flush", "--port", "a");
    assertEquals(0, flushed.code(), flushed.err());
    assertTrue(flushed.out().matches("(?s)ok: [1-9][0-9]* flushed.*"), flushed.out());
    assertTrue(
        ctl("conntrack", "list", "--port", "a")
            .out()
            .lines()
            .noneMatch(l -> l.contains(B + ":5001")),
        "flushed: gone from the listing");
    assertEquals(2, ctl("conntrack", "list", "--zone", "x").code(), "a bad zone is a usage error");
    assertEquals(
        2, ctl("conntrack", "list", "--port", "nope").code(), "an unknown port is refused");
  }

  @Test
  void anIcmpErrorAboutAnAllowedFlowPassesAsRelated() {
    assertEquals(
        "refused",
        a.output("python3", "-c", UDP_PROBE, B, "5002").strip(),
        "b's port unreachable (related to a's flow) reached a");
  }

  @Test
  void udpRequestAndReplyPassAndANewFlowFromBIsRefused() {
    b.background("python3", "-c", UDP_SERVER, B, "5001");
    String reply = a.output("python3", "-c", UDP_CLIENT, B, "5001", "20").strip();
    assertEquals("echo:hello", reply, "b's reply passes as established");

    a.background("python3", "-c", UDP_SERVER, A, "5001");
    long deniedBefore = drops(1, DropReason.ACL_INGRESS_DENY);
    assertNotEquals(0, b.exec("python3", "-c", UDP_CLIENT, A, "5001", "3"), "b gets no answer");
    assertTrue(drops(1, DropReason.ACL_INGRESS_DENY) > deniedBefore, "b's datagrams denied");
  }
}
