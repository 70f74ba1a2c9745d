package io.vswitch.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.testing.NetnsHost;
import io.vswitch.control.testing.SwitchProcess;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A kernel sniffer on a SPAN destination (network namespaces on veth pairs, over net_af_packet): it
 * sees exactly the mirrored port's traffic, both ways, and nothing of the ports not mirrored.
 *
 * <pre>
 *   h1 10.96.0.1  mirrored (both directions) to s
 *   h2 10.96.0.2
 *   h3 10.96.0.3
 *   s             the destination: tcpdump
 * </pre>
 */
class MirrorNetnsTest {
  @TempDir Path dir;
  private final List<NetnsHost> hosts = new ArrayList<>();
  private SwitchProcess sw;

  @BeforeAll
  static void needsNamespaces() {
    Assumptions.assumeTrue(NetnsHost.available(), "needs root and iproute2");
  }

  private NetnsHost host(String name, String cidr, String mac) {
    String tag = (ProcessHandle.current().pid() % 1000) + "mr" + name;
    NetnsHost host = NetnsHost.create(tag, cidr, mac);
    hosts.add(host);
    return host;
  }

  @AfterEach
  void tearDown() {
    if (sw != null) {
      sw.close();
    }
    hosts.forEach(NetnsHost::close);
  }

  @Test
  void theSnifferSeesExactlyTheMirroredPortsTrafficBothWays() {
    NetnsHost h1 = host("1", "10.96.0.1/24", "02:00:00:96:00:01");
    NetnsHost h2 = host("2", "10.96.0.2/24", "02:00:00:96:00:02");
    NetnsHost h3 = host("3", "10.96.0.3/24", "02:00:00:96:00:03");
    NetnsHost s = host("s", null, "02:00:00:96:00:99");
    String config =
        """
        workers: {cores: [-1], idle: backoff}
        port-groups:
          - {name: v10, vlan: {mode: access, id: 10}}
        ports:
          - {name: h1, devargs: "net_af_packet_mr1,iface=%s", port-group: v10}
          - {name: h2, devargs: "net_af_packet_mr2,iface=%s", port-group: v10}
          - {name: h3, devargs: "net_af_packet_mr3,iface=%s", port-group: v10}
          - {name: s,  devargs: "net_af_packet_mrs,iface=%s", port-group: v10}
        mirrors:
          - {name: tap, sources: [h1], direction: both, destination: s}
        """
            .formatted(
                h1.switchInterface(),
                h2.switchInterface(),
                h3.switchInterface(),
                s.switchInterface());
    sw = SwitchProcess.start(dir, config).awaitRunning();
    assertTrue(h1.ping("10.96.0.2", 1) || h1.ping("10.96.0.2", 3), "h1 reaches h2");
    assertTrue(h2.ping("10.96.0.3", 1) || h2.ping("10.96.0.3", 3), "h2 reaches h3");

    String mirrored = s.captureText("icmp", "", () -> h1.ping("10.96.0.2", 4));
    // 4 requests as h1 sent them (in) and 4 replies as h1 received them (out), nothing else.
    assertEquals(
        4,
        mirrored
            .lines()
            .filter(l -> l.contains("10.96.0.1 > 10.96.0.2: ICMP echo request"))
            .count(),
        mirrored);
    assertEquals(
        4,
        mirrored.lines().filter(l -> l.contains("10.96.0.2 > 10.96.0.1: ICMP echo reply")).count(),
        mirrored);
    assertEquals(8, mirrored.lines().count(), mirrored);

    String other = s.captureText("icmp", "", () -> h2.ping("10.96.0.3", 3));
    assertEquals("", other, "h2 and h3 are not mirrored, and the destination takes no floods");
  }
}
