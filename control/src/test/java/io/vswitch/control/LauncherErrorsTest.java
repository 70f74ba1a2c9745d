package io.vswitch.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.testing.SwitchProcess;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
    // 64 GB: more than test machines reserve (scripts/test.sh reserves some for vNIC tests).
    org.junit.jupiter.api.Assumptions.assumeFalse(
        io.vswitch.ffm.Hugepages.usable(65536), "this machine has 64 GB of hugepages");
    assertRefused(
        """
        eal: {hugepages: "on", memory-mb: 65536}
        ports:
          - {name: a, devargs: net_null0}
          - {name: b, devargs: net_null1}
        cross-connect: [[a, b]]
        """,
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
}
