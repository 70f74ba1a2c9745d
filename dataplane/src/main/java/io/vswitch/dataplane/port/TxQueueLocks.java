package io.vswitch.dataplane.port;

import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Spin locks for transmit queues that several workers must share because the device has fewer
 * queues than there are workers (net_pcap has one, many vNICs have few). tx_burst on one queue is
 * not thread-safe in DPDK. Held for one tx_burst, so spinning beats parking; ports with a queue per
 * worker never touch this. Each lock sits on its own cache line.
 */
final class TxQueueLocks {
  private static final int STRIDE = 16; // 16 ints = 64 bytes apart
  private final AtomicIntegerArray locks;

  TxQueueLocks(int queues) {
    this.locks = new AtomicIntegerArray(queues * STRIDE);
  }

  void lock(int queue) {
    int i = queue * STRIDE;
    while (!locks.compareAndSet(i, 0, 1)) {
      Thread.onSpinWait();
    }
  }

  void unlock(int queue) {
    locks.set(queue * STRIDE, 0);
  }
}
