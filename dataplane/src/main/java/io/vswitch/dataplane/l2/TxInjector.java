package io.vswitch.dataplane.l2;

import io.vswitch.ffm.Mbuf;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Frames the control thread makes for the wire (an uplink team's ARP probes, its LACPDUs and its
 * "notify switches" RARPs), handed to worker 0, which owns a transmit queue on every port: a
 * bounded single-producer single-consumer ring (Agrona's shape), drained at the top of the worker's
 * pass with a limit. A full ring refuses the frame (the producer frees and counts it). The worker
 * side allocates nothing and takes no lock.
 */
public final class TxInjector {
  static final int CAPACITY = 1024;
  private static final int MASK = CAPACITY - 1;

  /** At most this many frames per pass, so notifications never crowd out a pass's switching. */
  static final int DRAIN_LIMIT = 64;

  private static final VarHandle HEAD;
  private static final VarHandle TAIL;

  static {
    try {
      HEAD = MethodHandles.lookup().findVarHandle(TxInjector.class, "head", long.class);
      TAIL = MethodHandles.lookup().findVarHandle(TxInjector.class, "tail", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final long[] mbufs = new long[CAPACITY];
  private final int[] ports = new int[CAPACITY];
  private final int[] lengths = new int[CAPACITY];

  @SuppressWarnings("unused") // through HEAD: the next slot the consumer reads
  private long head;

  @SuppressWarnings("unused") // through TAIL: the next slot the producer writes
  private long tail;

  private long refused;

  /**
   * Queues {@code mbuf} for port slot {@code port}; false (the caller still owns the mbuf) when the
   * ring is full. One producer thread.
   */
  public boolean offer(int port, long mbuf) {
    long t = (long) TAIL.getOpaque(this);
    if (t - (long) HEAD.getAcquire(this) >= CAPACITY) {
      refused++;
      return false;
    }
    int s = (int) (t & MASK);
    mbufs[s] = mbuf;
    ports[s] = port;
    lengths[s] = Mbuf.packetLength(mbuf);
    TAIL.setRelease(this, t + 1);
    return true;
  }

  /** Frames the ring refused (full); producer side. */
  public long refused() {
    return refused;
  }

  /**
   * Moves up to {@link #DRAIN_LIMIT} frames onto the worker's transmit buffers; a frame for a port
   * the worker cannot send to (removed meanwhile) is freed. One consumer thread.
   */
  public int drain(TxSet tx) {
    long h = (long) HEAD.getOpaque(this);
    long available = (long) TAIL.getAcquire(this) - h;
    if (available == 0) {
      return 0;
    }
    int n = (int) Math.min(available, DRAIN_LIMIT);
    long present = tx.present();
    for (int k = 0; k < n; k++) {
      int s = (int) ((h + k) & MASK);
      int p = ports[s];
      if (p >= 0 && p < L2Tables.MAX_PORTS && (present & (1L << p)) != 0) {
        tx.add(p, mbufs[s], lengths[s], false);
      } else {
        Mbuf.free(mbufs[s]);
      }
    }
    HEAD.setRelease(this, h + n);
    return n;
  }

  /** Frees what is still queued (the consumer has stopped). */
  public void discard() {
    long h = (long) HEAD.getOpaque(this);
    long t = (long) TAIL.getAcquire(this);
    for (; h < t; h++) {
      Mbuf.free(mbufs[(int) (h & MASK)]);
    }
    HEAD.setRelease(this, h);
  }
}
