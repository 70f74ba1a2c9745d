package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.packet.PacketBatch;
import io.vswitch.dataplane.port.Port;
import io.vswitch.dataplane.qos.Shaper;
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

  /** Frames waiting, in a heap array: moved to the batch's off-heap array once, at the flush. */
  private final long[] pending = new long[PacketBatch.MAX_BURST];

  private int waiting;

  /**
   * Bytes of the waiting frames, summed as they are added: when the port takes the whole burst
   * (nearly always) the flush counts without a loop over it.
   */
  private long waitingBytes;

  private final int[] lengths = new int[PacketBatch.MAX_BURST];

  /** Which waiting frames (bit i: pending[i]) were flooded: counted as tx_flood. */
  private int floodedMask;

  /**
   * Which waiting frames are mirrored copies: counted apart, and a copy the queue refuses is a
   * mirror drop rather than a tx_queue_full.
   */
  private int mirroredMask;

  private final PacketBatch overflow;
  private Shaper shaper;
  private int mtu = PortPolicy.DEFAULT_MTU;

  public TxBuffer(Port port, int queue, CounterSlot counters, Arena arena) {
    this.port = port;
    this.queue = queue;
    this.counters = counters;
    this.batch = new PacketBatch(arena);
    this.overflow = new PacketBatch(arena);
  }

  /**
   * Sends a frame with the burst, or, when the port is shaped and the frame does not conform yet,
   * queues it in the shaper (freed and counted only when that queue is full).
   */
  public void add(long mbuf, int length, boolean flood) {
    if (MtuCheck.exceeds(mbuf, length, mtu)) {
      refuse(mbuf, DropReason.TX_MTU_EXCEEDED);
      return;
    }
    if (shaper != null && !shaper.admit(length)) {
      if (!shaper.enqueue(mbuf, length, flood)) {
        refuse(mbuf, DropReason.SHAPER_QUEUE_FULL);
      }
      return;
    }
    send(mbuf, length, flood);
  }

  /**
   * Sends a mirrored copy with the burst: the MTU applies, the shaper does not (a copy never waits
   * in a queue; one the transmit queue refuses is dropped and counted as {@code mirror_dropped}).
   */
  public void addMirrored(long mbuf, int length) {
    if (MtuCheck.exceeds(mbuf, length, mtu)) {
      refuse(mbuf, DropReason.MIRROR_DROPPED);
      return;
    }
    send(mbuf, length, false);
    mirroredMask |= 1 << (waiting - 1);
  }

  /** Counts {@code n} mirrored copies for this port that could not be made (no mbuf). */
  public void countMirrorDrops(int n) {
    counters.addDrop(DropReason.MIRROR_DROPPED, n);
  }

  /** Frees (with the burst) and counts on this port a frame it will not send. */
  private void refuse(long mbuf, DropReason reason) {
    if (overflow.isFull()) {
      overflow.freeAll();
    }
    overflow.add(mbuf);
    counters.addDrop(reason, 1);
  }

  /** The egress port's MTU (L3 bytes): longer frames are dropped as {@code tx_mtu_exceeded}. */
  public void mtu(int bytes) {
    this.mtu = bytes;
  }

  private void send(long mbuf, int length, boolean flood) {
    if (waiting == PacketBatch.MAX_BURST) {
      flush();
    }
    int i = waiting++;
    pending[i] = mbuf;
    lengths[i] = length;
    floodedMask |= (flood ? 1 : 0) << i;
    waitingBytes += length;
  }

  /**
   * Sends the frames of a burst that all leave by this port alone: frame i of {@code mbufs} and
   * {@code lengths} for each bit i of {@code frames}, flooded where {@code floods} has bit i. The
   * same as {@link #add} for each in turn, in one loop that keeps the buffer's state in registers
   * (the per-frame path reloads it around every frame). A shaped port, or one that would fill up
   * mid-burst, takes them one by one.
   */
  public void addAll(long[] mbufs, int[] lengths, int frames, int floods) {
    int w = waiting;
    if (shaper != null || Integer.bitCount(frames) > PacketBatch.MAX_BURST - w) {
      for (int m = frames; m != 0; m &= m - 1) {
        int i = Integer.numberOfTrailingZeros(m);
        add(mbufs[i], lengths[i], ((floods >>> i) & 1) != 0);
      }
      return;
    }
    long[] to = pending;
    int[] toLengths = this.lengths;
    int limit = mtu + ParseStage.ETHER_HEADER; // no longer than this: under the MTU, tag or not
    long bytes = 0;
    int flooded = 0;
    int end = PacketBatch.loopBound(frames);
    for (int i = 0; i < end; i++) { // counted: the bounds of the inputs are checked once
      if ((frames & 1 << i) == 0) {
        continue;
      }
      long mbuf = mbufs[i];
      int length = lengths[i];
      if (length > limit && MtuCheck.exceeds(mbuf, length, mtu)) {
        refuse(mbuf, DropReason.TX_MTU_EXCEEDED);
        continue;
      }
      to[w] = mbuf;
      toLengths[w] = length;
      flooded |= ((floods >>> i) & 1) << w;
      bytes += length;
      w++;
    }
    waiting = w;
    waitingBytes += bytes;
    floodedMask |= flooded;
  }

  /** The shaper of this port for this worker, or null. */
  public Shaper shaper() {
    return shaper;
  }

  /**
   * Shapes this port from now on ({@code next} non-null), or stops shaping it (null): frames still
   * queued in the old shaper are sent at once, in order.
   */
  public void shape(Shaper next) {
    if (shaper != null && shaper != next) {
      Shaper old = shaper;
      shaper = null;
      while (!old.isEmpty()) {
        send(old.headMbuf(), old.headLength(), old.headFlooded());
        old.dequeue();
      }
    }
    shaper = next;
  }

  /**
   * Moves the queued frames the shaper's tokens allow at TSC time {@code now} into the burst; the
   * worker calls this on every pass of its poll loop. Returns how many moved.
   */
  public int release(long now) {
    Shaper s = shaper;
    if (s == null) {
      return 0;
    }
    s.refill(now);
    int moved = 0;
    while (s.headConforms()) {
      send(s.headMbuf(), s.headLength(), s.headFlooded());
      s.dequeue();
      moved++;
    }
    return moved;
  }

  /** Sends what is waiting; frees and counts what the queue refused. */
  public void flush() {
    overflow.freeAll();
    int count = waiting;
    if (count == 0) {
      return;
    }
    batch.load(pending, count);
    long bytes = waitingBytes;
    int flooded = floodedMask;
    int copies = mirroredMask;
    clearWaiting();
    int sent = port.transmit(queue, batch);
    for (int i = sent; i < count; i++) { // what the queue refused is not counted as sent
      bytes -= lengths[i];
    }
    int refused = sent == PacketBatch.MAX_BURST ? 0 : -1 << sent; // bits sent.. (count is <= 32)
    int floods = Integer.bitCount(flooded & ~refused);
    int sentCopies = Integer.bitCount(copies & ~refused);
    counters.add(PortCounter.TX_PACKETS, sent);
    counters.add(PortCounter.TX_BYTES, bytes);
    counters.add(PortCounter.TX_FLOOD, floods);
    counters.add(PortCounter.TX_UNICAST, sent - floods - sentCopies);
    if (sentCopies != 0) {
      counters.add(PortCounter.MIRROR_PACKETS, sentCopies);
    }
    if (sent < count) {
      int refusedCopies = Integer.bitCount(copies & refused);
      counters.addDrop(DropReason.TX_QUEUE_FULL, count - sent - refusedCopies);
      if (refusedCopies != 0) {
        counters.addDrop(DropReason.MIRROR_DROPPED, refusedCopies);
      }
    }
  }

  public Port port() {
    return port;
  }

  private void clearWaiting() {
    waiting = 0;
    waitingBytes = 0;
    floodedMask = 0;
    mirroredMask = 0;
  }

  public boolean isEmpty() {
    return waiting == 0 && overflow.isEmpty();
  }

  /** Frees anything still waiting, in the shaper's queue too (worker shutdown). */
  public void discard() {
    batch.load(pending, waiting);
    clearWaiting();
    batch.freeAll();
    overflow.freeAll();
    if (shaper != null) {
      while (!shaper.isEmpty()) {
        if (overflow.isFull()) {
          overflow.freeAll();
        }
        overflow.add(shaper.headMbuf());
        shaper.dequeue();
      }
      overflow.freeAll();
    }
  }
}
