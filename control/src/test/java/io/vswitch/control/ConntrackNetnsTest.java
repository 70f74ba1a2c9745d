package io.vswitch.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.testing.Cli;
import io.vswitch.control.testing.NetnsHost;
import io.vswitch.control.testing.SwitchProcess;
import io.vswitch.control.testing.TcpPeers;
import io.vswitch.control.testing.UdpPeers;
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

  /**
   * Connects from source port argv[3] (retrying while the server starts), exchanges one message,
   * then aborts the connection with an RST (SO_LINGER 0) and prints the echo.
   */
  private static final String TCP_ABORTING_CLIENT =
      """
      import socket, struct, sys, time
      for attempt in range(40):
          try:
              c = socket.socket()
              c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
              c.bind(("0.0.0.0", int(sys.argv[3])))
              c.settimeout(2)
              c.connect((sys.argv[1], int(sys.argv[2])))
              break
          except OSError:
              c.close()
              time.sleep(0.25)
      else:
          sys.exit(2)
      c.sendall(b"hello")
      print(c.recv(100).decode(), flush=True)
      c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
      c.close()
      """;

  /**
   * A SYN flood with raw sockets: argv[4] SYNs from argv[1] to argv[2]:argv[3], each from another
   * source port (kernel-built IP header, our TCP header with its checksum).
   */
  private static final String SYN_FLOOD =
      """
      import socket, struct, sys
      src, dst, dport, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
      s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
      def checksum(data):
          if len(data) % 2:
              data += b"\\0"
          total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
          while total >> 16:
              total = (total & 0xFFFF) + (total >> 16)
          return ~total & 0xFFFF
      pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, 20)
      for i in range(count):
          sport = 10000 + i % 20000  # below the ephemeral range: not the session's port
          header = struct.pack("!HHIIBBHHH", sport, dport, 1000 + i, 0, 5 << 4, 0x02, 64240, 0, 0)
          header = header[:16] + struct.pack("!H", checksum(pseudo + header)) + header[18:]
          s.sendto(header, (dst, 0))
      print("sent", count)
      """;

  /**
   * Binds port argv[3], sends one datagram to argv[1]:argv[2], prints the echo, then waits argv[4]
   * seconds for one more datagram (the server's late one): prints it, or "nothing".
   */
  private static final String UDP_WAITING_CLIENT =
      """
      import socket, sys, time
      s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
      s.bind(("0.0.0.0", int(sys.argv[3])))
      s.settimeout(1)
      for attempt in range(20):
          s.sendto(b"hello", (sys.argv[1], int(sys.argv[2])))
          try:
              print(s.recv(100).decode(), flush=True)
              break
          except OSError:
              pass
      else:
          sys.exit(2)
      s.settimeout(float(sys.argv[4]))
      try:
          print(s.recv(100).decode())
      except OSError:
          print("nothing")
      """;

  /** Echoes each datagram, then sends "late" to its sender argv[3] seconds later. */
  private static final String UDP_LATE_SERVER =
      """
      import socket, sys, threading, time
      s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
      s.bind((sys.argv[1], int(sys.argv[2])))
      def late(peer):
          time.sleep(float(sys.argv[3]))
          s.sendto(b"late", peer)
      while True:
          data, peer = s.recvfrom(100)
          s.sendto(b"echo:" + data, peer)
          threading.Thread(target=late, args=(peer,), daemon=True).start()
      """;

  @TempDir Path dir;
  private final List<NetnsHost> hosts = new ArrayList<>();
  private NetnsHost a;
  private NetnsHost b;
  private SwitchProcess sw;
  private Path stateDir;
  private int starts;

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
    start("{capacity: 4096}");
  }

  /**
   * (Re)starts the switch with {@code conntrack} as its conntrack section, on a fresh state dir (a
   * start on the old one would restore the journal's config, not this one).
   */
  private void start(String conntrack) {
    if (sw != null) {
      sw.close();
    }
    stateDir = dir.resolve("state" + (++starts));
    sw =
        SwitchProcess.start(dir, config(conntrack), "--state-dir", stateDir.toString())
            .awaitRunning();
  }

  private String config(String conntrack) {
    return """
        workers: {cores: [-1], idle: backoff}
        conntrack: %s
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
        .formatted(conntrack, A, A, a.switchInterface(), b.switchInterface());
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
    return Cli.run(List.of("--state-dir", stateDir.toString()), args);
  }

  @Test
  void theListingShowsTheTrafficsConnectionsAndAFlushRemovesThem() {
    b.background("python3", "-c", UdpPeers.ECHO_SERVER, B, "5001");
    assertEquals("echo:hello", a.output("python3", "-c", UdpPeers.CLIENT, B, "5001", "20").strip());
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
    b.background("python3", "-c", UdpPeers.ECHO_SERVER, B, "5001");
    String reply = a.output("python3", "-c", UdpPeers.CLIENT, B, "5001", "20").strip();
    assertEquals("echo:hello", reply, "b's reply passes as established");

    a.background("python3", "-c", UdpPeers.ECHO_SERVER, A, "5001");
    long deniedBefore = drops(1, DropReason.ACL_INGRESS_DENY);
    assertNotEquals(
        0, b.exec("python3", "-c", UdpPeers.CLIENT, A, "5001", "3"), "b gets no answer");
    assertTrue(drops(1, DropReason.ACL_INGRESS_DENY) > deniedBefore, "b's datagrams denied");
  }

  /** The listing's line for the connection from a's source port {@code port}, or "(none)". */
  private String connection(int port) {
    return ctl("conntrack", "list")
        .out()
        .lines()
        .filter(l -> l.contains(A + ":" + port + " ") || l.contains(A + ":" + port + "\t"))
        .findFirst()
        .orElse("(none)");
  }

  @Test
  void anRstClosesTheConnectionsStateAndOnlyTheCloseTimeoutKeepsIt() {
    b.background("python3", "-c", TcpPeers.ECHO_SERVER, B, "5000");
    assertEquals(
        "hello", a.output("python3", "-c", TCP_ABORTING_CLIENT, B, "5000", "41001").strip());
    // The RST went through the switch, which moved the connection to CLOSE: kept for the close
    // timeout (10 s) only, where an established one would have 7,440 s left.
    String line = connection(41001);
    assertTrue(line.contains(" CLOSE "), "closed by the RST: " + line);
    String[] fields = line.trim().split("\\s+");
    int expiresIn = Integer.parseInt(fields[7]);
    assertTrue(expiresIn <= 10, "the close timeout, not the established one: " + line);
  }

  @Test
  void aReplyAfterTheUdpTimeoutIsRefusedWhileOneBeforeItPasses() {
    // Default timeouts (180 s replied): the server's late datagram 1 s later is a reply.
    b.background("python3", "-c", UDP_LATE_SERVER, B, "5001", "1");
    assertEquals(
        "echo:hello\nlate",
        a.output("python3", "-c", UDP_WAITING_CLIENT, B, "5001", "41002", "5").strip());

    // Timeouts change live: 2 s, and a datagram 4 s later. The connection is gone by then, and
    // the datagram is b opening a new flow towards a, which the ACL refuses.
    Path shorter = dir.resolve("shorter.yaml");
    try {
      java.nio.file.Files.writeString(
          shorter, config("{capacity: 4096, timeouts: {udp-unreplied: 2, udp-replied: 2}}"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    Cli.Result applied = ctl("apply", shorter.toString());
    assertEquals(0, applied.code(), applied.out() + applied.err());
    b.background("python3", "-c", UDP_LATE_SERVER, B, "5002", "4");
    String seen = a.output("python3", "-c", UDP_WAITING_CLIENT, B, "5002", "41003", "6").strip();
    assertEquals("echo:hello\nnothing", seen, "the late datagram after the timeout is refused");
    assertEquals("(none)", connection(41003), "and the expired connection is not listed");
    assertTrue(drops(1, DropReason.ACL_INGRESS_DENY) > 0, "counted as denied on b");
  }

  @Test
  void aSynFloodFillsOnlyTheEmbryonicBudgetAndAnEstablishedSessionGoesOn() {
    start("{capacity: 4096, embryonic: 64}");
    b.background("python3", "-c", TcpPeers.ECHO_SERVER, B, "5000");
    java.util.concurrent.CompletableFuture<String> session =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> a.output("python3", "-c", TcpPeers.SESSION, B, "5000", "0", "8").strip());
    sleep(2000); // the session is established and exchanging
    String flood = a.output("python3", "-c", SYN_FLOOD, A, B, "5000", "30000").strip();
    assertEquals("sent 30000", flood);
    String outcome = session.join();
    assertTrue(outcome.startsWith("ok "), "the established session survived the flood: " + outcome);
    assertTrue(TcpPeers.lines(outcome) > 50, outcome);
    assertTrue(
        drops(0, DropReason.CT_EMBRYONIC_LIMIT) > 0,
        "the flood ran into the embryonic budget (counted on a)");
    // A new, real connection still opens once the flood's half-open entries are gone (closed by
    // a's RSTs to b's SYN-ACKs, or timed out).
    assertEquals("hello", a.output("python3", "-c", TCP_CLIENT, B, "5000", "40").strip());
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
