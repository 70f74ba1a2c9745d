package io.vswitch.dataplane.port;

import io.vswitch.dataplane.packet.PacketBatch;
import io.vswitch.ffm.EthPort;
import io.vswitch.ffm.Mempool;

/** A port backed by a DPDK ethdev: physical NIC, vhost/virtio, AF_XDP, pcap or any other PMD. */
public final class DpdkPort implements Port {
  private final String name;
  private final int index;
  private final EthPort device;
  private final int portId;
  private final int rxQueues;
  private final int txQueues;
  private final String driver;
  private final TxQueueLocks locks; // null when every worker has its own queue
  private final boolean completesChecksums; // frames from a local kernel: see PartialChecksums

  private DpdkPort(
      String name, int index, EthPort device, int rxQueues, int txQueues, int workers) {
    this.name = name;
    this.index = index;
    this.device = device;
    this.portId = device.portId();
    this.rxQueues = rxQueues;
    this.txQueues = txQueues;
    this.driver = device.info().driver();
    this.locks = txQueues < workers ? new TxQueueLocks(txQueues) : null;
    this.completesChecksums = PartialChecksums.applies(driver);
  }

  /**
   * Probes and configures the device with one transmit queue per worker, so that each worker owns
   * one on every port and never shares it, or as many as the device has when that is fewer (a pcap
   * port has one): then workers share them under {@link TxQueueLocks}.
   */
  public static DpdkPort open(PortSpec spec, int index, int workers, Mempool pool) {
    EthPort device = EthPort.open(spec.devargs(), EthPort.isPciDevargs(spec.devargs()));
    try {
      int txQueues = Math.max(1, Math.min(workers, device.info().maxTxQueues()));
      device.configure(spec.rxQueues(), txQueues, spec.rxDescriptors(), spec.txDescriptors(), pool);
      device.setPromiscuous(true); // a switch port must see every frame, not only its own MAC
      return new DpdkPort(spec.name(), index, device, spec.rxQueues(), txQueues, workers);
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
    return portId;
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
    int n = EthPort.rxBurst(portId, queue, batch.mbufArray(), PacketBatch.MAX_BURST);
    batch.setCount(n);
    if (completesChecksums && n > 0) {
      PartialChecksums.completeBurst(batch);
    }
    return n;
  }

  /**
   * @param queue the worker's index; with fewer queues than workers it maps to queue % queues,
   *     taken under that queue's lock
   */
  @Override
  public int transmit(int queue, PacketBatch batch) {
    int count = batch.count();
    if (count == 0) {
      return 0;
    }
    int sent;
    if (locks == null) {
      sent = txBurst(queue, batch, count);
    } else {
      int shared = queue % txQueues;
      locks.lock(shared);
      try {
        sent = txBurst(shared, batch, count);
      } finally {
        locks.unlock(shared);
      }
    }
    batch.clear();
    return sent;
  }

  private int txBurst(int queue, PacketBatch batch, int count) {
    return EthPort.txBurstOrFree(portId, queue, batch.mbufArray(), count);
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

  /**
   * The device's MAC address as 48 bits (a LACP team's default system ID is its first member's).
   */
  public long mac() {
    long mac = 0;
    for (byte b : device.info().mac()) {
      mac = (mac << 8) | (b & 0xFF);
    }
    return mac;
  }

  /** The devargs it was opened with ("net_af_xdp0,iface=eth0"). */
  public String devargs() {
    return device.devargs();
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
