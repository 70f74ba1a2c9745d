package io.vswitch.dataplane.acl;

import io.vswitch.ffm.LargeTables;
import io.vswitch.ffm.NativeMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One worker's exact-match cache in front of the ACL trees, as OVS puts its EMC in front of the
 * megaflow classifier: (ACL, whole key, TCP flags) → rule, in {@link #SETS} sets of two ways. A hit
 * costs a hash of the key, a compare of the stored tag, and one compare of the key; a miss walks
 * the tree and takes the set's older way. Two ways rather than one slot: with a thousand flows a
 * direct-mapped table of 4,096 slots had a fifth of them evicting each other, and each such miss is
 * a tree walk. Correct by construction: an ACL is immutable, so the verdict for an exact key never
 * changes, and an entry of another ACL (a republished one, or another port's) never matches because
 * the ACL's id is part of the entry's tag.
 *
 * <p>An ACL whose tree is one leaf (at most four rules, such as a stateful "established, new,
 * untracked" set) bypasses the cache: its scan reads a few lines every packet shares, while the
 * cache reads two lines per flow, which with thousands of flows miss (on {@code l2-fair-ct}'s 4,096
 * connections the cache's lookup of a 3-rule ACL cost over 200 cycles per packet).
 *
 * <p>Layout: off-heap, one 2 MiB table on a transparent huge page ({@code LargeTables}), so the
 * whole cache is one TLB entry (on the heap it spanned over 200 small pages, and with a thousand
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
public final class AclFlowCache {
  static final int SETS = 8192;
  static final int SIZE = SETS * 2;
  private static final int SET_MASK = SETS - 1;
  private static final int MISS = -1;

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

  private final int[] hashOf = new int[io.vswitch.dataplane.packet.PacketBatch.MAX_BURST];
  private final byte[] walk = new byte[io.vswitch.dataplane.packet.PacketBatch.MAX_BURST];

  /** What the burst's first pass read, kept so its loads are not optimised away. */
  private long prefetched;

  /** The sum of the first passes' loads (never read for its value). */
  long prefetched() {
    return prefetched;
  }

  /**
   * Classifies packets {@code 0..count-1} of {@code keys} whose {@code skip} entry is 0 against
   * {@code acl}: cached verdicts first, then one burst walk of the tree for the misses.
   */
  public void classify(Acl acl, AclKeys keys, int count, byte[] skip, int[] result) {
    if (acl.tree().isLeaf()) {
      acl.tree().classify(keys, count, skip, result);
      return;
    }
    int id = acl.id();
    long[] k = keys.key;
    boolean misses = false;
    // Every packet's hash first, then a tight loop of loads of each set's first line that nothing
    // waits on: a few instructions per packet, so the CPU's window holds the whole burst's loads
    // and their cache misses overlap (interleaved with the hashing, two or three at most would);
    // then the lookups find their lines in cache.
    for (int i = 0; i < count; i++) {
      if (skip[i] == 0) {
        hashOf[i] = hash(k, i * AclFields.COUNT, keys.tcpFlags[i]);
      }
    }
    long sum = 0;
    for (int i = 0; i < count; i++) {
      if (skip[i] == 0) {
        long way0 = set(hashOf[i]);
        sum += NativeMemory.getLong(way0 + TAG) + NativeMemory.getLong(way0 + KEY + 40);
      }
    }
    prefetched += sum;
    for (int i = 0; i < count; i++) {
      if (skip[i] != 0) {
        walk[i] = 1;
        continue;
      }
      int base = i * AclFields.COUNT;
      int h = hashOf[i];
      long s = find(id, k, base, keys.tcpFlags[i], h);
      if (s != MISS) {
        result[i] = rule(s);
        walk[i] = 1;
      } else {
        walk[i] = 0;
        misses = true;
      }
    }
    if (!misses) {
      return;
    }
    acl.tree().classify(keys, count, walk, result);
    for (int i = 0; i < count; i++) {
      if (walk[i] == 0) {
        store(id, k, i * AclFields.COUNT, keys.tcpFlags[i], hashOf[i], result[i]);
      }
    }
  }

  /** One packet (the egress ACL of a unicast or of a flood's member port). */
  public int classify(Acl acl, long[] k, int base, int tcpFlags) {
    if (acl.tree().isLeaf()) {
      return acl.tree().classify(k, base, tcpFlags);
    }
    int id = acl.id();
    int h = hash(k, base, tcpFlags);
    long s = find(id, k, base, tcpFlags, h);
    if (s != MISS) {
      return rule(s);
    }
    int rule = acl.tree().classify(k, base, tcpFlags);
    store(id, k, base, tcpFlags, h, rule);
    return rule;
  }

  /** The address of the set of hash {@code h} (its way 0). */
  private long set(int h) {
    return address + (h & SET_MASK) * SET_BYTES;
  }

  /**
   * Where this (ACL, key, flags) sits: the address of its way, or {@link #MISS}. A hit makes the
   * other way the older one.
   */
  private long find(int id, long[] k, int base, int tcpFlags, int h) {
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
    return MISS;
  }

  /** The rule of the way at {@code at}. */
  private static int rule(long at) {
    return (int) NativeMemory.getLong(at + RULE);
  }

  /** Puts a verdict in the older way of its set, which becomes the newer. */
  private void store(int id, long[] k, int base, int tcpFlags, int h, int rule) {
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
  private static int hash(long[] k, int base, int tcpFlags) {
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
