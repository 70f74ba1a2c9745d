package io.vswitch.control;

import io.vswitch.dataplane.port.DpdkPort;
import io.vswitch.dataplane.port.Port;
import io.vswitch.ffm.DpdkException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A port's link as the control thread sees it (a team member's health, whether a VM runs behind a
 * vNIC port): DPDK's link state ({@code rte_eth_link_get_nowait}) and, for a device that is a
 * kernel interface (net_af_xdp, net_af_packet, net_pcap), also the interface's carrier ({@code
 * /sys/class/net/IF/carrier}), since those drivers report their link up from start to stop whatever
 * the cable, or a veth's peer, does: with the carrier, a cut link is seen at the next 10 ms tick
 * instead of after a probe's misses or LACP's 3 s timeout. One small file read per member per tick,
 * on the control thread only.
 */
final class PortLink {
  private PortLink() {}

  /** Up when DPDK says so and, for a kernel interface, the kernel has carrier on it. */
  static boolean up(Port port) {
    if (!(port instanceof DpdkPort dpdk)) {
      return true;
    }
    try {
      if (!dpdk.link().up()) {
        return false;
      }
    } catch (DpdkException e) {
      return false; // removed meanwhile
    }
    String iface = kernelInterface(dpdk.devargs());
    if (iface == null) {
      return true;
    }
    try {
      return Files.readString(Path.of("/sys/class/net", iface, "carrier")).trim().equals("1");
    } catch (IOException | RuntimeException e) {
      return false; // an interface that is down has no carrier to read (EINVAL), or is gone
    }
  }

  /** "eth0" of "net_af_xdp0,iface=eth0,..."; null for a device that is no kernel interface. */
  static String kernelInterface(String devargs) {
    if (!devargs.startsWith("net_af_xdp")
        && !devargs.startsWith("net_af_packet")
        && !devargs.startsWith("net_pcap")) {
      return null;
    }
    for (String arg : devargs.split(",")) {
      if (arg.startsWith("iface=")) {
        String iface = arg.substring("iface=".length());
        return iface.matches("[A-Za-z0-9_.@-]{1,15}") ? iface : null;
      }
    }
    return null;
  }
}
