package io.vswitch.control;

import static io.vswitch.control.testing.HostCli.ctl;
import static io.vswitch.control.testing.HostCli.tree;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vswitch.control.plane.ConfigJson;
import io.vswitch.control.testing.Cli;
import io.vswitch.control.testing.EtcdServer;
import io.vswitch.control.testing.NetnsHost;
import io.vswitch.control.testing.SharedSwitch;
import io.vswitch.control.testing.SwitchProcess;
import io.vswitch.control.testing.Underlay;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two hosts of a distributed switch on a real etcd, their VTEPs found by discovery over an underlay
 * veth pair, and host A's VTEP renumbered live under a 10 ms ping across the segment: the loss is
 * reported, traffic returns (B reopens its tunnel to A's new address from A's republished record),
 * and VXLAN crafted to A's old address is dropped and counted. Then the UDP port on both hosts, the
 * TTL, hostile VTEP changes (refused in one line, traffic on the last good config), and A killed -9
 * after an acknowledged change: restarted with its first config file, the journal gives the new
 * VTEP.
 *
 * <pre>
 *   a 10.62.0.1 -- host A, VTEP 192.0.2.41 (then .51) == veth == VTEP 192.0.2.42, host B -- b 10.62.0.2
 * </pre>
 */
class VtepLiveTest {
  private static final String A_VTEP = "192.0.2.41";
  private static final String A_NEW = "192.0.2.51";
  private static final String B_VTEP = "192.0.2.42";
  private static final String A_MAC = "02:00:00:62:00:41";
  private static final String B_MAC = "02:00:00:62:00:42";
  private static final int UPLINK = 1; // the second port: up

  /** Sends argv[3] VXLAN frames on interface argv[1] to VTEP address argv[2] (from B, VNI 5101). */
  private static final String CRAFT =
      """
      import socket, struct, sys
      def ip(a): return socket.inet_aton(a)
      def csum(h):
          s = sum(struct.unpack("!10H", h))
          s = (s >> 16) + (s & 0xFFFF); s += s >> 16
          return ~s & 0xFFFF
      inner = bytes.fromhex("020000620001" "020000620002" "0800") + bytes(46)
      vxlan = bytes([8, 0, 0, 0]) + (5101 << 8).to_bytes(4, "big")
      udp = struct.pack("!HHHH", 40000, 4789, 8 + len(vxlan) + len(inner), 0)
      total = 20 + len(udp) + len(vxlan) + len(inner)
      h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 0, 0, 64, 17, 0, ip("%s"), ip(sys.argv[2]))
      h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
      eth = bytes.fromhex("%s" "%s" "0800")
      s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
      s.bind((sys.argv[1], 0))
      for _ in range(int(sys.argv[3])):
          s.send(eth + h + udp + vxlan + inner)
      """
          .formatted(B_VTEP, A_MAC.replace(":", ""), B_MAC.replace(":", ""));

  @TempDir Path dir;
  private SharedSwitch dvs;

  @Test
  void theVtepChangesLiveUnderTraffic() throws Exception {
    Assumptions.assumeTrue(EtcdServer.available(), "needs /usr/bin/etcd (scripts/install-deps.sh)");
    Assumptions.assumeTrue(NetnsHost.available(), "needs root and iproute2");
    String tag = "vtl" + (ProcessHandle.current().pid() % 1000);
    try (EtcdServer server = EtcdServer.start(23840, 23849);
        Underlay underlay = Underlay.create(tag + "ua", tag + "ub");
        NetnsHost a = NetnsHost.overlayGuest(tag + "a", "10.62.0.1/24", "02:00:00:62:00:01");
        NetnsHost b = NetnsHost.overlayGuest(tag + "b", "10.62.0.2/24", "02:00:00:62:00:02")) {
      dvs = new SharedSwitch(server, "vteplive", dir);
      Path homeA = Files.createDirectories(dir.resolve("A"));
      Path homeB = Files.createDirectories(dir.resolve("B"));
      String configA = config(a.switchInterface(), underlay.a(), A_VTEP, A_MAC);
      SwitchProcess swA = host(homeA, "hostA", configA);
      try (SwitchProcess swB =
          host(homeB, "hostB", config(b.switchInterface(), underlay.b(), B_VTEP, B_MAC))) {
        try {
          swA.awaitRunning();
          swB.awaitRunning();
          Await.until(
              "a to reach b through the discovered tunnel" + out(swA, swB),
              Duration.ofSeconds(60),
              () -> a.ping("10.62.0.2", 1));

          // A renumbered under a 10 ms ping: some loss, then every echo answered again.
          CompletableFuture<String> flood =
              CompletableFuture.supplyAsync(
                  () -> a.output("ping", "-q", "-i", "0.01", "-w", "12", "10.62.0.2"));
          Thread.sleep(2000);
          change(homeA, o -> vtep(o).put("address", A_NEW + "/24"));
          String result = flood.get();
          int[] sentReceived = sentReceived(result);
          System.out.printf(
              "vteplive: address change under a 10 ms ping: %d sent, %d lost%n",
              sentReceived[0], sentReceived[0] - sentReceived[1]);
          assertTrue(sentReceived[1] > 0, result);
          Await.until(
              "b to reopen its tunnel to A's new address" + out(swA, swB),
              Duration.ofSeconds(20),
              () -> remoteAddress(homeB).equals(A_NEW));
          assertTrue(a.ping("10.62.0.2", 3), "traffic returns" + out(swA, swB));
          assertEquals(A_NEW + "/24", overlay(homeA).path("vtep").path("address").asText());

          // VXLAN to A's old address (a peer that missed the change): dropped and counted.
          long wrongBefore = swA.drops(UPLINK, DropReason.VTEP_WRONG_ADDRESS);
          io.vswitch.control.testing.Commands.run(
              "python3", "-c", CRAFT, underlay.b(), A_VTEP, "5");
          Await.until(
              "A to count the 5 frames to its old address",
              Duration.ofSeconds(10),
              () -> swA.drops(UPLINK, DropReason.VTEP_WRONG_ADDRESS) - wrongBefore == 5);
          // The same frame to the new address is decapsulated (b's MAC known behind the tunnel).
          long wrongNow = swA.drops(UPLINK, DropReason.VTEP_WRONG_ADDRESS);
          io.vswitch.control.testing.Commands.run("python3", "-c", CRAFT, underlay.b(), A_NEW, "5");
          Thread.sleep(500);
          assertEquals(wrongNow, swA.drops(UPLINK, DropReason.VTEP_WRONG_ADDRESS));

          // The UDP port on both hosts: traffic returns once both use it.
          change(homeA, o -> o.put("udp-port", 4790));
          change(homeB, o -> o.put("udp-port", 4790));
          Await.until(
              "traffic on UDP port 4790" + out(swA, swB),
              Duration.ofSeconds(20),
              () -> a.ping("10.62.0.2", 1));
          assertEquals(4790, overlay(homeB).path("vtep").path("udp-port").asInt());

          // The TTL.
          change(homeA, o -> o.put("ttl", 7));
          assertEquals(7, overlay(homeA).path("vtep").path("ttl").asInt());
          Await.until("traffic with TTL 7", Duration.ofSeconds(20), () -> a.ping("10.62.0.2", 1));

          // Hostile changes: refused in one line; traffic stays on the last good config.
          for (Consumer<ObjectNode> bad :
              java.util.List.<Consumer<ObjectNode>>of(
                  o -> vtep(o).put("address", "198.51.100.1/24"), // B off the subnet
                  o -> vtep(o).put("address", B_VTEP + "/24"), // another host's VTEP
                  o -> o.put("udp-port", 0),
                  o -> o.put("udp-port", 65536),
                  o -> vtep(o).put("port", "vm"))) { // restart only
            Cli.Result r = tryChange(homeA, bad);
            assertTrue(r.code() != 0, r.out());
            assertEquals(1, r.err().strip().lines().count(), r.err());
          }
          assertEquals(A_NEW + "/24", overlay(homeA).path("vtep").path("address").asText());
          assertTrue(a.ping("10.62.0.2", 3), "still on the last good config");

          // Killed -9 after an acknowledged change; restarted with its first config file.
          change(homeA, o -> vtep(o).put("address", "192.0.2.61/24"));
          swA.kill();
          try (SwitchProcess again = host(homeA, "hostA", configA)) {
            again.awaitRunning();
            assertEquals("192.0.2.61/24", overlay(homeA).path("vtep").path("address").asText());
            Await.until(
                "traffic to A's journaled VTEP" + out(again, swB),
                Duration.ofSeconds(30),
                () -> a.ping("10.62.0.2", 1));
            assertEquals(0, again.stop(), again.output());
          }
          assertEquals(0, swB.stop(), swB.output());
        } finally {
          swA.close();
        }
      }
    }
  }

  private static String out(SwitchProcess a, SwitchProcess b) {
    return "\nA:\n" + a.output() + "\nB:\n" + b.output();
  }

  private static ObjectNode vtep(ObjectNode overlay) {
    return (ObjectNode) overlay.path("vtep");
  }

  private Cli.Result tryChange(Path home, Consumer<ObjectNode> edit) {
    ObjectNode running = (ObjectNode) tree(ctl(home, "--json", "show").out());
    edit.accept((ObjectNode) running.path("overlay"));
    return ctl(
        home, "apply", dvs.file("c" + System.nanoTime() + ".json", ConfigJson.write(running)));
  }

  private void change(Path home, Consumer<ObjectNode> edit) {
    Cli.Result r = tryChange(home, edit);
    assertEquals(0, r.code(), r.out() + r.err());
  }

  private static JsonNode overlay(Path host) {
    Cli.Result r = ctl(host, "--json", "overlay");
    assertEquals(0, r.code(), r.err());
    return tree(r.out());
  }

  private static String remoteAddress(Path host) {
    JsonNode segments = overlay(host).path("segments");
    return segments.size() == 0
        ? ""
        : segments.get(0).path("remote-vteps").path(0).path("address").asText();
  }

  private static int[] sentReceived(String ping) {
    Matcher m = Pattern.compile("(\\d+) packets transmitted, (\\d+) received").matcher(ping);
    assertTrue(m.find(), ping);
    return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
  }

  private static String config(String vmIface, String uplink, String vtep, String mac) {
    return """
        workers: {cores: [-1], idle: backoff}
        port-groups:
          - {name: web, vlan: {mode: access, id: 100}}
          - {name: underlay, vlan: {mode: access, id: 1}}
        ports:
          - {name: vm, type: afxdp, iface: %s, port-group: web}
          - {name: up, type: afxdp, iface: %s, port-group: underlay}
        overlay:
          vtep: {port: up, address: %s/24, mac: "%s"}
          segments:
            - {name: blue, vni: 5101, port-groups: [web]}
        """
        .formatted(vmIface, uplink, vtep, mac);
  }

  private SwitchProcess host(Path home, String name, String config) {
    return SwitchProcess.start(home, config, dvs.hostFlags(home, name, 4));
  }
}
