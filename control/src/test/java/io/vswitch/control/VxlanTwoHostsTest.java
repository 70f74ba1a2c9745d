package io.vswitch.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.testing.Cli;
import io.vswitch.control.testing.NetnsHost;
import io.vswitch.control.testing.SwitchProcess;
import io.vswitch.dataplane.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two switch processes as two hosts, their VTEPs joined by an underlay veth pair (AF_XDP on both
 * ends), one segment across them. The VMs keep the kernel's default offloads (checksums left to
 * "the NIC"), with their MTU at the segment's 1450. Each switch resolves the other's VTEP by ARP.
 *
 * <pre>
 *   a 10.60.0.1 -- switch A, VTEP 192.0.2.11 == underlay veth == VTEP 192.0.2.12, switch B -- b 10.60.0.2
 * </pre>
 */
class VxlanTwoHostsTest {
  private static final String TCP_SERVER =
      """
      import hashlib, socket, sys
      s = socket.socket()
      s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
      s.bind((sys.argv[1], int(sys.argv[2])))
      s.listen(4)
      while True:
          c, _ = s.accept()
          h = hashlib.sha256()
          while True:
              data = c.recv(65536)
              if not data:
                  break
              h.update(data)
          c.sendall(h.hexdigest().encode())
          c.close()
      """;

  /**
   * Sends argv[3] MB of a fixed pseudo-random stream; prints "ok" when the server's hash agrees.
   */
  private static final String TCP_CLIENT =
      """
      import hashlib, random, socket, sys, time
      data = random.Random(7).randbytes(int(sys.argv[3]) * 1048576)
      for attempt in range(20):
          try:
              s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
              break
          except OSError:
              time.sleep(0.5)
      s.settimeout(30)
      s.sendall(data)
      s.shutdown(socket.SHUT_WR)
      reply = b""
      while True:
          part = s.recv(100)
          if not part:
              break
          reply += part
      print("ok" if reply.decode() == hashlib.sha256(data).hexdigest() else "bad " + reply.decode())
      """;

  @TempDir Path dir;
  private final List<NetnsHost> hosts = new ArrayList<>();
  private final List<SwitchProcess> switches = new ArrayList<>();
  private String underlayA;
  private String underlayB;
  private NetnsHost a;
  private NetnsHost b;

  @BeforeAll
  static void needsNamespaces() {
    Assumptions.assumeTrue(NetnsHost.available(), "needs root and iproute2");
  }

  private static String tag(String name) {
    return "vx" + (ProcessHandle.current().pid() % 1000) + name;
  }

  private static void run(String... command) {
    io.vswitch.control.testing.Commands.run(command);
  }

  private NetnsHost vm(String name, String cidr, String mac) {
    NetnsHost host = NetnsHost.overlayGuest(tag(name), cidr, mac);
    hosts.add(host);
    return host;
  }

  private SwitchProcess host(String name, String vm, String underlay, String local, String remote)
      throws java.io.IOException {
    Path home = Files.createDirectories(dir.resolve(name));
    String config =
        """
        workers: {cores: [-1], idle: backoff}
        port-groups:
          - {name: web, vlan: {mode: access, id: 100}}
          - {name: underlay, vlan: {mode: access, id: 1}}
        ports:
          - {name: vm, type: afxdp, iface: %s, port-group: web}
          - {name: up, type: afxdp, iface: %s, port-group: underlay}
        overlay:
          vtep: {port: up, address: %s/24}
          segments:
            - {name: blue, vni: 5001, port-groups: [web], remote-vteps: [%s]}
        """
            .formatted(vm, underlay, local, remote);
    SwitchProcess sw =
        SwitchProcess.start(home, config, "--state-dir", home.resolve("state").toString());
    switches.add(sw);
    return sw;
  }

  @BeforeEach
  void network() throws java.io.IOException {
    underlayA = tag("ua");
    underlayB = tag("ub");
    run("ip", "link", "add", underlayA, "type", "veth", "peer", "name", underlayB);
    for (String side : List.of(underlayA, underlayB)) {
      run("sysctl", "-qw", "net.ipv6.conf." + side + ".disable_ipv6=1");
      run("ip", "link", "set", side, "up");
    }
    a = vm("a", "10.60.0.1/24", "02:00:00:60:00:01");
    b = vm("b", "10.60.0.2/24", "02:00:00:60:00:02");
    SwitchProcess swA = host("A", a.switchInterface(), underlayA, "192.0.2.11", "192.0.2.12");
    SwitchProcess swB = host("B", b.switchInterface(), underlayB, "192.0.2.12", "192.0.2.11");
    swA.awaitRunning();
    swB.awaitRunning();
    Await.until(
        "a to reach b across the two hosts:\n" + swA.output() + "\n" + swB.output(),
        Duration.ofSeconds(60),
        () -> a.ping("10.60.0.2", 1));
  }

  @AfterEach
  void tearDown() {
    switches.forEach(SwitchProcess::close);
    hosts.forEach(NetnsHost::close);
    if (underlayA != null) {
      try {
        run("ip", "link", "del", underlayA);
      } catch (IllegalStateException e) {
        // already gone
      }
    }
  }

  private Cli.Result ctl(String host, String... args) {
    return Cli.run(List.of("--state-dir", dir.resolve(host).resolve("state").toString()), args);
  }

  @Test
  void oneSegmentSpansTwoHostsEachLearningTheOthersVmBehindItsVtep() {
    assertTrue(a.ping("10.60.0.2", 5), "a to b");
    assertTrue(b.ping("10.60.0.1", 5), "b to a");
    String onA = ctl("A", "overlay").out();
    String onB = ctl("B", "overlay").out();
    assertTrue(
        onA.lines().anyMatch(l -> l.startsWith("blue") && l.contains("02:00:00:60:00:02")), onA);
    assertTrue(
        onB.lines().anyMatch(l -> l.startsWith("blue") && l.contains("02:00:00:60:00:01")), onB);
    assertTrue(onA.contains("true") && onB.contains("true"), "each resolved the other by ARP");
  }

  @Test
  void tcpWithTheKernelsDefaultOffloadsCrossesTheTunnelIntact() {
    b.background("python3", "-c", TCP_SERVER, "10.60.0.2", "5000");
    String result = a.output("python3", "-c", TCP_CLIENT, "10.60.0.2", "5000", "8").strip();
    assertEquals("ok", result, "8 MB from a reached b byte for byte");
  }
}
