package io.vswitch.control;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vswitch.control.testing.NetnsHost;
import io.vswitch.control.testing.SwitchProcess;
import io.vswitch.dataplane.stats.CounterFile;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * TCP and UDP between two hosts that keep the kernel's default offloads (tx checksum, TSO, GSO on:
 * what a laptop user's containers have), over each laptop port type. Their kernels hand the switch
 * CHECKSUM_PARTIAL segments (and, to a packet socket, GSO super-frames): without the switch's
 * completion and its XDP link on afpacket veths, ping passes and no TCP connection ever opens.
 * Checks that data arrives whole, that the receivers' kernels counted no checksum errors, and that
 * the switch dropped no super-frame as a bad IP length.
 */
@ParameterizedClass(name = "type: {0}")
@ValueSource(strings = {"afpacket", "afxdp"})
class LaptopTcpNetnsTest {
  @Parameter String type;

  @TempDir Path dir;
  private NetnsHost h1;
  private NetnsHost h2;
  private SwitchProcess sw;

  @BeforeAll
  static void needsNamespaces() {
    Assumptions.assumeTrue(NetnsHost.available(), "needs root and iproute2");
  }

  @BeforeEach
  void network() {
    String tag = "lt" + (ProcessHandle.current().pid() % 1000) + type.substring(2, 3);
    h1 = NetnsHost.createWithDefaultOffloads(tag + "1", "10.96.0.1/24");
    h2 = NetnsHost.createWithDefaultOffloads(tag + "2", "10.96.0.2/24");
    for (NetnsHost h : List.of(h1, h2)) {
      // The point of the test: the kernel leaves checksums (and segmentation) to "the NIC".
      assertEquals("on", h.offload("tx-checksumming"), "default offloads on the host");
      assertEquals("on", h.offload("tcp-segmentation-offload"), "default offloads on the host");
    }
    String config =
        """
        workers: {cores: [-1], idle: backoff}
        ports:
          - {name: h1, type: %s, iface: %s}
          - {name: h2, type: %s, iface: %s}
        """
            .formatted(type, h1.switchInterface(), type, h2.switchInterface());
    sw = SwitchProcess.start(dir, config).awaitRunning();
    Await.until(
        "h1 to reach h2 through the switch:\n" + sw.output(),
        Duration.ofSeconds(60),
        () -> h1.ping("10.96.0.2", 1));
  }

  @AfterEach
  void tearDown() {
    if (sw != null) {
      sw.close();
    }
    for (NetnsHost h : new NetnsHost[] {h1, h2}) {
      if (h != null) {
        h.close();
      }
    }
  }

  @Test
  void httpTransfersAFileOfManySegmentsIntact() throws Exception {
    Path www = Files.createDirectories(dir.resolve("www"));
    byte[] body = new byte[4 << 20]; // 4 MiB: full-sized segments, and GSO frames if let through
    new Random(10).nextBytes(body);
    Files.write(www.resolve("blob"), body);
    h2.background(
        "python3",
        "-m",
        "http.server",
        "8080",
        "--bind",
        "10.96.0.2",
        "--directory",
        www.toString());
    Path got = dir.resolve("got");
    int exit = -1;
    for (int attempt = 0; attempt < 10 && (attempt == 0 || exit == 7); attempt++) {
      if (attempt > 0) {
        Thread.sleep(250); // exit 7, connection refused: the server is still starting
      }
      Files.deleteIfExists(got);
      exit =
          h1.exec(
              "curl",
              "-sf",
              "--connect-timeout",
              "2",
              "--max-time",
              "30",
              "-o",
              got.toString(),
              "http://10.96.0.2:8080/blob");
    }
    boolean fetched = exit == 0;
    assertTrue(fetched, "curl from h1 fetches from h2 at default offloads:\n" + sw.output());
    assertArrayEquals(body, Files.readAllBytes(got), "the file arrived changed");
    assertNoChecksumErrorsOrSuperFrames();
  }

  @Test
  void iperf3CarriesTcpBothWays() {
    h2.background("iperf3", "-s", "-B", "10.96.0.2");
    long forward = iperf3Bytes(h1, "-t", "3");
    assertTrue(forward > 0, "iperf3 h1 -> h2 received nothing");
    long reverse = iperf3Bytes(h1, "-t", "3", "-R");
    assertTrue(reverse > 0, "iperf3 h2 -> h1 received nothing");
    assertNoChecksumErrorsOrSuperFrames();
  }

  @Test
  void udpDatagramsArriveWithValidChecksums() {
    h2.background("iperf3", "-s", "-B", "10.96.0.2");
    long before = snmp(h2, "Udp", "InDatagrams");
    long received = iperf3Bytes(h1, "-u", "-b", "20M", "-t", "2", "-l", "1400");
    assertTrue(received > 0, "no UDP datagram arrived");
    assertTrue(snmp(h2, "Udp", "InDatagrams") > before, "h2's kernel took no datagram");
    assertNoChecksumErrorsOrSuperFrames();
  }

  /** The receiving kernels verify every checksum; the switch must have made them right. */
  private void assertNoChecksumErrorsOrSuperFrames() {
    for (NetnsHost h : List.of(h1, h2)) {
      assertEquals(0, snmp(h, "Tcp", "InCsumErrors"), "TCP checksum errors at " + h.address());
      assertEquals(0, snmp(h, "Udp", "InCsumErrors"), "UDP checksum errors at " + h.address());
    }
    try (CounterFile counters = CounterFile.open(dir.resolve("counters"))) {
      for (int port = 0; port < 2; port++) {
        assertEquals(
            0,
            counters.sum(port, DropReason.BAD_IP_LENGTH),
            "a GSO super-frame reached the switch from port " + port);
      }
    }
  }

  /** Bytes the iperf3 receiver counted ({@code end.sum_received}, TCP and UDP alike). */
  private static long iperf3Bytes(NetnsHost client, String... options) {
    List<String> command =
        new ArrayList<>(List.of("iperf3", "-c", "10.96.0.2", "-J", "--connect-timeout", "2000"));
    command.addAll(List.of(options));
    String json = "";
    for (int attempt = 0; attempt < 10; attempt++) {
      json = client.output(command.toArray(String[]::new));
      if (json.contains("sum_received")) {
        break;
      }
      sleep(250); // the server is still starting
    }
    try {
      JsonNode received = new ObjectMapper().readTree(json).path("end").path("sum_received");
      assertTrue(received.has("bytes"), "iperf3 gave no result: " + json);
      return received.get("bytes").asLong();
    } catch (java.io.IOException e) {
      throw new AssertionError("iperf3 gave no JSON: " + json, e);
    }
  }

  /** A counter of {@code /proc/net/snmp} in the host's namespace. */
  private static long snmp(NetnsHost host, String group, String name) {
    List<String> lines =
        host.output("cat", "/proc/net/snmp")
            .lines()
            .filter(l -> l.startsWith(group + ":"))
            .toList();
    List<String> names = List.of(lines.get(0).split(" +"));
    return Long.parseLong(lines.get(1).split(" +")[names.indexOf(name)]);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
