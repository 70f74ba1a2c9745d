package io.vswitch.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vswitch.control.testing.NetnsHost;
import io.vswitch.control.testing.QemuGuest;
import io.vswitch.control.testing.SwitchApi;
import io.vswitch.control.testing.SwitchProcess;
import io.vswitch.control.testing.Testpmd;
import io.vswitch.dataplane.testing.Await;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live changes while a vhost-user server port has a peer attached. The switch serves the socket
 * itself, so a change that host-checked every port again found the socket busy and was refused
 * whole; only the ports a change opens are host-checked now. Each change goes through the API of a
 * daemon switch and must be accepted and take effect while traffic keeps flowing: an ACL rule that
 * denies ICMP (pings stop) and its removal (they resume), a QoS mark, and a port-group move of the
 * host's port away and back. The peer is testpmd (virtio-user) or a real QEMU guest under TCG,
 * which then is killed and booted again on the same port.
 */
class VhostLiveChangeTest {
  private static final Duration BOOT = Duration.ofSeconds(120);

  @TempDir Path dir;

  @BeforeEach
  void needsNamespaces() {
    Assumptions.assumeTrue(NetnsHost.available(), "needs root and iproute2");
  }

  private static String tag(String kind) {
    return "vm" + (ProcessHandle.current().pid() % 1000) + kind;
  }

  /** The switch without hugepages: as vhost backend it copies from the peer's shared memory. */
  private static String config(Path socket, String hostIface) {
    return """
        eal: {hugepages: "off", memory-mb: 512}
        workers: {cores: [-1], idle: backoff}
        acls:
          - name: guard
            default: allow
            rules: [{priority: 10, action: deny, protocol: tcp, dst-port: "9"}]
        port-groups:
          - {name: web, vlan: {mode: access, id: 10}, acl: {ingress: guard}}
          - {name: db, vlan: {mode: access, id: 20}}
        ports:
          - {name: vm, type: vhost-user, socket: %s, mode: server, port-group: web}
          - {name: host, type: afpacket, iface: %s, port-group: web}
        """
        .formatted(socket, hostIface);
  }

  private SwitchProcess startSwitch(Path socket, NetnsHost host, Path state, String api) {
    return SwitchProcess.start(
            dir,
            config(socket, host.switchInterface()),
            "--state-dir",
            state.toString(),
            "--api",
            api)
        .awaitRunning();
  }

  private static String freeApiAddress() throws IOException {
    try (ServerSocket free = new ServerSocket(0)) {
      return "127.0.0.1:" + free.getLocalPort();
    }
  }

  @Test
  void liveChangesWithATestpmdPeerAttached() throws Exception {
    Assumptions.assumeTrue(
        Testpmd.available(80), "needs dpdk-testpmd and 80 free 2 MiB hugepages for the peer");
    Path socket = dir.resolve("vm.sock");
    Path state = dir.resolve("state");
    String api = freeApiAddress();
    try (NetnsHost host = NetnsHost.create(tag("t"), "10.98.1.1/24");
        SwitchProcess sw = startSwitch(socket, host, state, api);
        Testpmd peer =
            Testpmd.start(dir, "vm", "net_virtio_user0,path=" + socket, "icmpecho", true)) {
      // testpmd's icmpecho answers ARP and ping for any address.
      BooleanSupplier through = () -> host.ping("10.98.1.9", 1);
      Await.until("pings through the switch:\n" + sw.output(), BOOT, through);
      applyLiveChanges(new SwitchApi(api, state), through, sw);
      assertTrue(peer.isAlive(), peer.output());
      assertEquals(0, sw.stop(), sw.output());
    }
  }

  @Test
  void aQemuGuestPingsThroughLiveChangesAndARestart() throws Exception {
    Assumptions.assumeTrue(
        QemuGuest.available(),
        "needs qemu-system-x86_64 (scripts/install-deps.sh installs qemu-system-x86)");
    QemuGuest.buildImage(); // before the clock of any wait starts: a fresh machine downloads
    Path socket = dir.resolve("guest.sock");
    Path state = dir.resolve("state");
    String api = freeApiAddress();
    try (NetnsHost host = NetnsHost.create(tag("q"), "10.98.2.1/24");
        SwitchProcess sw = startSwitch(socket, host, state, api)) {
      QemuGuest guest = QemuGuest.start(dir, "guest1", socket, "10.98.2.2/24", "10.98.2.1");
      try {
        guest.awaitLine(0, "vsw-guest: eth0 up", BOOT);
        guest.awaitPingsOk(0, 2, Duration.ofSeconds(60)); // the guest pings the host
        Await.until(
            "host pings the guest", Duration.ofSeconds(20), () -> host.ping("10.98.2.2", 1));
        applyLiveChanges(
            new SwitchApi(api, state),
            () -> {
              // The first line after the mark may be of a ping sent before the change: skip it.
              long mark = guest.mark() + 1;
              try {
                guest.awaitPingsOk(mark, 1, Duration.ofSeconds(6)); // a try takes <= 2 s
              } catch (AssertionError e) {
                return false;
              }
              return host.ping("10.98.2.2", 1);
            },
            sw);
      } finally {
        guest.kill();
      }
      Await.until(
          "link down once the guest is gone",
          Duration.ofSeconds(30),
          () -> sw.output().contains("port vm: link down"));

      host.exec("ip", "neigh", "flush", "all");
      QemuGuest again = QemuGuest.start(dir, "guest2", socket, "10.98.2.2/24", "10.98.2.1");
      try {
        again.awaitLine(0, "vsw-guest: eth0 up", BOOT);
        again.awaitPingsOk(0, 2, Duration.ofSeconds(60));
        assertTrue(host.ping("10.98.2.2", 2), "host pings the restarted guest");
      } finally {
        again.kill();
      }
      assertEquals(0, sw.stop(), sw.output());
    }
    assertTrue(Files.notExists(socket), "the switch removes its socket at exit");
  }

  /**
   * Each change must be accepted (the running vhost-user port is not host-checked again) and take
   * effect: {@code through} says whether traffic passes between the peer and the host right now.
   */
  private static void applyLiveChanges(SwitchApi api, BooleanSupplier through, SwitchProcess sw) {
    accepted(
        api.editConfig(
            c ->
                icmpRules(c)
                    .insertObject(0)
                    .put("priority", 5)
                    .put("action", "deny")
                    .put("protocol", "icmp")),
        sw);
    assertFalse(through.getAsBoolean(), "an ACL rule denying ICMP stops the pings");
    accepted(api.editConfig(c -> icmpRules(c).remove(0)), sw);
    Await.until("pings resume once the rule is gone", Duration.ofSeconds(30), through);

    accepted(
        api.editConfig(c -> group(c, 0).putObject("qos").putObject("mark").put("dscp", 10)), sw);
    Await.until("pings with a QoS mark on the group", Duration.ofSeconds(30), through);

    accepted(api.put("/v1/ports/host/port-group", "db"), sw);
    assertFalse(through.getAsBoolean(), "the host in another VLAN does not reach the peer");
    accepted(api.put("/v1/ports/host/port-group", "web"), sw);
    Await.until("pings resume with the host back in web", Duration.ofSeconds(30), through);
  }

  private static ArrayNode icmpRules(ObjectNode config) {
    return ((ObjectNode) config.withArray("acls").get(0)).withArray("rules");
  }

  private static ObjectNode group(ObjectNode config, int i) {
    return (ObjectNode) config.withArray("port-groups").get(i);
  }

  private static void accepted(SwitchApi.Reply reply, SwitchProcess sw) {
    assertEquals(200, reply.status(), reply.body() + "\nswitch:\n" + sw.output());
  }
}
