package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.qos.Shaper;
import io.vswitch.dataplane.qos.ShaperSpec;

/**
 * One worker's transmit buffers, one per port it can send to, and the list of the ones used since
 * the last drain (a dirty mask), so a drain flushes only those, as DPDK's l2fwd does with its
 * per-port tx buffers and drain timer. A buffer also sends on its own when 32 frames wait.
 *
 * <p>The drain interval is 0 by default: every pass ends with a drain, so a frame waits at most one
 * pass (the latency target allows no more). A longer interval gathers more frames per tx burst when
 * many ports each get a few per pass, at the price of that much added latency.
 *
 * <p>Shaped ports are drained the same way; their shapers release queued frames into the buffers at
 * the top of every pass ({@link #release}).
 */
public final class TxSet {
  /** Drain at the end of every pass. */
  public static final long DRAIN_EVERY_PASS = 0;

  private final TxBuffer[] byPort;
  private final long present;
  private final long drainTicks;
  private long dirty;
  private long shaped;
  private long lastDrain;

  /**
   * @param byPort a buffer per port index, null where this worker cannot send
   * @param drainTicks TSC ticks between drains, or {@link #DRAIN_EVERY_PASS}
   */
  public TxSet(TxBuffer[] byPort, long drainTicks) {
    if (byPort.length > L2Tables.MAX_PORTS) {
      throw new IllegalArgumentException("at most " + L2Tables.MAX_PORTS + " ports");
    }
    this.byPort = byPort;
    this.drainTicks = drainTicks;
    long mask = 0;
    for (int p = 0; p < byPort.length; p++) {
      mask |= byPort[p] != null ? 1L << p : 0;
    }
    this.present = mask;
  }

  /** Ports this worker can send to now. */
  public long present() {
    return present;
  }

  /** The buffer of port {@code p}, or null. */
  public TxBuffer buffer(int p) {
    return p < byPort.length ? byPort[p] : null;
  }

  /** Queues a frame on port {@code p} (which is {@link #present}). */
  public void add(int p, long mbuf, int length, boolean flood) {
    byPort[p].add(mbuf, length, flood);
    dirty |= 1L << p;
  }

  /**
   * Queues the frames of a burst that all leave by port {@code p} alone ({@link TxBuffer#addAll}):
   * frame i of the arrays for each bit i of {@code frames}, flooded where {@code floods} has bit i.
   */
  public void addAll(int p, long[] mbufs, int[] lengths, int frames, int floods) {
    byPort[p].addAll(mbufs, lengths, frames, floods);
    dirty |= 1L << p;
  }

  /** Queues a mirrored copy on port {@code p} (which is {@link #present}). */
  public void addMirrored(int p, long mbuf, int length) {
    byPort[p].addMirrored(mbuf, length);
    dirty |= 1L << p;
  }

  /** Moves what the shapers' tokens allow at TSC time {@code now} into the buffers. */
  public int release(long now) {
    int moved = 0;
    for (long s = shaped; s != 0; s &= s - 1) {
      int p = Long.numberOfTrailingZeros(s);
      int n = byPort[p].release(now);
      if (n > 0) {
        dirty |= 1L << p;
        moved += n;
      }
    }
    return moved;
  }

  /**
   * True while a shaper of this set still holds frames. Their release time is found only by
   * polling, so the worker must not park meanwhile: a park longer than a bucket's burst time (64
   * KiB at 100 Mbit/s is 5 ms) throws away tokens, and the port then runs below its rate.
   */
  public boolean shapersWaiting() {
    for (long s = shaped; s != 0; s &= s - 1) {
      Shaper shaper = byPort[Long.numberOfTrailingZeros(s)].shaper();
      if (shaper != null && !shaper.isEmpty()) {
        return true;
      }
    }
    return false;
  }

  /** The end of a pass: flushes the buffers used since the last drain, when the interval is up. */
  public void drain(long now) {
    if (dirty == 0 || (drainTicks > 0 && now - lastDrain < drainTicks)) {
      return;
    }
    flush();
    lastDrain = now;
  }

  /** Flushes every buffer used since the last drain, now. */
  public void flush() {
    for (long d = dirty; d != 0; d &= d - 1) {
      byPort[Long.numberOfTrailingZeros(d)].flush();
    }
    dirty = 0;
  }

  /**
   * Takes each port's MTU and shaper from new tables: a shaper whose spec is unchanged keeps its
   * queue and tokens; one whose rate changed keeps its queue; one removed sends what it held.
   */
  public void adopt(L2Tables tables, long hz, long tsc) {
    long nextShaped = 0;
    for (int p = 0; p < byPort.length; p++) {
      TxBuffer tx = byPort[p];
      if (tx == null) {
        continue;
      }
      PortPolicy policy = p < tables.portCount() ? tables.port(p) : null;
      ShaperSpec spec = policy == null ? null : policy.shaper();
      tx.mtu(policy == null ? PortPolicy.DEFAULT_MTU : policy.mtu);
      Shaper shaper = tx.shaper();
      if (spec == null) {
        if (shaper != null) {
          tx.shape(null);
          dirty |= 1L << p;
        }
      } else if (shaper == null || shaper.spec().queue() != spec.queue()) {
        tx.shape(new Shaper(spec, hz, tsc));
        dirty |= 1L << p;
      } else if (!shaper.spec().equals(spec)) {
        shaper.respec(spec);
      }
      nextShaped |= spec != null ? 1L << p : 0;
    }
    shaped = nextShaped;
  }

  /** Frees everything still waiting, in shapers too (worker shutdown). */
  public void discard() {
    for (TxBuffer buffer : byPort) {
      if (buffer != null) {
        buffer.discard();
      }
    }
    dirty = 0;
  }
}
