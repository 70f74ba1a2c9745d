package io.vswitch.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.testing.NetnsHost;
import io.vswitch.control.testing.SwitchProcess;
import io.vswitch.control.testing.Testpmd;
import io.vswitch.dataplane.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A vNIC peer and a kernel host exchange real traffic through the switch, and survive restarts. The
 * peer is testpmd in icmpecho mode (it answers ARP and ping for any address), standing in for a VM,
 * which cannot run on this machine kind. The host is a network namespace on an AF_PACKET port; the
 * two ports are cross-connected.
 */
class VnicNetnsTest {
  /** The peer testpmd's or the switch's 128 MB, with slack, of what scripts/test.sh reserves. */
  private static final int HUGEPAGES = 80;

  @TempDir Path dir;

  /** Per test, so that each says why it skipped (another process may hold the hugepages). */
  @BeforeEach
  void needsRootTestpmdAndHugepages() {
    Assumptions.assumeTrue(NetnsHost.available(), "needs root and iproute2");
    Assumptions.assumeTrue(
        Testpmd.available(HUGEPAGES),
        "needs dpdk-testpmd and "
            + HUGEPAGES
            + " free 2 MiB hugepages (scripts/test.sh reserves them as root;"
            + " or scripts/hugepages.sh 512)");
  }

  private static String tag(String kind) {
    return (ProcessHandle.current().pid() % 1000) + kind;
  }

  /** The first pings may wait for ARP or for the peer to attach; then every one must come back. */
  private static void assertPingsThrough(NetnsHost host, String target, SwitchProcess sw) {
    Await.until(
        "a ping through the switch to " + target + "; switch:\n" + sw.output(),
        Duration.ofSeconds(60),
        () -> host.ping(target, 1));
    assertTrue(host.ping(target, 3), "3 pings in a row:\n" + sw.output());
  }

  /** Without hugepages the switch takes ordinary memory (512 MB); with them, 128 MB of them. */
  private static String config(String vnicPort, String hostIface, String hugepages) {
    return """
        eal: {hugepages: %s, memory-mb: %d}
        workers: {cores: [-1], idle: backoff}
        ports:
          - %s
          - {name: host, type: afpacket, iface: %s}
        cross-connect: [[vm, host]]
        """
        .formatted(hugepages, hugepages.equals("off") ? 512 : 128, vnicPort, hostIface);
  }

  /** With 2 queues the peer has 2 queue pairs, and the switch 2 workers sharing the rx queues. */
  @ParameterizedTest(name = "queues: {0}")
  @ValueSource(ints = {1, 2})
  void vhostUserServerCarriesTrafficAndThePeerComesBackAfterARestart(int queues) {
    Path socket = dir.resolve("vm.sock");
    try (NetnsHost host = NetnsHost.create(tag("v" + queues), "10.97.1.1/24")) {
      // The switch is the vhost backend without hugepages: it copies from the peer's memory.
      String cfg =
          config(
              "{name: vm, type: vhost-user, socket: "
                  + socket
                  + ", mode: server, queues: "
                  + queues
                  + "}",
              host.switchInterface(),
              "off");
      if (queues > 1) {
        cfg = cfg.replace("cores: [-1]", "cores: [-1, -1]");
      }
      try (SwitchProcess sw = SwitchProcess.start(dir, cfg).awaitRunning()) {
        String vdev = "net_virtio_user0,path=" + socket + ",queues=" + queues;
        try (Testpmd peer = Testpmd.start(dir, "a", vdev, "icmpecho", true, queues)) {
          assertPingsThrough(host, "10.97.1.9", sw);
          assertTrue(peer.isAlive(), peer.output());
          Await.until(
              "link up in the log",
              Duration.ofSeconds(30),
              () -> sw.output().contains("port vm: link up"));
        }
        Await.until(
            "link down once the peer is gone",
            Duration.ofSeconds(30),
            () -> sw.output().contains("port vm: link down"));
        host.exec("ip", "neigh", "flush", "all");
        try (Testpmd peer = Testpmd.start(dir, "b", vdev, "icmpecho", true, queues)) {
          assertPingsThrough(host, "10.97.1.9", sw);
          assertTrue(peer.isAlive(), peer.output());
        }
        assertEquals(0, sw.stop(), sw.output());
      }
      assertTrue(Files.notExists(socket), "the switch removes its socket at exit");
    }
  }

  @Test
  void virtioUserClientComesBackAfterTheSwitchRestartsWhileThePeerStays() {
    Path socket = dir.resolve("backend.sock");
    try (NetnsHost host = NetnsHost.create(tag("c"), "10.97.2.1/24");
        Testpmd backend =
            Testpmd.start(dir, "srv", "net_vhost0,iface=" + socket, "icmpecho", false)) {
      Await.until("the backend's socket", Duration.ofSeconds(60), () -> Files.exists(socket));
      String cfg =
          config(
              "{name: vm, type: virtio-user, socket: " + socket + "}",
              host.switchInterface(),
              "auto");
      for (int run = 1; run <= 2; run++) {
        Path runDir = dir.resolve("run" + run);
        try (SwitchProcess sw = SwitchProcess.start(mkdir(runDir), cfg).awaitRunning()) {
          host.exec("ip", "neigh", "flush", "all");
          assertPingsThrough(host, "10.97.2.9", sw);
          assertEquals(0, sw.stop(), sw.output());
        }
        assertTrue(backend.isAlive(), "the backend outlives the switch:\n" + backend.output());
      }
    }
  }

  private static Path mkdir(Path dir) {
    try {
      return Files.createDirectories(dir);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
