package io.vswitch.dataplane.flow;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One worker's flows, for IPFIX export: a fixed-capacity table of {@link FlowRecord} slots in one
 * {@code long[]}, found by a tag array (one long per slot, 0 = empty) searched {@link #WAYS} slots
 * (one cache line of tags) per bucket, keyed by addresses, ports, protocol, VLAN and ingress port.
 * It has one writer, the worker that owns it, so it needs no locks or atomics; what leaves it goes
 * through its {@link FlowRing} to the control thread, which never reads the table.
 *
 * <p>Expiry is the worker's: {@link #tick} (once per poll pass) visits {@link #sweepStep} slots per
 * millisecond, so the whole table in about a second, and hands flows idle for the idle timeout, or
 * older than the active timeout, to the ring. A full ring stops the sweep until the next
 * millisecond: the flow stays and is exported later, never lost. A new flow whose bucket is full
 * evicts the bucket's least recently seen flow, exported early (flowEndReason lack of resources);
 * only when the ring is full then is a record lost, and counted ({@link #dropped}). The packet is
 * never affected.
 *
 * <p>Sampling is deterministic, 1 in N: a countdown over the worker's IP packets on ports with flow
 * export, so N packets of one flow in a row yield exactly one sample. Counts are of the sampled
 * packets (not scaled).
 */
public final class FlowCache {
  public static final int WAYS = 8;

  private static final VarHandle DROPPED;
  private static final VarHandle EVICTED;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      DROPPED = l.findVarHandle(FlowCache.class, "dropped", long.class);
      EVICTED = l.findVarHandle(FlowCache.class, "evicted", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final int capacity;
  private final int bucketMask;
  private final long[] tags;
  private final long[] slots;
  private final FlowRing ring;
  private final int sweepStep;
  private volatile FlowSettings settings;
  private int countdown;
  private int cursor;
  private long lastTick;
  private int live;

  @SuppressWarnings("unused") // through DROPPED: written by the worker only
  private long dropped;

  @SuppressWarnings("unused") // through EVICTED
  private long evicted;

  /**
   * @param capacity flows at most (a power of two, at least {@link #WAYS})
   * @param ringCapacity records the ring to the exporter holds (a power of two)
   */
  public FlowCache(int capacity, int ringCapacity, FlowSettings settings) {
    if (Integer.bitCount(capacity) != 1 || capacity < WAYS) {
      throw new IllegalArgumentException("flow cache size " + capacity + ": a power of two >= 8");
    }
    this.capacity = capacity;
    this.bucketMask = capacity / WAYS - 1;
    this.tags = new long[capacity];
    this.slots = new long[Math.multiplyExact(capacity, FlowRecord.WORDS)];
    this.ring = new FlowRing(ringCapacity);
    this.sweepStep = Math.max(WAYS, capacity >>> 10);
    this.settings = settings;
    this.countdown = settings.sampling();
  }

  /** New timeouts or sampling; the worker sees them at its next burst. */
  public void configure(FlowSettings next) {
    settings = next;
  }

  public FlowSettings settings() {
    return settings;
  }

  /**
   * The sampler: true for the one IP packet in N to account. The worker's countdown restarts from
   * the sampling rate whenever it reaches 0 (a change of rate applies from the next sample).
   */
  public boolean sample() {
    if (--countdown > 0) {
      return false;
    }
    countdown = settings.sampling();
    return true;
  }

  /**
   * Accounts one packet of {@code bytes} IP bytes to its flow (created if new) at {@code now}
   * (CtClock milliseconds): packets, bytes, last seen, TCP flags ORed, egress as last seen.
   */
  public void account(
      long srcHi,
      long srcLo,
      long dstHi,
      long dstLo,
      long key,
      long bytes,
      int tcpFlags,
      int egress,
      long now) {
    long h = hash(srcHi, srcLo, dstHi, dstLo, key);
    long tag = h | 1;
    int first = ((int) (h >>> 32) & bucketMask) * WAYS;
    long[] t = tags;
    long[] s = slots;
    int free = -1;
    for (int w = first; w < first + WAYS; w++) {
      long x = t[w];
      if (x == tag) {
        int at = w * FlowRecord.WORDS;
        if (s[at + FlowRecord.KEY] == key
            && s[at + FlowRecord.SRC_LO] == srcLo
            && s[at + FlowRecord.DST_LO] == dstLo
            && s[at + FlowRecord.SRC_HI] == srcHi
            && s[at + FlowRecord.DST_HI] == dstHi) {
          s[at + FlowRecord.PACKETS]++;
          s[at + FlowRecord.BYTES] += bytes;
          s[at + FlowRecord.LAST] = now;
          s[at + FlowRecord.EXTRA] =
              (s[at + FlowRecord.EXTRA] & ~0xFF_0000L | tcpFlags) | (long) (egress & 0xFF) << 16;
          return;
        }
      } else if (x == 0 && free < 0) {
        free = w;
      }
    }
    if (free < 0) {
      free = evict(first);
    }
    int at = free * FlowRecord.WORDS;
    s[at + FlowRecord.SRC_HI] = srcHi;
    s[at + FlowRecord.SRC_LO] = srcLo;
    s[at + FlowRecord.DST_HI] = dstHi;
    s[at + FlowRecord.DST_LO] = dstLo;
    s[at + FlowRecord.KEY] = key;
    s[at + FlowRecord.PACKETS] = 1;
    s[at + FlowRecord.BYTES] = bytes;
    s[at + FlowRecord.FIRST] = now;
    s[at + FlowRecord.LAST] = now;
    s[at + FlowRecord.EXTRA] = (tcpFlags & 0xFFFF) | (long) (egress & 0xFF) << 16;
    t[free] = tag;
    live++;
  }

  /** A full bucket: its least recently seen flow is exported early (or counted lost). */
  private int evict(int first) {
    int oldest = first;
    long[] s = slots;
    for (int w = first + 1; w < first + WAYS; w++) {
      if (s[w * FlowRecord.WORDS + FlowRecord.LAST]
          < s[oldest * FlowRecord.WORDS + FlowRecord.LAST]) {
        oldest = w;
      }
    }
    if (!ring.offer(s, oldest * FlowRecord.WORDS, FlowRecord.END_LACK_OF_RESOURCES)) {
      DROPPED.setOpaque(this, (long) DROPPED.getOpaque(this) + 1);
    }
    EVICTED.setOpaque(this, (long) EVICTED.getOpaque(this) + 1);
    tags[oldest] = 0;
    live--;
    return oldest;
  }

  /**
   * Once per poll pass: in a millisecond not yet swept, visits the next {@link #sweepStep} slots
   * and exports the expired flows. Returns the flows exported.
   */
  public int tick(long now) {
    if (now == lastTick) {
      return 0;
    }
    lastTick = now;
    return live == 0 ? 0 : sweep(now, sweepStep);
  }

  /** Visits {@code count} slots from the cursor; stops early when the ring is full. */
  int sweep(long now, int count) {
    FlowSettings cfg = settings;
    long idle = cfg.idleMillis();
    long active = cfg.activeMillis();
    long[] s = slots;
    int exported = 0;
    for (int n = 0; n < count; n++) {
      int w = cursor;
      if (tags[w] != 0) {
        int at = w * FlowRecord.WORDS;
        int reason =
            now - s[at + FlowRecord.LAST] >= idle
                ? FlowRecord.END_IDLE
                : now - s[at + FlowRecord.FIRST] >= active ? FlowRecord.END_ACTIVE : 0;
        if (reason != 0) {
          if (!ring.offer(s, at, reason)) {
            return exported; // the exporter is behind: this flow waits for the next tick
          }
          tags[w] = 0;
          live--;
          exported++;
        }
      }
      cursor = (w + 1) & (capacity - 1);
    }
    return exported;
  }

  /**
   * Exports every flow (flowEndReason forced end) as far as the ring takes them; returns how many
   * are left. Only when the worker no longer runs (the switch stopping), or on the worker itself.
   */
  public int flush() {
    long[] s = slots;
    for (int w = 0; w < capacity && live > 0; w++) {
      if (tags[w] != 0) {
        if (!ring.offer(s, w * FlowRecord.WORDS, FlowRecord.END_FORCED)) {
          return live;
        }
        tags[w] = 0;
        live--;
      }
    }
    return live;
  }

  private static long hash(long srcHi, long srcLo, long dstHi, long dstLo, long key) {
    long h = srcLo * 0x9E37_79B9_7F4A_7C15L;
    h ^= Long.rotateLeft(dstLo * 0xC2B2_AE3D_27D4_EB4FL, 31);
    h ^= (srcHi ^ Long.rotateLeft(dstHi, 17)) * 0x1656_67B1_9E37_79F9L;
    h ^= key * 0xFF51_AFD7_ED55_8CCDL;
    return h ^ (h >>> 29);
  }

  /** The ring expired flows leave by, to the exporter. */
  public FlowRing ring() {
    return ring;
  }

  /** Records lost: evicted from a full bucket while the ring was full. */
  public long dropped() {
    return (long) DROPPED.getOpaque(this);
  }

  /** Flows exported early because their bucket was full. */
  public long evicted() {
    return (long) EVICTED.getOpaque(this);
  }

  /** Flows in the table; the owner's view (others read a stale value). */
  public int size() {
    return live;
  }

  public int capacity() {
    return capacity;
  }
}
