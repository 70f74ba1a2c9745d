package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.packet.PacketBatch;
import io.vswitch.dataplane.port.Port;
import io.vswitch.dataplane.stats.CounterSlot;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.stats.PortCounter;
import java.lang.foreign.Arena;

/**
 * One worker's pending transmissions to one port: frames are collected here during a burst and sent
 * with one tx_burst when the burst is done (or when 32 are waiting). Keeps each frame's length and
 * kind so the counters count what was actually sent.
 */
public final class TxBuffer {
  private final Port port;
  private final int queue;
  private final PacketBatch batch;
  private final CounterSlot counters;
  private final int[] lengths = new int[PacketBatch.MAX_BURST];
  private final boolean[] flooded = new boolean[PacketBatch.MAX_BURST];

  public TxBuffer(Port port, int queue, CounterSlot counters, Arena arena) {
    this.port = port;
    this.queue = queue;
    this.counters = counters;
    this.batch = new PacketBatch(arena);
  }

  public void add(long mbuf, int length, boolean flood) {
    if (batch.isFull()) {
      flush();
    }
    int i = batch.count();
    lengths[i] = length;
    flooded[i] = flood;
    batch.add(mbuf);
  }

  /** Sends what is waiting; frees and counts what the queue refused. */
  public void flush() {
    int count = batch.count();
    if (count == 0) {
      return;
    }
    int sent = port.transmit(queue, batch);
    long bytes = 0;
    int floods = 0;
    for (int i = 0; i < sent; i++) {
      bytes += lengths[i];
      floods += flooded[i] ? 1 : 0;
    }
    counters.add(PortCounter.TX_PACKETS, sent);
    counters.add(PortCounter.TX_BYTES, bytes);
    counters.add(PortCounter.TX_FLOOD, floods);
    counters.add(PortCounter.TX_UNICAST, sent - floods);
    if (sent < count) {
      counters.addDrop(DropReason.TX_QUEUE_FULL, count - sent);
    }
  }

  public Port port() {
    return port;
  }

  public boolean isEmpty() {
    return batch.isEmpty();
  }

  /** Frees anything still waiting (worker shutdown). */
  public void discard() {
    batch.freeAll();
  }
}
