package io.vswitch.dataplane.l2;

import io.vswitch.ffm.NativeMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One worker's cache of whole L2 decisions, as OVS's exact-match cache is for its datapath:
 * (ingress port, destination MAC, VLAN, tagged or not, source MAC) to the egress port, the egress
 * set and whether the frame leaves in the other encapsulation. A hit stands in for learning,
 * forwarding, the egress filter and replication ({@link FlowCacheStage}); a miss takes the full
 * path and is recorded behind it ({@link FlowCacheFillStage}).
 *
 * <p><b>Exactness.</b> A decision is valid only under the stamp it was made with, and the stamp
 * moves whenever anything the decision depends on may have moved: the FDB's {@link Fdb#generation()
 * generation} (a key in or out, a port moved, a static entry, the aging time), the tables, the
 * worker's transmit set, and the FDB second. Within one second and one generation the full path
 * would decide the same again (aging is judged in whole seconds, and a learn on the same port in
 * the same second writes nothing), so a hit changes nothing a miss would not. Only unicast
 * decisions without a copy are kept, and never one whose source MAC the FDB refused (its refusal is
 * counted per frame).
 *
 * <p><b>Layout.</b> 4,096 sets of two 32-byte ways on one 64-byte line each (off-heap, aligned):
 * key words, the egress set, and a meta word (stamp, retag bit, egress port). A hit reads one line.
 * Way 0 holds the newer decision; a fill moves a live way 0 to way 1.
 */
public final class L2FlowCache {
  static final int SETS = 4096;
  private static final int SET_SHIFT = Long.SIZE - Integer.numberOfTrailingZeros(SETS);
  private static final int WAY_BYTES = 32;
  private static final int SET_BYTES = 2 * WAY_BYTES;
  private static final int RETAG_SHIFT = 15;
  private static final long RETAG_BIT = 1L << RETAG_SHIFT;
  private static final int EGRESS_MASK = 0x7FFF;
  private static final int STAMP_SHIFT = 16;

  /** Kept for the memory's lifetime (the cache reads it by address). */
  private final MemorySegment memory;

  private final long base;

  /** The current stamp (0 is never one: fresh memory is zero), and what it was made from. */
  private long stamp = 1;

  private long seenGeneration = -1;
  private L2Tables seenTables;
  private TxSet seenTx;
  private long seenSeconds = -1;

  /**
   * The current burst's keys, packet i at index i: made once by {@link FlowCacheStage} and used
   * again by {@link FlowCacheFillStage} for the frames that missed.
   */
  final long[] burstKey1 = new long[io.vswitch.dataplane.packet.PacketBatch.MAX_BURST];

  final long[] burstKey2 = new long[io.vswitch.dataplane.packet.PacketBatch.MAX_BURST];

  public L2FlowCache() {
    this.memory = Arena.ofAuto().allocate((long) SETS * SET_BYTES, SET_BYTES);
    this.base = memory.address();
  }

  /**
   * The stamp this burst's lookups and fills use: a new one when the FDB's generation, the tables,
   * the transmit set or the second moved since the last burst. Read the generation before anything
   * of the FDB the burst decides from.
   */
  long stampFor(long generation, L2Tables tables, TxSet tx, long seconds) {
    if (generation != seenGeneration
        || tables != seenTables
        || tx != seenTx
        || seconds != seenSeconds) {
      seenGeneration = generation;
      seenTables = tables;
      seenTx = tx;
      seenSeconds = seconds;
      stamp++;
    }
    return stamp;
  }

  /** The stamp of the last {@link #stampFor}: the one the current burst uses. */
  long stamp() {
    return stamp;
  }

  /** First key word: ingress port and destination MAC. */
  static long key1(int ingressPort, long dst) {
    return dst | (long) ingressPort << 48;
  }

  /** Second key word: VLAN, whether the frame came tagged, and source MAC. */
  static long key2(int vlan, boolean tagged, long src) {
    return src | (long) vlan << 48 | (tagged ? 1L << 62 : 0);
  }

  /** The address of the set of (k1, k2). */
  long set(long k1, long k2) {
    long h = k1 * 0x9E3779B97F4A7C15L ^ k2 * 0xC2B2AE3D27D4EB4FL;
    return base + (h >>> SET_SHIFT) * SET_BYTES;
  }

  /** The way of {@code set} holding (k1, k2) under {@code stamp}, or 0. */
  long find(long set, long k1, long k2, long stamp) {
    // The two ways written out, not a loop: the loop's bound and cursor took registers the
    // stage's loop around this needed, and it spilled its index to the stack.
    if (holds(set, k1, k2, stamp)) {
      return set;
    }
    long older = set + WAY_BYTES;
    return holds(older, k1, k2, stamp) ? older : 0;
  }

  private static boolean holds(long way, long k1, long k2, long stamp) {
    return NativeMemory.getLong(way) == k1
        && NativeMemory.getLong(way + 8) == k2
        && NativeMemory.getLong(way + 24) >>> STAMP_SHIFT == stamp;
  }

  static long out(long way) {
    return NativeMemory.getLong(way + 16);
  }

  /** The way's meta word: stamp, retag bit and egress port; read once per hit. */
  static long meta(long way) {
    return NativeMemory.getLong(way + 24);
  }

  static int egress(long way) {
    return egressOf(meta(way));
  }

  static boolean retagged(long way) {
    return retaggedOf(meta(way)) != 0;
  }

  static int egressOf(long meta) {
    return (int) meta & EGRESS_MASK;
  }

  /** 1 when the frame leaves in the other encapsulation, else 0. */
  static int retaggedOf(long meta) {
    return (int) (meta >>> RETAG_SHIFT) & 1;
  }

  /** Records a decision under {@code stamp}; a live newer way moves to the older way. */
  void fill(long k1, long k2, long out, int egress, boolean retagged, long stamp) {
    long way0 = set(k1, k2);
    long meta0 = NativeMemory.getLong(way0 + 24);
    boolean sameKey = NativeMemory.getLong(way0) == k1 && NativeMemory.getLong(way0 + 8) == k2;
    if (meta0 >>> STAMP_SHIFT == stamp && !sameKey) {
      long way1 = way0 + WAY_BYTES;
      NativeMemory.putLong(way1, NativeMemory.getLong(way0));
      NativeMemory.putLong(way1 + 8, NativeMemory.getLong(way0 + 8));
      NativeMemory.putLong(way1 + 16, NativeMemory.getLong(way0 + 16));
      NativeMemory.putLong(way1 + 24, meta0);
    }
    NativeMemory.putLong(way0, k1);
    NativeMemory.putLong(way0 + 8, k2);
    NativeMemory.putLong(way0 + 16, out);
    NativeMemory.putLong(
        way0 + 24, stamp << STAMP_SHIFT | (retagged ? RETAG_BIT : 0) | (egress & EGRESS_MASK));
  }
}
