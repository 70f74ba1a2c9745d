package io.vswitch.dataplane.xconnect;

import io.vswitch.dataplane.packet.PacketBatch;
import io.vswitch.dataplane.port.Port;
import io.vswitch.dataplane.stats.CounterFile;
import io.vswitch.dataplane.stats.CounterSlot;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.stats.PortCounter;
import io.vswitch.dataplane.worker.Agent;
import io.vswitch.dataplane.worker.PassClock;
import io.vswitch.dataplane.worker.RxQueue;
import java.lang.foreign.Arena;
import java.util.List;

/**
 * The simplest forwarding there is: every frame received on a port leaves on its peer port,
 * untouched (a patch cable, or testpmd's io mode). One rx burst, one tx burst, per queue per pass;
 * what the peer's queue cannot take is freed and counted as {@link DropReason#TX_QUEUE_FULL}.
 */
public final class CrossConnectAgent implements Agent {
  private final RxQueue[] queues;
  private final Port[] peers;
  private final CounterSlot[] rxCounters;
  private final CounterSlot[] txCounters;
  private final int txQueue;
  private final Arena arena = Arena.ofShared();
  private final PacketBatch batch = new PacketBatch(arena);
  private final int[] lengths = new int[PacketBatch.MAX_BURST];

  /**
   * @param worker this worker's index: its transmit queue on every port and its counter slots
   * @param queues the receive queues this worker polls
   * @param peerOf for each port index, the port its frames go to
   */
  public CrossConnectAgent(
      int worker, List<RxQueue> queues, List<? extends Port> peerOf, CounterFile counters) {
    this.queues = queues.toArray(RxQueue[]::new);
    this.peers = new Port[this.queues.length];
    this.rxCounters = new CounterSlot[this.queues.length];
    this.txCounters = new CounterSlot[this.queues.length];
    this.txQueue = worker;
    for (int i = 0; i < this.queues.length; i++) {
      Port in = this.queues[i].port();
      peers[i] = peerOf.get(in.index());
      rxCounters[i] = counters.slot(worker, in.index());
      txCounters[i] = counters.slot(worker, peers[i].index());
    }
  }

  @Override
  public int doWork(PassClock clock) {
    int work = 0;
    for (int i = 0; i < queues.length; i++) {
      work += forward(i);
    }
    return work;
  }

  private int forward(int i) {
    RxQueue in = queues[i];
    int received = in.port().receive(in.queue(), batch);
    if (received == 0) {
      return 0;
    }
    long bytes = recordLengths(received);
    rxCounters[i].add(PortCounter.RX_PACKETS, received);
    rxCounters[i].add(PortCounter.RX_BYTES, bytes);
    int sent = peers[i].transmit(txQueue, batch);
    CounterSlot tx = txCounters[i];
    tx.add(PortCounter.TX_PACKETS, sent);
    tx.add(PortCounter.TX_BYTES, sent == received ? bytes : prefixBytes(sent));
    tx.add(PortCounter.TX_UNICAST, sent);
    if (sent < received) {
      tx.addDrop(DropReason.TX_QUEUE_FULL, received - sent);
    }
    return received;
  }

  /** Reads every frame length once (before tx hands the mbufs away) and returns their sum. */
  private long recordLengths(int count) {
    long bytes = 0;
    for (int p = 0; p < count; p++) {
      int length = batch.frameLength(p);
      lengths[p] = length;
      bytes += length;
    }
    return bytes;
  }

  private long prefixBytes(int count) {
    long bytes = 0;
    for (int p = 0; p < count; p++) {
      bytes += lengths[p];
    }
    return bytes;
  }

  @Override
  public void onClose() {
    batch.freeAll();
    arena.close();
  }

  @Override
  public String roleName() {
    return "xconnect";
  }
}
