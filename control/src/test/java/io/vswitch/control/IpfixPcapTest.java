package io.vswitch.control;

import static io.vswitch.dataplane.testing.FrameBuilder.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vswitch.control.testing.Nfcapd;
import io.vswitch.control.testing.SwitchProcess;
import io.vswitch.dataplane.stats.PortCounter;
import io.vswitch.dataplane.testing.Await;
import io.vswitch.dataplane.testing.Pcap;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * IPFIX export through the real switch to Debian's nfcapd: a capture file of three known flows
 * (UDP/IPv4, TCP/IPv4 with SYN..FIN, UDP/IPv6) with ARP frames in between is replayed into a port
 * with flow export on; the flows leave the cache by the idle timeout (nfcapd is stopped before the
 * switch, so the switch's export at stop cannot be what it got), and nfdump must show each with
 * exactly the packets and IP bytes sent, its ports, protocol, VLAN and in/out interfaces. With
 * sampling 1 in 5 it shows exactly the sampled packets (counts are not scaled).
 */
class IpfixPcapTest {
  private static final String A = "02:00:00:00:0a:01";
  private static final String B = "02:00:00:00:0b:01";

  @TempDir Path dir;

  /** One IP packet of the capture, and the IP bytes nfdump must count for it. */
  private record Sent(int flow, byte[] frame, int ipBytes) {}

  private static byte[] udp4(String src, String dst, int sport, int dport, int payload) {
    ByteBuffer b = ByteBuffer.allocate(20 + 8 + payload);
    b.put((byte) 0x45).put((byte) 0).putShort((short) (28 + payload)).putShort((short) 1);
    b.putShort((short) 0).put((byte) 64).put((byte) 17).putShort((short) 0);
    b.put(ip(src)).put(ip(dst));
    b.putShort((short) sport).putShort((short) dport).putShort((short) (8 + payload));
    byte[] p = b.array();
    int c = io.vswitch.dataplane.testing.IpPackets.checksum(p, 0, 20);
    p[10] = (byte) (c >>> 8);
    p[11] = (byte) c;
    return p;
  }

  private static byte[] tcp4(String src, String dst, int sport, int dport, int flags, int payload) {
    ByteBuffer b = ByteBuffer.allocate(20 + 20 + payload);
    b.put((byte) 0x45).put((byte) 0).putShort((short) (40 + payload)).putShort((short) 1);
    b.putShort((short) 0x4000).put((byte) 64).put((byte) 6).putShort((short) 0);
    b.put(ip(src)).put(ip(dst));
    b.putShort((short) sport).putShort((short) dport).putInt(1).putInt(0);
    b.put((byte) 0x50).put((byte) flags).putShort((short) 1024);
    byte[] p = b.array();
    int c = io.vswitch.dataplane.testing.IpPackets.checksum(p, 0, 20);
    p[10] = (byte) (c >>> 8);
    p[11] = (byte) c;
    return p;
  }

  private static byte[] udp6(String src, String dst, int sport, int dport, int payload) {
    ByteBuffer b = ByteBuffer.allocate(40 + 8 + payload);
    b.putInt(0x6000_0000).putShort((short) (8 + payload)).put((byte) 17).put((byte) 64);
    b.put(ip(src)).put(ip(dst));
    b.putShort((short) sport).putShort((short) dport).putShort((short) (8 + payload));
    b.putShort((short) 1);
    return b.array();
  }

  private static byte[] ip(String literal) {
    return InetAddress.ofLiteral(literal).getAddress();
  }

  /** The capture: 25 UDP, then 12 TCP, then 7 UDP/IPv6 packets, an ARP frame after every 4th. */
  private static List<Sent> traffic() {
    List<Sent> sent = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      byte[] p = udp4("10.0.0.1", "10.0.0.2", 1000, 2000, 10 + 13 * i); // the first ones padded
      sent.add(new Sent(1, frame().src(A).dst(B).etherType(0x0800).payload(p).build(), p.length));
    }
    for (int i = 0; i < 12; i++) {
      int flags = i == 0 ? 0x02 : i == 11 ? 0x11 : 0x10; // SYN, ACK..., FIN+ACK
      byte[] p = tcp4("10.0.0.1", "10.0.0.2", 3000, 80, flags, 20 * i);
      sent.add(new Sent(2, frame().src(A).dst(B).etherType(0x0800).payload(p).build(), p.length));
    }
    for (int i = 0; i < 7; i++) {
      byte[] p = udp6("2001:db8::1", "2001:db8::2", 5000, 6000, 100 + i);
      sent.add(new Sent(3, frame().src(A).dst(B).etherType(0x86dd).payload(p).build(), p.length));
    }
    return sent;
  }

  private static List<byte[]> withArp(List<Sent> sent) {
    List<byte[]> frames = new ArrayList<>();
    for (int i = 0; i < sent.size(); i++) {
      frames.add(sent.get(i).frame());
      if (i % 4 == 3) {
        frames.add(
            frame().src(A).dst("ff:ff:ff:ff:ff:ff").etherType(0x0806).payloadLength(28).build());
      }
    }
    return frames;
  }

  private List<Map<String, String>> run(int sampling, int port, List<byte[]> frames)
      throws Exception {
    Path in = dir.resolve("in-" + sampling + ".pcap");
    Pcap.write(in, frames);
    String config =
        """
        workers: {cores: [-1], idle: backoff}
        port-groups:
          - {name: web, vlan: {mode: access, id: 10}, ipfix: true}
        ports:
          - {name: a, type: pcap-file, rx-file: %s, port-group: web}
          - {name: b, type: pcap-file, tx-file: %s, port-group: web, ipfix: false}
        fdb: {static: [{mac: "%s", vlan: 10, port: b}]}
        ipfix:
          collectors: [{address: 127.0.0.1, port: %d}]
          idle-timeout: 1
          active-timeout: 60
          sampling: %d
          cache-size: 1024
        """
            .formatted(in, dir.resolve("b-" + sampling + ".pcap"), B, port, sampling);
    try (Nfcapd collector = Nfcapd.start(dir.resolve("flows-" + sampling), port);
        SwitchProcess sw = SwitchProcess.start(dir, config).awaitRunning()) {
      Await.until(
          "every frame received",
          Duration.ofSeconds(30),
          () -> sw.counter(0, PortCounter.RX_PACKETS) == frames.size());
      // idle timeout 1 s + a sweep of the 1024-slot cache (128 ms) + the 100 ms export period
      Thread.sleep(4_000);
      collector.stop(); // before the switch: what it has came by the idle timeout
      List<Map<String, String>> flows = collector.flows();
      assertEquals(0, sw.stop(), sw.output());
      assertTrue(sw.output().contains("mbufs leaked: 0 of"), sw.output());
      assertTrue(sw.output().contains("ipfix: 3 records exported"), sw.output());
      return flows;
    }
  }

  private static Map<String, Map<String, String>> bySourcePort(List<Map<String, String>> flows) {
    return flows.stream().collect(Collectors.toMap(f -> f.get("sp"), f -> f));
  }

  @Test
  void nfdumpCountsEveryPacketAndIpByteOfEachFlow() throws Exception {
    assumeTrue(Nfcapd.available(), "nfdump (nfcapd) not installed: scripts/install-deps.sh");
    List<Sent> sent = traffic();
    List<Map<String, String>> flows = run(1, 47101, withArp(sent));
    assertEquals(3, flows.size(), flows.toString());
    Map<String, Map<String, String>> f = bySourcePort(flows);
    check(f.get("1000"), "10.0.0.1", "10.0.0.2", "2000", "17", sent, 1, i -> true);
    check(f.get("3000"), "10.0.0.1", "10.0.0.2", "80", "6", sent, 2, i -> true);
    check(f.get("5000"), "2001:db8::1", "2001:db8::2", "6000", "17", sent, 3, i -> true);
    String flags = f.get("3000").get("flg");
    assertTrue(flags.contains("A") && flags.contains("S") && flags.contains("F"), flags);
    assertTrue(!flags.contains("R") && !flags.contains("P"), flags);
  }

  @Test
  void withSamplingOneInFiveNfdumpShowsExactlyTheSampledPackets() throws Exception {
    assumeTrue(Nfcapd.available(), "nfdump (nfcapd) not installed: scripts/install-deps.sh");
    List<Sent> sent = traffic();
    List<Map<String, String>> flows = run(5, 47102, withArp(sent));
    // The countdown runs over IP packets only (ARP frames do not move it): packets 5, 10, .. 40
    // of the 44, so 5 of flow 1 (its 5th, 10th, ..), 2 of flow 2 (its 5th and 10th: the 30th and
    // 35th overall) and 1 of flow 3 (its 3rd, the 40th).
    assertEquals(3, flows.size(), flows.toString());
    Map<String, Map<String, String>> f = bySourcePort(flows);
    check(f.get("1000"), "10.0.0.1", "10.0.0.2", "2000", "17", sent, 1, i -> (i + 1) % 5 == 0);
    check(f.get("3000"), "10.0.0.1", "10.0.0.2", "80", "6", sent, 2, i -> (i + 1) % 5 == 0);
    check(
        f.get("5000"), "2001:db8::1", "2001:db8::2", "6000", "17", sent, 3, i -> (i + 1) % 5 == 0);
    assertEquals("5", f.get("1000").get("ipkt"));
    assertEquals("2", f.get("3000").get("ipkt"));
    assertEquals("1", f.get("5000").get("ipkt"));
  }

  /** {@code sampled} says, by overall IP packet index, which packets the flow's counts hold. */
  private static void check(
      Map<String, String> flow,
      String src,
      String dst,
      String dport,
      String protocol,
      List<Sent> sent,
      int which,
      java.util.function.IntPredicate sampled) {
    assertTrue(flow != null, "flow " + which + " missing");
    long packets = 0;
    long bytes = 0;
    for (int i = 0; i < sent.size(); i++) {
      if (sent.get(i).flow() == which && sampled.test(i)) {
        packets++;
        bytes += sent.get(i).ipBytes();
      }
    }
    assertEquals(src, flow.get("sa"), flow.toString());
    assertEquals(dst, flow.get("da"), flow.toString());
    assertEquals(dport, flow.get("dp"), flow.toString());
    assertEquals(
        protocol, flow.get("pr").replace("UDP", "17").replace("TCP", "6"), flow.toString());
    assertEquals(String.valueOf(packets), flow.get("ipkt"), flow.toString());
    assertEquals(String.valueOf(bytes), flow.get("ibyt"), flow.toString());
    assertEquals("1", flow.get("in"), "ingressInterface: port a, index 0 + 1");
    assertEquals("2", flow.get("out"), "egressInterface: port b, index 1 + 1");
    assertEquals("10", flow.get("svln"), "vlanId");
  }
}
