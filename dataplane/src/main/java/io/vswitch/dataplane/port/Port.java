package io.vswitch.dataplane.port;

import io.vswitch.dataplane.packet.PacketBatch;

/**
 * A switch port: receive queues that give bursts of mbufs and transmit queues that take them. One
 * queue is used by one worker at a time, so implementations need no locking.
 */
public interface Port extends AutoCloseable {

  /** The operator's name for the port (from the config). */
  String name();

  /** Dense index of this port in the switch, 0..ports-1; indexes counter slots and tables. */
  int index();

  int rxQueueCount();

  int txQueueCount();

  /**
   * Fills {@code batch} (which must be empty) with up to {@link PacketBatch#MAX_BURST} packets from
   * receive queue {@code queue}; returns how many.
   */
  int receive(int queue, PacketBatch batch);

  /**
   * Sends the whole batch on transmit queue {@code queue}, frees what the queue could not take, and
   * empties the batch. Returns how many were sent; the rest are drops the caller counts.
   */
  int transmit(int queue, PacketBatch batch);

  /** Starts the device; receive and transmit work only between start and stop. */
  void start();

  /** Stops the device; mbufs it held in its rings go back to their pool. */
  void stop();

  /** Device-level counters (the NIC's own view, which may differ from the switch's). */
  PortDeviceStats deviceStats();

  /**
   * The most mbufs this port's driver may keep for good, even after close: 0 for well-behaved
   * drivers. DPDK 22.11's net_af_xdp is not one: the mbufs it posted to the kernel's fill ring (up
   * to its ring size, and it refills as it receives) stay there when the socket is destroyed. The
   * leak check allows for them, so it is exact for every other driver.
   */
  default int rxMbufsKeptAfterClose() {
    return 0;
  }

  /** Releases the device. */
  @Override
  void close();
}
