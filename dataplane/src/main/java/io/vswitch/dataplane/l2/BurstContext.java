package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.packet.PacketBatch;
import io.vswitch.dataplane.stats.CounterSlot;
import io.vswitch.dataplane.stats.DropReason;
import java.lang.foreign.Arena;

/**
 * Per-packet metadata of the burst in flight, as parallel arrays (structure of arrays): each stage
 * reads the fields earlier stages wrote and loops over the burst once. Allocated once per worker;
 * {@link #begin} resets it per burst.
 *
 * <p>A dropped packet has a non-zero {@code drop[i]} and is skipped by every later stage; its mbuf
 * is collected in {@link #dropped} and freed with one downcall at the end of the burst.
 */
public final class BurstContext {
  /** Egress marker: send to every other member of the VLAN. */
  public static final int FLOOD = -2;

  final PacketBatch batch;
  final PacketBatch dropped;
  public final long[] frame = new long[PacketBatch.MAX_BURST];
  public final int[] length = new int[PacketBatch.MAX_BURST];
  public final long[] dstMac = new long[PacketBatch.MAX_BURST];
  public final long[] srcMac = new long[PacketBatch.MAX_BURST];

  /** 0: untagged; else the TCI of the 802.1Q tag at offset 12 with bit 16 set. */
  public final int[] tag = new int[PacketBatch.MAX_BURST];

  public final int[] etherType = new int[PacketBatch.MAX_BURST];
  public final int[] l3Offset = new int[PacketBatch.MAX_BURST];
  public final int[] vlan = new int[PacketBatch.MAX_BURST];
  public final int[] egress = new int[PacketBatch.MAX_BURST];
  public final byte[] drop = new byte[PacketBatch.MAX_BURST];

  int count;
  int ingressPort;
  CounterSlot ingressCounters;

  public BurstContext(Arena arena) {
    this(new PacketBatch(arena), arena);
  }

  /** A context over an existing batch (benchmarks that replay one burst). */
  public BurstContext(PacketBatch batch, Arena arena) {
    this.batch = batch;
    this.dropped = new PacketBatch(arena);
  }

  /** The batch bursts are received into. */
  public PacketBatch batch() {
    return batch;
  }

  /** Starts a burst of {@code count} packets received on {@code port}. */
  public void begin(int port, int count, CounterSlot counters) {
    this.ingressPort = port;
    this.count = count;
    this.ingressCounters = counters;
    java.util.Arrays.fill(drop, 0, count, (byte) 0);
  }

  public int count() {
    return count;
  }

  public int ingressPort() {
    return ingressPort;
  }

  public boolean isDropped(int i) {
    return drop[i] != 0;
  }

  /** Drops packet i, counted against the ingress port. */
  public void drop(int i, DropReason reason) {
    drop[i] = (byte) (reason.ordinal() + 1);
    dropped.add(batch.mbuf(i));
    ingressCounters.addDrop(reason, 1);
  }

  /** Frees the mbufs of dropped packets (one downcall). */
  public void freeDropped() {
    dropped.freeAll();
  }

  /** The reason packet i was dropped, or null; for tests. */
  public DropReason dropReason(int i) {
    return drop[i] == 0 ? null : DropReason.values()[drop[i] - 1];
  }
}
