package io.vswitch.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vswitch.control.testing.NetnsHost;
import io.vswitch.control.testing.Nfcapd;
import io.vswitch.control.testing.SwitchProcess;
import io.vswitch.dataplane.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real TCP transfer (iperf3) between two namespace hosts over AF_XDP ports with flow export on,
 * to Debian's nfcapd: for each direction, the packets and IP bytes nfdump shows from a host are
 * exactly what that host's kernel sent (its {@code Ip OutRequests} and {@code IpExt OutOctets} over
 * the transfer), iperf3's data and control connections are two flows each way, and the client's
 * flow carries SYN and FIN.
 */
class IpfixNetnsTest {
  private static final int COLLECTOR_PORT = 47103;
  @TempDir Path dir;
  private NetnsHost h1;
  private NetnsHost h2;

  @AfterEach
  void tearDown() {
    for (NetnsHost h : new NetnsHost[] {h1, h2}) {
      if (h != null) {
        h.close();
      }
    }
  }

  /** Frames and bytes (Ethernet header included) the host's interface has sent. */
  private static long[] sent(NetnsHost host, String iface) {
    String stats = "/sys/class/net/" + iface + "/statistics/";
    return new long[] {
      Long.parseLong(host.output("cat", stats + "tx_packets").trim()),
      Long.parseLong(host.output("cat", stats + "tx_bytes").trim())
    };
  }

  /** No IPv6 and a permanent ARP entry for the peer: the host sends nothing but its IPv4. */
  private static void quiet(NetnsHost host, String iface, String peer, String peerMac) {
    host.exec("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1");
    host.exec("sysctl", "-qw", "net.ipv6.conf." + iface + ".disable_ipv6=1");
    assertEquals(
        0,
        host.exec(
            "ip", "neigh", "replace", peer, "lladdr", peerMac, "dev", iface, "nud", "permanent"));
  }

  @Test
  void nfdumpCountsOfAnIperf3TransferAreWhatEachHostSent() throws Exception {
    Assumptions.assumeTrue(NetnsHost.available(), "needs root and iproute2");
    Assumptions.assumeTrue(Nfcapd.available(), "nfdump (nfcapd) not installed");
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/iperf3")), "iperf3 not installed");
    h1 = NetnsHost.create("ipx1", "10.147.0.1/24", "02:00:00:00:14:01");
    h2 = NetnsHost.create("ipx2", "10.147.0.2/24", "02:00:00:00:14:02");
    quiet(h1, "vhipx1", "10.147.0.2", "02:00:00:00:14:02");
    quiet(h2, "vhipx2", "10.147.0.1", "02:00:00:00:14:01");
    String config =
        """
        workers: {cores: [-1], idle: backoff}
        port-groups: [{name: web, vlan: {mode: access, id: 10}, ipfix: true}]
        ports:
          - {name: h1, type: afxdp, iface: %s, port-group: web}
          - {name: h2, type: afxdp, iface: %s, port-group: web}
        ipfix:
          collectors: [{address: 127.0.0.1, port: %d}]
          idle-timeout: 1
          cache-size: 1024
        """
            .formatted(h1.switchInterface(), h2.switchInterface(), COLLECTOR_PORT);
    try (Nfcapd collector = Nfcapd.start(dir.resolve("flows"), COLLECTOR_PORT);
        SwitchProcess sw = SwitchProcess.start(dir, config).awaitRunning()) {
      Await.until("h1 reaches h2", Duration.ofSeconds(60), () -> h1.ping("10.147.0.2", 1));
      h2.background("iperf3", "-s", "-1", "-B", "10.147.0.2");
      Thread.sleep(3_000); // the pings' flows expire (idle 1 s) before the counted window
      long[] before1 = sent(h1, "vhipx1");
      long[] before2 = sent(h2, "vhipx2");
      long started = System.currentTimeMillis();
      String json = "";
      for (int attempt = 0; attempt < 10 && !json.contains("sum_received"); attempt++) {
        if (attempt > 0) {
          Thread.sleep(250); // the server is still starting
        }
        json =
            h1.output(
                "iperf3",
                "-c",
                "10.147.0.2",
                "-J",
                "-t",
                "2",
                "-b",
                "50M",
                "--connect-timeout",
                "2000");
      }
      JsonNode result = new ObjectMapper().readTree(json).path("end").path("sum_received");
      assertTrue(result.path("bytes").asLong() > 1_000_000, "iperf3 moved data: " + json);
      long[] after1 = sent(h1, "vhipx1");
      long[] after2 = sent(h2, "vhipx2");
      Thread.sleep(4_000); // idle timeout, a sweep, the export period
      collector.stop();
      List<Map<String, String>> flows =
          collector.flows().stream()
              .filter(f -> f.get("sa").startsWith("10.147.0."))
              .filter(f -> java.sql.Timestamp.valueOf(f.get("ts")).getTime() >= started - 1_000)
              .toList();
      assertEquals(0, sw.stop(), sw.output());
      long[] want1 = ipSent(before1, after1);
      long[] want2 = ipSent(before2, after2);
      assertSent(flows, "10.147.0.1", want1, "h1 (client: data)");
      assertSent(flows, "10.147.0.2", want2, "h2 (server: acks)");
      List<Map<String, String>> fromClient =
          flows.stream().filter(f -> f.get("sa").equals("10.147.0.1")).toList();
      // iperf3's control connection and its data connection (the control one may come in two
      // records: it is idle for longer than the 1 s idle timeout during the transfer).
      assertEquals(
          2,
          fromClient.stream().map(f -> f.get("sp")).distinct().count(),
          "two connections: " + fromClient);
      String flags = "";
      for (Map<String, String> f : fromClient) {
        assertEquals("5201", f.get("dp"));
        assertEquals("6", f.get("pr").replace("TCP", "6"));
        assertEquals("1", f.get("in"));
        assertEquals("2", f.get("out"), "h2 learned: unicast to port 2");
        assertEquals("10", f.get("svln"));
        flags += f.get("flg");
      }
      assertTrue(flags.contains("S") && flags.contains("F") && flags.contains("A"), flags);
    }
  }

  /**
   * IP packets and bytes: every frame in the window is IPv4. A veth counts its tx bytes after the
   * Ethernet header was pulled (Linux 6.1: IP bytes); a kernel that counts the whole frame would
   * have 14 more a frame, so [2] is the other reading.
   */
  private static long[] ipSent(long[] before, long[] after) {
    long frames = after[0] - before[0];
    long bytes = after[1] - before[1];
    return new long[] {frames, bytes, bytes - 14 * frames};
  }

  private static void assertSent(
      List<Map<String, String>> flows, String source, long[] want, String who) {
    long packets = 0;
    long bytes = 0;
    for (Map<String, String> f : flows) {
      if (f.get("sa").equals(source)) {
        packets += Long.parseLong(f.get("ipkt"));
        bytes += Long.parseLong(f.get("ibyt"));
      }
    }
    assertEquals(want[0], packets, who + " packets, flows: " + flows);
    if (bytes != want[2]) {
      assertEquals(want[1], bytes, who + " IP bytes");
    }
  }
}
