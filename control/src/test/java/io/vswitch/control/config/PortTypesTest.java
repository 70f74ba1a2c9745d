package io.vswitch.control.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Typed ports: what devargs they compile to, and the one-line refusals. */
class PortTypesTest {
  @TempDir Path dir;

  private static SwitchConfig valid(String port) {
    return ConfigValidator.validate(
        ConfigLoader.parse(
            "ports:\n  - "
                + port
                + "\n  - {name: z, devargs: net_null9}\ncross-connect: [[p, z]]\n",
            "test.yaml"));
  }

  private static String devargs(String port) {
    return PortTypes.devargs(valid(port).ports().get(0));
  }

  private static String refused(String port) {
    ConfigException e = assertThrows(ConfigException.class, () -> valid(port));
    assertEquals(-1, e.getMessage().indexOf('\n'), "one line: " + e.getMessage());
    return e.getMessage();
  }

  @Test
  void afXdpOnAVirtualInterfaceGetsBusyBudgetZeroAndItsQueues() {
    // lo has no /sys/class/net/lo/device, as veth has none: no NAPI context to busy-poll.
    assertEquals(
        "net_af_xdp_p,iface=lo,start_queue=0,queue_count=2,busy_budget=0",
        devargs("{name: p, type: afxdp, iface: lo, queues: 2}"));
    assertEquals(
        2, valid("{name: p, type: afxdp, iface: lo, queues: 2}").ports().get(0).rxQueues());
  }

  @Test
  void packetSocketAndLivePcap() {
    assertEquals(
        "net_af_packet_p,iface=lo,qpairs=1", devargs("{name: p, type: afpacket, iface: lo}"));
    assertEquals("net_pcap_p,iface=lo", devargs("{name: p, type: pcap, iface: lo}"));
  }

  @Test
  void pcapFilesReplayOnceOrLoopAndRecord() throws IOException {
    Path in = Files.write(dir.resolve("in.pcap"), new byte[24]);
    Path out = dir.resolve("out.pcap");
    assertEquals(
        "net_pcap_p,rx_pcap=" + in + ",infinite_rx=1,tx_pcap=" + out,
        devargs(
            "{name: p, type: pcap-file, rx-file: " + in + ", loop: true, tx-file: " + out + "}"));
    assertEquals(
        "net_pcap_p,tx_pcap=" + out, devargs("{name: p, type: pcap-file, tx-file: " + out + "}"));
    assertTrue(
        refused("{name: p, type: pcap-file, rx-file: " + dir.resolve("missing.pcap") + "}")
            .contains("cannot be read"));
    assertTrue(
        refused("{name: p, type: pcap-file, loop: true, tx-file: " + out + "}").contains("loop"));
  }

  @Test
  void vhostUserServerOrClientAndVirtioUser() throws IOException {
    Path sock = dir.resolve("vm.sock");
    assertEquals(
        "net_vhost_p,iface=" + sock + ",queues=2",
        devargs("{name: p, type: vhost-user, socket: " + sock + ", queues: 2}"));
    assertEquals(
        "net_vhost_p,iface=" + sock + ",queues=1,client=1",
        devargs("{name: p, type: vhost-user, socket: " + sock + ", mode: client}"));
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(sock));
      assertEquals(
          "net_virtio_user_p,path=" + sock + ",queues=1",
          devargs("{name: p, type: virtio-user, socket: " + sock + "}"));
      assertTrue(
          refused("{name: p, type: vhost-user, socket: " + sock + "}").contains("is busy"),
          "a served socket is another switch's");
    }
  }

  @Test
  void twoPortsOnOneSocketAreRefused() {
    Path sock = dir.resolve("vm.sock");
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                ConfigValidator.validate(
                    ConfigLoader.parse(
                        """
                        ports:
                          - {name: a, type: vhost-user, socket: %s}
                          - {name: b, devargs: "net_vhost9,iface=%s"}
                        cross-connect: [[a, b]]
                        """
                            .formatted(sock, sock),
                        "test.yaml")));
    assertTrue(e.getMessage().contains("both use socket"), e.getMessage());
  }

  @Test
  void dpdkNicIsItsPciAddress() {
    assertEquals("0000:3b:00.0", devargs("{name: p, type: dpdk, pci: \"0000:3b:00.0\"}"));
  }

  @Test
  void mistakesAreOneLineAndSayWhatToDo() {
    assertTrue(refused("{name: p}").contains("needs a type"));
    assertTrue(refused("{name: p, type: afxdp, devargs: net_null0}").contains("not both"));
    assertTrue(refused("{name: p, type: wifi}").contains("unknown"));
    assertTrue(refused("{name: p, type: afxdp}").contains("needs iface"));
    assertTrue(refused("{name: p, type: afxdp, iface: nosuch0}").contains("does not exist"));
    assertTrue(refused("{name: p, type: pcap, iface: lo, socket: /x}").contains("does not apply"));
    assertTrue(
        refused("{name: p, type: vhost-user, socket: /nonexistent-dir/vm.sock}")
            .contains("does not exist"));
    assertTrue(
        refused("{name: p, type: virtio-user, socket: " + dir.resolve("none.sock") + "}")
            .contains("start the backend first"));
    assertTrue(
        refused("{name: p, type: vhost-user, socket: /tmp/x.sock, mode: both}").contains("mode"));
    assertTrue(
        refused("{name: p, type: afxdp, iface: lo, queues: 1, rx-queues: 2}")
            .contains("rx-queues"));
  }
}
