package io.vswitch.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.testing.NetnsHost;
import io.vswitch.control.testing.SwitchProcess;
import io.vswitch.dataplane.stats.CounterFile;
import io.vswitch.dataplane.stats.DropReason;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ACLs and QoS through the real switch, with kernels as hosts (network namespaces on veth pairs,
 * over net_af_packet), all in access VLAN 10:
 *
 * <pre>
 *   h1 10.97.0.1  ingress ACL: deny TCP to port 80 of h2; marks DSCP 46 (EF) and PCP 5
 *   h2 10.97.0.2  HTTP and iperf3 servers; egress shaped to 100 Mbit/s
 *   h3 10.97.0.3  ingress policer srTCM, 80 kbit/s, drop on exceed
 *   t  10.97.0.4  trunk (VLAN 10 tagged), answered by the user-space 802.1Q host
 * </pre>
 */
class AclQosNetnsTest {
  @TempDir Path dir;
  private final List<NetnsHost> hosts = new ArrayList<>();
  private NetnsHost h1;
  private NetnsHost h2;
  private NetnsHost h3;
  private NetnsHost trunk;
  private SwitchProcess sw;

  @BeforeAll
  static void needsNamespaces() {
    Assumptions.assumeTrue(NetnsHost.available(), "needs root and iproute2");
  }

  private NetnsHost host(String name, String cidr, String mac) {
    String tag = (ProcessHandle.current().pid() % 1000) + "q" + name;
    NetnsHost host = NetnsHost.create(tag, cidr, mac);
    hosts.add(host);
    return host;
  }

  @BeforeEach
  void network() {
    h1 = host("1", "10.97.0.1/24", "02:00:00:97:00:01");
    h2 = host("2", "10.97.0.2/24", "02:00:00:97:00:02");
    h3 = host("3", "10.97.0.3/24", "02:00:00:97:00:03");
    trunk = host("t", null, "02:00:00:97:00:04");
    trunk.serveVlans("02:00:00:97:00:04", "10:10.97.0.4");
    String config =
        """
        workers: {cores: [-1], idle: backoff}
        acls:
          - name: no-web
            default: allow
            rules:
              - {priority: 10, action: deny, src-ip: 10.97.0.1, dst-ip: 10.97.0.2,
                 protocol: tcp, dst-port: 80}
        port-groups:
          - name: clients
            vlan: {mode: access, id: 10}
            acl: {ingress: no-web}
            qos: {mark: {dscp: 46, pcp: 5}}
          - name: servers
            vlan: {mode: access, id: 10}
            qos:
              egress-shaper: {average-bps: 100000000, peak-bps: 100000000, burst-bytes: 65536}
          - name: policed
            vlan: {mode: access, id: 10}
            qos:
              ingress-policer: {type: srtcm, cir-bps: 80000, cbs-bytes: 3000, ebs-bytes: 3000}
          - {name: uplink, vlan: {mode: trunk, allowed: [10]}}
        ports:
          - {name: h1, devargs: "net_af_packet_q1,iface=%s", port-group: clients}
          - {name: h2, devargs: "net_af_packet_q2,iface=%s", port-group: servers}
          - {name: h3, devargs: "net_af_packet_q3,iface=%s", port-group: policed}
          - {name: t,  devargs: "net_af_packet_qt,iface=%s", port-group: uplink}
        """
            .formatted(
                h1.switchInterface(),
                h2.switchInterface(),
                h3.switchInterface(),
                trunk.switchInterface());
    sw = SwitchProcess.start(dir, config).awaitRunning();
  }

  @AfterEach
  void tearDown() {
    if (sw != null) {
      sw.close();
    }
    hosts.forEach(NetnsHost::close);
  }

  private static boolean reaches(NetnsHost from, String to) {
    from.ping(to, 1);
    return from.ping(to, 3);
  }

  private static boolean fetches(NetnsHost from, String url) {
    String script =
        "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=3).read()";
    return from.exec("python3", "-c", script, url) == 0;
  }

  private long drops(int port, DropReason reason) {
    try (CounterFile counters = CounterFile.open(dir.resolve("counters"))) {
      return counters.sum(port, reason);
    }
  }

  @Test
  void aRuleDenyingTcpPort80StopsHttpWhilePingStillPasses() throws Exception {
    Path www = Files.createDirectories(dir.resolve("www"));
    Files.writeString(www.resolve("index.html"), "hello\n");
    h2.background(
        "python3", "-m", "http.server", "80", "--bind", "10.97.0.2", "--directory", www.toString());
    assertTrue(reaches(h3, "10.97.0.2"));
    boolean served = false;
    for (int attempt = 0; attempt < 20 && !served; attempt++) {
      served = fetches(h3, "http://10.97.0.2/index.html");
      if (!served) {
        Thread.sleep(250); // the server is still starting
      }
    }
    assertTrue(served, "h3 (no ACL) fetches from h2: the server works");
    assertTrue(reaches(h1, "10.97.0.2"), "ping from h1 passes the ACL");
    assertFalse(fetches(h1, "http://10.97.0.2/index.html"), "HTTP from h1 is denied");
    assertTrue(drops(0, DropReason.ACL_INGRESS_DENY) > 0, "counted as ACL denies on h1");
    assertTrue(reaches(h1, "10.97.0.2"), "and ping still passes afterwards");
  }

  @Test
  void iperf3ThroughAPortShapedTo100MbitMeasuresWithin10Percent() {
    h2.background("iperf3", "-s", "-B", "10.97.0.2");
    assertTrue(reaches(h1, "10.97.0.2"));
    // TCP goodput of 1448 payload bytes per 1514-byte frame: 95.6 Mbit/s when the frames are
    // shaped to exactly 100. Fresh-clone CI runs measured 70-79 three times in a row: the worker
    // (idle: backoff) parked while the shaper held frames, and a park past the bucket's 5 ms
    // threw tokens away; it now polls while a shaper holds frames. Two retries stay for a machine
    // where other work takes the worker's core for longer than that.
    double mbps = 0;
    for (int attempt = 0; attempt < 3; attempt++) {
      mbps = iperf3(h1, "10.97.0.2");
      if (mbps >= 90 && mbps <= 110) {
        break;
      }
    }
    System.out.println("shaped iperf3: " + mbps + " Mbit/s");
    assertTrue(mbps >= 90 && mbps <= 110, "iperf3 measured " + mbps + " Mbit/s, not 100 +- 10%");
  }

  /** Mbit/s received by the server over 4 seconds, after the first (the burst) is omitted. */
  private static double iperf3(NetnsHost client, String server) {
    String json = "";
    for (int wait = 0; wait < 20 && !json.contains("sum_received"); wait++) {
      json = client.output("iperf3", "-c", server, "-t", "4", "-O", "1", "-J");
    }
    Matcher m =
        Pattern.compile("\"sum_received\"\\s*:\\s*\\{[^}]*?\"bits_per_second\"\\s*:\\s*([0-9.e+]+)")
            .matcher(json);
    assertTrue(m.find(), "iperf3 gave no result: " + json);
    return Double.parseDouble(m.group(1)) / 1e6;
  }

  @Test
  void aPolicedPortDropsWhatExceedsItsRateCountedAgainstThePolicer() {
    assertTrue(reaches(h3, "10.97.0.2"), "within the committed rate: pings pass");
    // 100 pings of 1000 bytes in a second: 800 kbit/s against 80 kbit/s.
    h3.exec("ping", "-c", "100", "-i", "0.01", "-s", "1000", "-q", "10.97.0.2");
    long red = drops(2, DropReason.POLICER_RED);
    assertTrue(red > 50, "policer drops on h3: " + red);
    assertEquals(0, drops(0, DropReason.POLICER_RED), "only on the policed port");
  }

  /**
   * What {@code at} captures while h1 pings {@code target}; tried up to three times, because
   * tcpdump may take longer than its second to attach on a loaded machine.
   */
  private String capture(NetnsHost at, String filter, String flags, String target) {
    String text = "";
    for (int attempt = 0; attempt < 3 && !text.contains("ICMP echo request"); attempt++) {
      text = at.captureText(filter, flags, () -> h1.ping(target, 3));
    }
    return text;
  }

  @Test
  void markingIsSeenInCaptures() {
    assertTrue(reaches(h1, "10.97.0.2"));
    assertTrue(reaches(h1, "10.97.0.4"));
    String atH2 = capture(h2, "icmp", "-v", "10.97.0.2");
    assertTrue(atH2.contains("tos 0xb8"), "DSCP 46 (EF) on the access port:\n" + atH2);
    String atTrunk = capture(trunk, "icmp or (vlan and icmp)", "-v -e", "10.97.0.4");
    assertTrue(
        Pattern.compile("vlan 10, p 5").matcher(atTrunk).find(),
        "PCP 5 on the trunk's tag:\n" + atTrunk);
    assertTrue(atTrunk.contains("tos 0xb8"), atTrunk);
    assertEquals(0, sw.stop(), sw.output());
  }
}
