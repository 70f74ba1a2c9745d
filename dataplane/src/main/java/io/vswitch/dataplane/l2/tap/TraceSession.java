package io.vswitch.dataplane.l2.tap;

import io.vswitch.dataplane.acl.Acl;
import io.vswitch.dataplane.l2.Feature;
import io.vswitch.dataplane.stats.DropReason;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * The records of one packet trace: the next {@code capacity} packets received on one port, each
 * stage's decision about each of them. Preallocated as parallel arrays when the trace is armed, so
 * a worker records without allocating: it claims a run of slots for a burst (one CAS), writes only
 * its own slots, and publishes each with a release store; the control thread reads a slot only
 * after its acquire load sees it published. Every slot has exactly one writer.
 */
public final class TraceSession {
  /** The most packets one trace records. */
  public static final int MAX_PACKETS = 1000;

  private final int id;
  private final int port;
  private final int capacity;
  private final AtomicInteger claimed = new AtomicInteger();
  private final AtomicIntegerArray published;

  final int[] worker;
  final int[] queue;
  final int[] length;
  final long[] dstMac;
  final long[] srcMac;
  final int[] tag;
  final int[] etherType;
  final int[] vlan;
  final Acl[] aclIn;
  final int[] aclRule;
  final byte[] color;
  final int[] egress;
  final long[] forwardOut;
  final long[] aclOutRemoved;
  final long[] out;
  final byte[] dropReason;
  final byte[] dropFeature;
  final long[] path;

  public TraceSession(int id, int port, int capacity) {
    if (capacity < 1 || capacity > MAX_PACKETS) {
      throw new IllegalArgumentException("a trace records 1 to " + MAX_PACKETS + " packets");
    }
    this.id = id;
    this.port = port;
    this.capacity = capacity;
    this.published = new AtomicIntegerArray(capacity);
    worker = new int[capacity];
    queue = new int[capacity];
    length = new int[capacity];
    dstMac = new long[capacity];
    srcMac = new long[capacity];
    tag = new int[capacity];
    etherType = new int[capacity];
    vlan = new int[capacity];
    aclIn = new Acl[capacity];
    aclRule = new int[capacity];
    color = new byte[capacity];
    egress = new int[capacity];
    forwardOut = new long[capacity];
    aclOutRemoved = new long[capacity];
    out = new long[capacity];
    dropReason = new byte[capacity];
    dropFeature = new byte[capacity];
    path = new long[capacity];
  }

  public int id() {
    return id;
  }

  public int port() {
    return port;
  }

  public int capacity() {
    return capacity;
  }

  /**
   * Claims up to {@code wanted} consecutive slots; returns the first, with the number claimed in
   * the high half, or -1 when the trace is full. One CAS per burst; no lock.
   */
  public long claim(int wanted) {
    while (true) {
      int first = claimed.get();
      if (first >= capacity) {
        return -1;
      }
      int n = Math.min(wanted, capacity - first);
      if (claimed.compareAndSet(first, first + n)) {
        return ((long) n << 32) | first;
      }
    }
  }

  /** Starts slot {@code s}: nothing decided yet. */
  void reset(int s, int workerIndex, int rxQueue) {
    worker[s] = workerIndex;
    queue[s] = rxQueue;
    aclIn[s] = null;
    aclRule[s] = -1;
    color[s] = -1;
    egress[s] = Integer.MIN_VALUE;
    forwardOut[s] = 0;
    aclOutRemoved[s] = 0;
    out[s] = 0;
    dropReason[s] = 0;
    dropFeature[s] = -1;
    path[s] = 0;
  }

  /** Slot {@code s} is complete: the control thread may read it. */
  void publish(int s) {
    published.setRelease(s, 1);
  }

  /** Whether every packet of the trace has been recorded. */
  public boolean complete() {
    return published.getAcquire(capacity - 1) == 1 && published() == capacity;
  }

  /** Slots recorded so far. */
  public int published() {
    int n = 0;
    for (int s = 0; s < capacity; s++) {
      n += published.getAcquire(s);
    }
    return n;
  }

  /** Packet {@code s}'s record, or null while it has not been published. */
  public TraceRecord record(int s) {
    if (published.getAcquire(s) == 0) {
      return null;
    }
    return new TraceRecord(
        s,
        worker[s],
        queue[s],
        length[s],
        dstMac[s],
        srcMac[s],
        tag[s],
        etherType[s],
        vlan[s],
        aclIn[s],
        aclRule[s],
        color[s],
        egress[s],
        forwardOut[s],
        aclOutRemoved[s],
        out[s],
        dropReason[s] == 0 ? null : DropReason.values()[dropReason[s] - 1],
        dropFeature[s] < 0 ? null : Feature.values()[dropFeature[s]],
        path[s]);
  }
}
