package io.vswitch.dataplane.acl;

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
 * <p>Layout: one {@code long[]}, a set's words together, so a hit touches the set's first line
 * (both ways' tags, flags and rules, which way is newer) and the lines of one key, where separate
 * arrays per field cost six or seven cache lines a lookup and, with 4,096 flows, most of them
 * missed the core's L2:
 *
 * <pre>
 *   +0 tag way 0   +1 tag way 1     tag:  hash:32 | ACL id:32 (an ACL id is never 0: 0 is empty)
 *   +2 rule way 0  +3 rule way 1    rule: TCP/ct flags:32 | rule index:32
 *   +4 the newer way (0 or 1)
 *   +5 .. +15 key way 0, +16 .. +26 key way 1   ({@link AclFields#COUNT} words each)
 * </pre>
 *
 * <p>Primitive arrays only, one writer (its worker): no locks, no allocation.
 */
public final class AclFlowCache {
  static final int SETS = 4096;
  static final int SIZE = SETS * 2;
  private static final int SET_MASK = SETS - 1;
  private static final int MISS = -1;

  private static final int TAG = 0;
  private static final int RULE = 2;
  private static final int NEWER = 4;
  private static final int KEY = 5;
  private static final int SET_WORDS = KEY + 2 * AclFields.COUNT;

  private final long[] sets = new long[SETS * SET_WORDS];

  private final int[] hashOf = new int[io.vswitch.dataplane.packet.PacketBatch.MAX_BURST];
  private final byte[] walk = new byte[io.vswitch.dataplane.packet.PacketBatch.MAX_BURST];

  /** What the burst's first pass read, kept so its loads are not optimised away. */
  private long prefetched;

  /**
   * Classifies packets {@code 0..count-1} of {@code keys} whose {@code skip} entry is 0 against
   * {@code acl}: cached verdicts first, then one burst walk of the tree for the misses.
   */
  public void classify(Acl acl, AclKeys keys, int count, byte[] skip, int[] result) {
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
    long[] t = sets;
    long sum = 0;
    for (int i = 0; i < count; i++) {
      if (skip[i] == 0) {
        sum += t[(hashOf[i] & SET_MASK) * SET_WORDS + TAG];
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
      int s = find(id, k, base, keys.tcpFlags[i], h);
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

  /** The sum of the first passes' loads (never read for its value). */
  long prefetched() {
    return prefetched;
  }

  /** One packet (the egress ACL of a unicast or of a flood's member port). */
  public int classify(Acl acl, long[] k, int base, int tcpFlags) {
    int id = acl.id();
    int h = hash(k, base, tcpFlags);
    int s = find(id, k, base, tcpFlags, h);
    if (s != MISS) {
      return rule(s);
    }
    int rule = acl.tree().classify(k, base, tcpFlags);
    store(id, k, base, tcpFlags, h, rule);
    return rule;
  }

  /**
   * Where this (ACL, key, flags) sits: the index of its way's tag word in {@link #sets}, or {@link
   * #MISS}. A hit makes its way the newer one.
   */
  private int find(int id, long[] k, int base, int tcpFlags, int h) {
    int set = (h & SET_MASK) * SET_WORDS;
    long tag = tag(h, id);
    long[] t = sets;
    for (int way = 0; way < 2; way++) {
      if (t[set + TAG + way] == tag
          && (int) (t[set + RULE + way] >>> 32) == tcpFlags
          && sameKey(k, base, set + KEY + way * AclFields.COUNT)) {
        if (t[set + NEWER] != way) {
          t[set + NEWER] = way; // written only on a change: a hit normally stores nothing
        }
        return set + way;
      }
    }
    return MISS;
  }

  /** The rule of the way whose tag word is at {@code at}. */
  private int rule(int at) {
    return (int) sets[at + RULE];
  }

  /** Puts a verdict in the older way of its set. */
  private void store(int id, long[] k, int base, int tcpFlags, int h, int rule) {
    int set = (h & SET_MASK) * SET_WORDS;
    long[] t = sets;
    int way = 1 - (int) t[set + NEWER];
    t[set + NEWER] = way;
    System.arraycopy(k, base, t, set + KEY + way * AclFields.COUNT, AclFields.COUNT);
    t[set + RULE + way] = ((long) tcpFlags << 32) | (rule & 0xFFFF_FFFFL);
    t[set + TAG + way] = tag(h, id);
  }

  private static long tag(int h, int id) {
    return ((long) h << 32) | (id & 0xFFFF_FFFFL);
  }

  private boolean sameKey(long[] k, int base, int at) {
    long[] t = sets;
    for (int d = 0; d < AclFields.COUNT; d++) {
      if (t[at + d] != k[base + d]) {
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
