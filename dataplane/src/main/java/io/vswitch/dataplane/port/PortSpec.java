package io.vswitch.dataplane.port;

/**
 * What the switch needs to open a port.
 *
 * @param name the operator's name
 * @param devargs the port's arguments; for a DPDK port its devargs: a PCI address or a vdev
 *     ("net_af_xdp0,iface=eth0")
 * @param rxQueues receive queues (RSS spreads flows over them)
 * @param rxDescriptors receive ring size per queue
 * @param txDescriptors transmit ring size per queue
 * @param mtu the largest L3 payload: the mbuf pool's data room is sized for the largest
 * @param kind which {@link PortFactory} of the runtime's {@link PortRegistry} opens the port
 */
public record PortSpec(
    String name,
    String devargs,
    int rxQueues,
    int rxDescriptors,
    int txDescriptors,
    int mtu,
    String kind) {

  /** A DPDK ethdev ({@link DpdkPort}), the kind of every port the config describes today. */
  public static final String KIND_DPDK = "dpdk";

  public static final int DEFAULT_RX_DESCRIPTORS = 1024;
  public static final int DEFAULT_TX_DESCRIPTORS = 1024;

  public static final int DEFAULT_MTU = 1500;

  public PortSpec(
      String name, String devargs, int rxQueues, int rxDescriptors, int txDescriptors, int mtu) {
    this(name, devargs, rxQueues, rxDescriptors, txDescriptors, mtu, KIND_DPDK);
  }

  public PortSpec(String name, String devargs, int rxQueues, int rxDescriptors, int txDescriptors) {
    this(name, devargs, rxQueues, rxDescriptors, txDescriptors, DEFAULT_MTU);
  }

  public PortSpec {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("a port needs a name");
    }
    if (devargs == null || devargs.isBlank()) {
      throw new IllegalArgumentException("port '" + name + "' needs devargs");
    }
    if (rxQueues < 1) {
      throw new IllegalArgumentException("port '" + name + "': rx-queues must be at least 1");
    }
    if (kind == null || kind.isBlank()) {
      throw new IllegalArgumentException("port '" + name + "' needs a kind");
    }
  }

  public static PortSpec of(String name, String devargs) {
    return new PortSpec(name, devargs, 1, DEFAULT_RX_DESCRIPTORS, DEFAULT_TX_DESCRIPTORS);
  }
}
