package io.vswitch.dataplane.acl;

import io.vswitch.ffm.LargeTables;
import io.vswitch.ffm.NativeMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The flow cache's table for every key ({@link AclFlowCache}): (ACL, whole key, TCP/ct flags) →
 * rule, in {@link #SETS} sets of two ways. What {@link V4FlowTable} cannot hold comes here: IPv6
 * and non-IP packets, and every packet of an ACL that matches on MACs. Two ways rather than one
 * slot: with a thousand flows a direct-mapped table of 4,096 slots had a fifth of them evicting
 * each other, and each such miss is a tree walk.
 *
 * <p>Layout: off-heap, one 2 MiB table on a transparent huge page ({@code LargeTables}), so the
 * whole table is one TLB entry (on the heap it spanned over 200 small pages, and with a thousand
 * flows each lookup missed the first-level TLB), and 64-byte aligned, so a way is exactly two cache
 * lines: a hit in way 0, where a set's only flow lives, reads those two lines and nothing else.
 * Each way is 16 words:
 *
 * <pre>
 *   +0 tag    hash:32 | ACL id:32 (an ACL id is never 0: 0 is empty)
 *   +1 rule   TCP/ct flags:32 | rule index:32
 *   +2 (way 0 only) the older way, the one a miss replaces (0 at first: a set fills way 0 first)
 *   +3 .. +13 key ({@link AclFields#COUNT} words)          +14, +15 unused
 * </pre>
 *
 * <p>One writer (its worker): no locks, no allocation.
 */
final class FullKeyFlowTable {
  static final int SETS = 8192;
  private static final int SET_MASK = SETS - 1;

  private static final long TAG = 0;
  private static final long RULE = 8;
  private static final long OLDER = 16;
  private static final long KEY = 24;
  private static final long WAY_BYTES = 128;
  private static final long SET_BYTES = 2 * WAY_BYTES;

  static {
    if (KEY + 8L * AclFields.COUNT > WAY_BYTES) {
      throw new ExceptionInInitializerError("a way's key must fit its two lines");
    }
  }

  /** The table, freed when the cache is unreachable (its arena is automatic). */
  private final MemorySegment table = LargeTables.allocate(Arena.ofAuto(), SETS * SET_BYTES);

  private final long address = table.address();

  /** The address of the set of hash {@code h} (its way 0). */
  long set(int h) {
    return address + (h & SET_MASK) * SET_BYTES;
  }

  /** Loads a set's key line, for a burst's first pass (the value is never used). */
  static long touch(long set) {
    return NativeMemory.getLong(set + TAG) + NativeMemory.getLong(set + KEY + 40);
  }

  /**
   * The rule stored for (ACL, key, flags), or {@link AclFlowCache#MISS}. A hit makes the other way
   * the older one.
   */
  int find(int id, long[] k, int base, int tcpFlags, int h) {
    long at = way(id, k, base, tcpFlags, h);
    return at == 0 ? AclFlowCache.MISS : (int) NativeMemory.getLong(at + RULE);
  }

  private long way(int id, long[] k, int base, int tcpFlags, int h) {
    long set = set(h);
    long tag = tag(h, id);
    for (int way = 0; way < 2; way++) {
      long at = set + way * WAY_BYTES;
      if (NativeMemory.getLong(at + TAG) == tag
          && (int) (NativeMemory.getLong(at + RULE) >>> 32) == tcpFlags
          && sameKey(k, base, at + KEY)) {
        if (NativeMemory.getLong(set + OLDER) == way) {
          NativeMemory.putLong(set + OLDER, 1 - way); // written only on a change
        }
        return at;
      }
    }
    return 0;
  }

  /**
   * Puts a verdict in the older way of its set, which becomes the newer; a key already there (two
   * packets of one new flow in a burst both miss) is left in its way.
   */
  void store(int id, long[] k, int base, int tcpFlags, int h, int rule) {
    if (way(id, k, base, tcpFlags, h) != 0) {
      return;
    }
    long set = set(h);
    long way = NativeMemory.getLong(set + OLDER);
    NativeMemory.putLong(set + OLDER, 1 - way);
    long at = set + way * WAY_BYTES;
    for (int d = 0; d < AclFields.COUNT; d++) {
      NativeMemory.putLong(at + KEY + 8L * d, k[base + d]);
    }
    NativeMemory.putLong(at + RULE, ((long) tcpFlags << 32) | (rule & 0xFFFF_FFFFL));
    NativeMemory.putLong(at + TAG, tag(h, id));
  }

  private static long tag(int h, int id) {
    return ((long) h << 32) | (id & 0xFFFF_FFFFL);
  }

  private static boolean sameKey(long[] k, int base, long at) {
    for (int d = 0; d < AclFields.COUNT; d++) {
      if (NativeMemory.getLong(at + 8L * d) != k[base + d]) {
        return false;
      }
    }
    return true;
  }

  /**
   * Independent products summed (not a chain of multiply-adds, whose latencies would add up), then
   * mixed: the fields' bits spread over the index without a long dependency chain.
   */
  static int hash(long[] k, int base, int tcpFlags) {
    long h =
        k[base] * 0x9E37_79B9_7F4A_7C15L
            + k[base + 1] * 0xC2B2_AE3D_27D4_EB4FL
            + k[base + 2] * 0x1656_67B1_9E37_79F9L
            + k[base + 3] * 0x27D4_EB2F_1656_67C5L
            + k[base + 4] * 0x94D0_49BB_1331_11EBL
            + k[base + 5] * 0xBF58_476D_1CE4_E5B9L
            + k[base + 6] * 0xFF51_AFD7_ED55_8CCDL
            + k[base + 7] * 0xC4CE_B9FE_1A85_EC53L
            + k[base + 8] * 0xD6E8_FEB8_6659_FD93L
            + k[base + 9] * 0x9FB2_1C65_1E98_DF25L
            + k[base + 10] * 0xA076_1D64_78BD_642FL
            + tcpFlags;
    h ^= h >>> 32;
    h *= 0xE703_7ED1_A0B4_28DBL;
    return (int) (h ^ (h >>> 29));
  }
}
