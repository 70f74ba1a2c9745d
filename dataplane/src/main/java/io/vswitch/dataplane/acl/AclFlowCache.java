package io.vswitch.dataplane.acl;

import io.vswitch.dataplane.packet.PacketBatch;
import io.vswitch.ffm.NativeMemory;

/**
 * One worker's exact-match cache in front of the ACL trees, as OVS puts its EMC in front of the
 * megaflow classifier: (ACL, key, TCP/ct flags) → rule. A hit costs a hash, one or two cache lines
 * and a compare of the key; a miss walks the tree and stores the verdict. Correct by construction:
 * an ACL is immutable, so the verdict for an exact key never changes, and an entry of another ACL
 * (a republished one, or another port's) never matches because the ACL's id is part of the entry.
 *
 * <p>Two tables: IPv4 packets of an ACL that does not match on MACs go to {@link V4FlowTable},
 * whose two-word keys take one line, everything else to {@link FullKeyFlowTable}, keyed by all
 * {@link AclFields#COUNT} fields.
 *
 * <p>An ACL whose tree is one leaf (at most four rules, such as a stateful "established, new,
 * untracked" set) bypasses the cache: its scan reads a few lines every packet shares, while the
 * cache reads a line or two per flow, which with thousands of flows miss (on {@code l2-fair-ct}'s
 * 4,096 connections the cache's lookup of a 3-rule ACL cost over 200 cycles per packet).
 *
 * <p>One writer (its worker): no locks, no allocation.
 */
public final class AclFlowCache {
  /** What a table's find returns for a key it does not hold (a rule is an index, or -1). */
  static final int MISS = Integer.MIN_VALUE;

  private final V4FlowTable v4 = new V4FlowTable();
  private final FullKeyFlowTable full = new FullKeyFlowTable();

  // Per packet of the current burst: its set, and the hash of a full-key packet. An IPv4-table
  // packet's key words are read again from the extraction's arrays, not copied: three stores per
  // packet that every hit paid for the few misses' store.
  private final long[] setOf = new long[PacketBatch.MAX_BURST];
  private final int[] hashOf = new int[PacketBatch.MAX_BURST];
  private final byte[] walk = new byte[PacketBatch.MAX_BURST];

  /** What the burst's first pass read, kept so its loads are not optimised away. */
  private long prefetched;

  /** Lookups that found no verdict and walked a tree (plain: one writer, read by tests). */
  private long misses;

  /** How many lookups walked a tree since this cache was made. */
  public long misses() {
    return misses;
  }

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
    boolean v4Keys = !acl.matchesMacs();
    // An ACL on MACs is looked up by full key; the IPv4 table needs only the words, and the rows
    // the others need (keys that do not fit it) are written by the extraction.
    long[] k = keys.fullKeys(v4Keys ? 0 : AclTree.unskipped(count, skip));
    int[] flags = keys.tcpFlags;
    long[] addresses = keys.v4Addresses;
    long[] rest = keys.v4Rest;
    long[] sets = setOf;
    // Bit i: packet i is looked up by its full key (its hash in hashOf), not in the IPv4 table.
    int fullKeyed = 0;
    for (int i = 0; i < count; i++) {
      if (skip[i] != 0) {
        continue;
      }
      if (v4Keys && rest[i] != AclKeys.NOT_V4) {
        sets[i] = v4.set(addresses[i], rest[i], V4FlowTable.owner(id, flags[i]));
      } else {
        int h = FullKeyFlowTable.hash(k, i * AclFields.COUNT, flags[i]);
        hashOf[i] = h;
        sets[i] = full.set(h);
        fullKeyed |= 1 << i;
      }
    }
    // A tight loop of loads of each set's first line that nothing waits on: a few instructions per
    // packet, so the CPU's window holds the whole burst's loads and their cache misses overlap
    // (interleaved with the hashing, two or three at most would); the lookups then find their
    // lines in cache.
    long sum = 0;
    for (int i = 0; i < count; i++) {
      if (skip[i] == 0) {
        sum +=
            (fullKeyed & 1 << i) == 0
                ? NativeMemory.getLong(sets[i])
                : FullKeyFlowTable.touch(sets[i]);
      }
    }
    prefetched += sum;
    int missed = 0;
    for (int i = 0; i < count; i++) {
      if (skip[i] != 0) {
        continue;
      }
      int rule =
          (fullKeyed & 1 << i) == 0
              ? v4.find(sets[i], addresses[i], rest[i], V4FlowTable.owner(id, flags[i]))
              : full.find(id, k, i * AclFields.COUNT, flags[i], hashOf[i]);
      if (rule != MISS) {
        result[i] = rule;
      } else {
        missed |= 1 << i;
      }
    }
    if (missed != 0) {
      walkMisses(acl, keys, k, count, missed, fullKeyed, result);
    }
  }

  /** The burst's misses walk the tree together, and their verdicts are stored. */
  private void walkMisses(
      Acl acl, AclKeys keys, long[] k, int count, int missed, int fullKeyed, int[] result) {
    misses += Integer.bitCount(missed);
    for (int i = 0; i < count; i++) {
      walk[i] = (byte) ((missed & 1 << i) != 0 ? 0 : 1);
    }
    acl.tree().classify(keys, count, walk, result);
    int id = acl.id();
    int[] flags = keys.tcpFlags;
    for (int m = missed; m != 0; m &= m - 1) {
      int i = Integer.numberOfTrailingZeros(m);
      if ((fullKeyed & 1 << i) == 0) {
        long addresses = keys.v4Addresses[i];
        long rest = keys.v4Rest[i];
        v4.store(setOf[i], addresses, rest, V4FlowTable.owner(id, flags[i]), result[i]);
      } else {
        full.store(id, k, i * AclFields.COUNT, flags[i], hashOf[i], result[i]);
      }
    }
  }

  /** One packet (the egress ACL of a unicast or of a flood's member port). */
  public int classify(Acl acl, long[] k, int base, int tcpFlags) {
    if (acl.tree().isLeaf()) {
      return acl.tree().classify(k, base, tcpFlags);
    }
    int id = acl.id();
    if (!acl.matchesMacs() && V4FlowTable.fits(k, base)) {
      long addresses = V4FlowTable.addresses(k, base);
      long rest = V4FlowTable.rest(k, base);
      long owner = V4FlowTable.owner(id, tcpFlags);
      long set = v4.set(addresses, rest, owner);
      int rule = v4.find(set, addresses, rest, owner);
      if (rule == MISS) {
        misses++;
        rule = acl.tree().classify(k, base, tcpFlags);
        v4.store(set, addresses, rest, owner, rule);
      }
      return rule;
    }
    int h = FullKeyFlowTable.hash(k, base, tcpFlags);
    int rule = full.find(id, k, base, tcpFlags, h);
    if (rule == MISS) {
      misses++;
      rule = acl.tree().classify(k, base, tcpFlags);
      full.store(id, k, base, tcpFlags, h, rule);
    }
    return rule;
  }
}
