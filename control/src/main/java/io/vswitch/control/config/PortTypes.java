package io.vswitch.control.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The one place a typed port ({@code type: afxdp | afpacket | pcap | pcap-file | dpdk | vhost-user
 * | virtio-user}) becomes DPDK devargs, so that operators never write driver syntax and the rest of
 * the switch sees only devargs.
 *
 * <p>Why DPDK's own drivers for the laptop fallback rather than direct FFM bindings to libxdp or
 * libpcap, measured on the 2-core CI machine: a veth pair, testpmd txonly (net_af_packet, 64-byte
 * frames) sending 0.65 Mpps into one end, a receiver on the other core counting for 10 s:
 *
 * <ul>
 *   <li>a direct FFM loop over libpcap (pcap_dispatch, an upcall per packet, counting only, not
 *       even copying): 0.587 Mpps;
 *   <li>DPDK net_pcap, frames copied into mbufs: 0.558 Mpps;
 *   <li>DPDK net_af_xdp (XDP generic on veth, busy_budget=0), zero copy into the pool: 0.542 Mpps;
 *   <li>DPDK net_af_packet (default ring): 0.135 Mpps.
 * </ul>
 *
 * The three best are within 8% of each other and of the source: on a laptop the kernel's veth and
 * the sender are the limit, not the receive path. The direct libpcap binding's 5% would be spent
 * again copying each frame into an mbuf to switch it with the other ports (net_pcap's copy is
 * included above), and its callback API costs an upcall per packet, against the project's rule of
 * one downcall per burst. A direct libxdp binding would reimplement UMEM, fill/completion rings and
 * mbuf recycling that net_af_xdp already does into the switch's own pool. So laptop ports are DPDK
 * vdevs: the same mbufs, workers, counters and leak check as every other port; AF_XDP is the
 * documented laptop default (no copy, and a real NIC with a native XDP driver is much faster), pcap
 * the fallback where AF_XDP is missing, and af_packet kept for kernels without either.
 */
public final class PortTypes {
  public static final List<String> TYPES =
      List.of("afxdp", "afpacket", "pcap", "pcap-file", "dpdk", "vhost-user", "virtio-user");

  /** Typed fields each type takes; any other set field is a mistake worth a clear message. */
  private static final Map<String, Set<String>> FIELDS =
      Map.of(
          "afxdp", Set.of("iface", "queues"),
          "afpacket", Set.of("iface", "queues"),
          "pcap", Set.of("iface"),
          "pcap-file", Set.of("rx-file", "tx-file", "loop"),
          "dpdk", Set.of("pci", "queues"),
          "vhost-user", Set.of("socket", "mode", "queues"),
          "virtio-user", Set.of("socket", "queues"));

  private PortTypes() {}

  /** The devargs that open {@code port}: its own when given raw, else compiled from its type. */
  public static String devargs(SwitchConfig.Port port) {
    if (port.type() == null) {
      return port.devargs();
    }
    String dev = "_" + port.name().replaceAll("[^A-Za-z0-9_]", "_");
    return switch (port.type()) {
      case "afxdp" ->
          "net_af_xdp"
              + dev
              + ",iface="
              + port.iface()
              + ",start_queue=0,queue_count="
              + port.queues()
              + (isVirtualInterface(port.iface()) ? ",busy_budget=0" : "");
      case "afpacket" ->
          "net_af_packet" + dev + ",iface=" + port.iface() + ",qpairs=" + port.queues();
      case "pcap" -> "net_pcap" + dev + ",iface=" + port.iface();
      case "pcap-file" -> pcapFile(port, dev);
      case "dpdk" -> port.pci();
      case "vhost-user" ->
          "net_vhost"
              + dev
              + ",iface="
              + port.socket()
              + ",queues="
              + port.queues()
              + ("client".equals(port.mode()) ? ",client=1" : "");
      case "virtio-user" ->
          "net_virtio_user" + dev + ",path=" + port.socket() + ",queues=" + port.queues();
      default -> throw new IllegalStateException("unvalidated port type " + port.type());
    };
  }

  /**
   * AF_XDP busy-polls the device's NAPI context by default (busy_budget=64), which helps a real
   * NIC; a virtual interface (veth, bridge, tun: no /sys/class/net/X/device) has no such context,
   * and with the default a reply waits for the socket's timeout (hundreds of milliseconds).
   */
  static boolean isVirtualInterface(String iface) {
    return !Files.exists(Path.of("/sys/class/net", iface, "device"));
  }

  /**
   * An input capture read once or looped (infinite_rx caches it in mbufs), and an output capture;
   * with no input, net_pcap gives a receive queue that never has packets.
   */
  private static String pcapFile(SwitchConfig.Port port, String dev) {
    StringBuilder b = new StringBuilder("net_pcap").append(dev);
    if (port.rxFile() != null) {
      b.append(",rx_pcap=").append(port.rxFile());
      if (port.loop()) {
        b.append(",infinite_rx=1");
      }
    }
    if (port.txFile() != null) {
      b.append(",tx_pcap=").append(port.txFile());
    }
    return b.toString();
  }

  /** Checks the typed fields: exactly one of type or devargs, each type with what it needs. */
  static void validate(SwitchConfig.Port port) {
    String where = "port '" + port.name() + "'";
    boolean raw = port.devargs() != null && !port.devargs().isBlank();
    if (port.type() == null) {
      require(
          raw,
          where
              + " needs a type ("
              + String.join(" | ", TYPES)
              + ") or devargs (e.g. net_af_xdp0,iface=eth0)");
      require(
          setFields(port).isEmpty(),
          where + ": " + setFields(port) + " need a type; with raw devargs, put them in devargs");
      return;
    }
    require(!raw, where + ": give either type or devargs, not both");
    Set<String> allowed = FIELDS.get(port.type());
    require(
        allowed != null,
        where + ": type '" + port.type() + "' is unknown: use " + String.join(", ", TYPES));
    for (String field : setFields(port)) {
      require(
          allowed.contains(field),
          where
              + ": "
              + field
              + " does not apply to type "
              + port.type()
              + " (takes "
              + allowed
              + ")");
    }
    require(port.queues() >= 1 && port.queues() <= 64, where + ": queues must be 1..64");
    require(
        port.rxQueues() <= port.queues(),
        where + ": rx-queues " + port.rxQueues() + " is more than its queues " + port.queues());
    switch (port.type()) {
      case "afxdp", "afpacket", "pcap" ->
          require(port.iface() != null, where + ": type " + port.type() + " needs iface");
      case "pcap-file" -> {
        require(
            port.rxFile() != null || port.txFile() != null,
            where + ": type pcap-file needs rx-file (replay), tx-file (record) or both");
        require(port.rxFile() != null || !port.loop(), where + ": loop needs an rx-file");
      }
      case "dpdk" -> require(port.pci() != null, where + ": type dpdk needs pci (0000:3b:00.0)");
      case "vhost-user" -> {
        require(port.socket() != null, where + ": type vhost-user needs socket (a path)");
        require(
            port.mode() == null || port.mode().equals("server") || port.mode().equals("client"),
            where
                + ": mode must be server (the switch creates the socket) or client (the VM does)");
      }
      case "virtio-user" ->
          require(port.socket() != null, where + ": type virtio-user needs socket");
      default -> throw new IllegalStateException(port.type());
    }
    requireDevargsSafe(port, where);
    if (port.type().equals("pcap") || port.type().equals("pcap-file")) {
      require(port.queues() == 1, where + ": a pcap port has one queue");
    }
  }

  private static final Pattern IFACE = Pattern.compile("[A-Za-z0-9_.:@-]{1,15}");
  private static final Pattern PCI =
      Pattern.compile("([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]");

  /**
   * Typed fields are pasted into devargs, where a comma starts another argument: {@code iface:
   * "eth0,rx_pcap=/etc/shadow"} would be a raw devargs port in disguise. So each value has its own
   * syntax: an interface name as the kernel allows (15 characters), a PCI address, a path without
   * commas or control characters.
   */
  private static void requireDevargsSafe(SwitchConfig.Port port, String where) {
    if (port.iface() != null) {
      require(
          IFACE.matcher(port.iface()).matches(),
          where + ": iface " + Names.quote(port.iface()) + " is not an interface name");
    }
    if (port.pci() != null) {
      require(
          PCI.matcher(port.pci()).matches(),
          where + ": pci " + Names.quote(port.pci()) + " is not a PCI address (0000:3b:00.0)");
    }
    requirePath(port.socket(), where + ": socket");
    requirePath(port.rxFile(), where + ": rx-file");
    requirePath(port.txFile(), where + ": tx-file");
  }

  private static void requirePath(String path, String what) {
    if (path != null) {
      require(
          !path.isEmpty() && path.chars().noneMatch(c -> c == ',' || c < 0x20 || c == 0x7f),
          what + " " + Names.quote(path) + " must be a path without commas or control characters");
    }
  }

  private static List<String> setFields(SwitchConfig.Port port) {
    var fields = new java.util.ArrayList<String>();
    if (port.iface() != null) {
      fields.add("iface");
    }
    if (port.socket() != null) {
      fields.add("socket");
    }
    if (port.mode() != null) {
      fields.add("mode");
    }
    if (port.pci() != null) {
      fields.add("pci");
    }
    if (port.rxFile() != null) {
      fields.add("rx-file");
    }
    if (port.txFile() != null) {
      fields.add("tx-file");
    }
    if (port.loop()) {
      fields.add("loop");
    }
    return fields;
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new ConfigException(message);
    }
  }
}
