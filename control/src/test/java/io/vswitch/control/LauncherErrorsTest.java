package io.vswitch.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.config.HostileConfigs;
import io.vswitch.control.testing.SwitchProcess;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad input to the real launcher: one error line, a non-zero exit, nothing left behind. */
class LauncherErrorsTest {
  @TempDir Path dir;

  private void assertRefused(String yaml, int exitCode, String expected) {
    try (SwitchProcess sw = SwitchProcess.start(dir, yaml)) {
      int code = sw.waitForExit();
      assertEquals(exitCode, code, sw.output());
      assertEquals(1, sw.errorLines().size(), sw.output());
      assertTrue(sw.errorLines().getFirst().contains(expected), sw.output());
      assertTrue(Files.notExists(dir.resolve("counters")), "counter file left behind");
    }
  }

  @Test
  void configNamingAnUnknownPort() {
    assertRefused(
        """
        ports:
          - {name: a, devargs: net_null0}
          - {name: b, devargs: net_null1}
        cross-connect: [[a, z]]
        """,
        VswitchMain.EXIT_CONFIG,
        "unknown port 'z'");
  }

  @Test
  void devargsDpdkRejects() {
    assertRefused(
        """
        workers: {cores: [-1]}
        ports:
          - {name: a, devargs: net_null0}
          - {name: b, devargs: "net_nosuchdriver0,x=1"}
        cross-connect: [[a, b]]
        """,
        VswitchMain.EXIT_RUNTIME,
        "DPDK rejected port 'net_nosuchdriver0,x=1'");
  }

  @Test
  void interfaceThatDoesNotExist() {
    assertRefused(
        """
        ports:
          - {name: a, devargs: "net_af_packet0,iface=vswnosuch0"}
          - {name: b, devargs: net_null1}
        cross-connect: [[a, b]]
        """,
        VswitchMain.EXIT_CONFIG,
        "'vswnosuch0' does not exist");
  }

  @Test
  void portAlreadyInUse() {
    assertRefused(
        """
        ports:
          - {name: a, devargs: net_null0}
          - {name: b, devargs: "net_null0,size=128"}
        cross-connect: [[a, b]]
        """,
        VswitchMain.EXIT_CONFIG,
        "both use device 'net_null0'");
  }

  @Test
  void hugepagesDemandedButAbsent() {
    // Up to 64 GB, within the host's memory (more is refused as absurd before hugepages are
    // asked): more than test machines reserve (scripts/test.sh reserves some for vNIC tests).
    int mb = (int) Math.min(65536, io.vswitch.control.config.HostMemory.totalMb() - 1);
    org.junit.jupiter.api.Assumptions.assumeFalse(
        io.vswitch.ffm.Hugepages.usable(mb), "this machine has " + mb + " MB of hugepages");
    assertRefused(
        """
        eal: {hugepages: "on", memory-mb: %d}
        ports:
          - {name: a, devargs: net_null0}
          - {name: b, devargs: net_null1}
        cross-connect: [[a, b]]
        """
            .formatted(mb),
        VswitchMain.EXIT_CONFIG,
        "scripts/hugepages.sh");
  }

  @Test
  void virtioUserWithoutHugepagesSaysHowToGetThem() throws IOException {
    Path socket = dir.resolve("b.sock");
    try (ServerSocketChannel backend = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      backend.bind(UnixDomainSocketAddress.of(socket)); // a backend serving the socket
      assertRefused(
          """
          eal: {hugepages: "off"}
          ports:
            - {name: a, type: virtio-user, socket: %s}
            - {name: b, devargs: net_null1}
          cross-connect: [[a, b]]
          """
              .formatted(socket),
          VswitchMain.EXIT_CONFIG,
          "needs hugepages");
    } finally {
      Files.deleteIfExists(socket);
    }
  }

  /**
   * Hostile config files through the real launcher (a sample of {@link HostileConfigs}: one row of
   * each kind, as each is a JVM start): exit 2, exactly its one error line, nothing started.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("hostileSample")
  void hostileConfigFile(HostileConfigs.Case hostile) {
    try (SwitchProcess sw = SwitchProcess.start(dir, hostile.input())) {
      int code = sw.waitForExit();
      assertEquals(VswitchMain.EXIT_CONFIG, code, sw.output());
      Path file = dir.resolve("switch.yaml");
      assertEquals(
          List.of("vswitch: error: config " + file + ": " + hostile.expected(file.toString())),
          sw.errorLines(),
          sw.output());
      assertTrue(Files.notExists(dir.resolve("counters")), "counter file left behind");
      assertEquals(1, sw.output().lines().count(), "more than the error line: " + sw.output());
    }
  }

  static List<HostileConfigs.Case> hostileSample() {
    List<String> names =
        List.of(
            "duplicate top-level key",
            "alias",
            "null list entry",
            "20 MB scalar",
            "not UTF-8",
            "port name with a newline",
            "33 ports",
            "bogus EAL argument",
            "absurd memory");
    return HostileConfigs.cases().stream().filter(c -> names.contains(c.name())).toList();
  }

  @ParameterizedTest(name = "--metrics {0}")
  @org.junit.jupiter.params.provider.CsvSource(
      delimiter = '|',
      value = {
        "9477x | --metrics must be host:port or port, not '9477x'",
        "127.0.0.1:70000 | --metrics: port 70000 is over 65535",
        "no-such-host.invalid:9477 | --metrics: cannot resolve 'no-such-host.invalid'"
      })
  void badMetricsAddressIsRefusedBeforeThePortsOpen(String address, String expected) {
    try (SwitchProcess sw =
        SwitchProcess.start(
            dir,
            "ports:\n  - {name: a, devargs: net_null0}\n  - {name: b, devargs: net_null1}\n",
            "--metrics",
            address)) {
      assertEquals(VswitchMain.EXIT_CONFIG, sw.waitForExit(), sw.output());
      assertEquals(1, sw.errorLines().size(), sw.output());
      assertTrue(sw.errorLines().getFirst().contains(expected), sw.output());
      assertTrue(Files.notExists(dir.resolve("counters")), "refused before the counter file");
    }
  }

  @Test
  void metricsPortInUseSaysSo() throws IOException {
    try (java.net.ServerSocket taken =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      try (SwitchProcess sw =
          SwitchProcess.start(
              dir,
              "workers: {cores: [-1]}\nports:\n  - {name: a, devargs: \"net_null_prle0,no-rx=1\"}\n"
                  + "  - {name: b, devargs: \"net_null_prle1,no-rx=1\"}\n",
              "--metrics",
              String.valueOf(taken.getLocalPort()))) {
        assertEquals(VswitchMain.EXIT_RUNTIME, sw.waitForExit(), sw.output());
        assertEquals(1, sw.errorLines().size(), sw.output());
        assertTrue(
            sw.errorLines().getFirst().contains("cannot serve metrics on " + taken.getLocalPort()),
            sw.output());
      }
    }
  }
}
