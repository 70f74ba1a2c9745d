package io.vswitch.dataplane.port;

import io.vswitch.dataplane.packet.PacketBatch;
import io.vswitch.ffm.EthPort;
import io.vswitch.ffm.Mempool;
import io.vswitch.ffm.raw.vswitch_shim_h;

/** A port backed by a DPDK ethdev: physical NIC, vhost/virtio, AF_XDP, pcap or any other PMD. */
public final class DpdkPort implements Port {
  private final String name;
  private final int index;
  private final EthPort device;
  private final short portId;
  private final int rxQueues;
  private final int txQueues;
  private final String driver;

  private DpdkPort(String name, int index, EthPort device, int rxQueues, int txQueues) {
    this.name = name;
    this.index = index;
    this.device = device;
    this.portId = (short) device.portId();
    this.rxQueues = rxQueues;
    this.txQueues = txQueues;
    this.driver = device.info().driver();
  }

  /**
   * Probes and configures the device. {@code txQueues} is the number of workers, so that each
   * worker owns one transmit queue on every port and never shares it.
   */
  public static DpdkPort open(PortSpec spec, int index, int txQueues, Mempool pool) {
    EthPort device = EthPort.open(spec.devargs(), EthPort.isPciDevargs(spec.devargs()));
    try {
      device.configure(spec.rxQueues(), txQueues, spec.rxDescriptors(), spec.txDescriptors(), pool);
      device.setPromiscuous(true); // a switch port must see every frame, not only its own MAC
      return new DpdkPort(spec.name(), index, device, spec.rxQueues(), txQueues);
    } catch (RuntimeException e) {
      device.close();
      throw e;
    }
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int index() {
    return index;
  }

  public int dpdkPortId() {
    return Short.toUnsignedInt(portId);
  }

  @Override
  public int rxQueueCount() {
    return rxQueues;
  }

  @Override
  public int txQueueCount() {
    return txQueues;
  }

  @Override
  public int receive(int queue, PacketBatch batch) {
    int n =
        Short.toUnsignedInt(
            vswitch_shim_h.vs_rx_burst(
                portId, (short) queue, batch.mbufArray(), (short) PacketBatch.MAX_BURST));
    batch.setCount(n);
    return n;
  }

  @Override
  public int transmit(int queue, PacketBatch batch) {
    int count = batch.count();
    if (count == 0) {
      return 0;
    }
    int sent =
        Short.toUnsignedInt(
            vswitch_shim_h.vs_tx_burst_or_free(
                portId, (short) queue, batch.mbufArray(), (short) count));
    batch.clear();
    return sent;
  }

  /** net_af_xdp's fill ring (ETH_AF_XDP_DFLT_NUM_DESCS = 2048 per queue) and its refills. */
  private static final int AF_XDP_FILL_RING = 2048;

  @Override
  public int rxMbufsKeptAfterClose() {
    return driver.equals("net_af_xdp") ? rxQueues * (AF_XDP_FILL_RING + PacketBatch.MAX_BURST) : 0;
  }

  /** DPDK's driver name ("net_af_xdp", "net_ixgbe", ...). */
  public String driver() {
    return driver;
  }

  @Override
  public void start() {
    device.start();
  }

  @Override
  public void stop() {
    device.stop();
  }

  @Override
  public PortDeviceStats deviceStats() {
    EthPort.PortStats s = device.stats();
    return new PortDeviceStats(
        s.rxPackets(), s.txPackets(), s.rxMissed(), s.rxErrors(), s.txErrors(), s.rxNoMbuf());
  }

  public EthPort.LinkStatus link() {
    return device.link();
  }

  @Override
  public void close() {
    device.close();
  }

  @Override
  public String toString() {
    return name + "(" + device.devargs() + ")";
  }
}
