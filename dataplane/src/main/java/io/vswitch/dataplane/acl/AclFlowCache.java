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

  /** The slot of the one-packet path, past the burst's. */
  private static final int SINGLE = PacketBatch.MAX_BURST;

  // Per packet of the current burst: its set, and its V4 key words (owner 0: a full-key packet,
  // whose hash is in hashOf; an ACL id is never 0, so a V4 owner never is).
  private final long[] setOf = new long[SINGLE + 1];
  private final long[] addressesOf = new long[SINGLE + 1];
  private final long[] restOf = new long[SINGLE + 1];
  private final long[] ownerOf = new long[SINGLE + 1];
  private final int[] hashOf = new int[SINGLE + 1];
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
    for (int i = 0; i < count; i++) {
      if (skip[i] != 0) {
        continue;
      }
      if (v4Keys && rest[i] != AclKeys.NOT_V4) {
        locateV4(i, addresses[i], rest[i], V4FlowTable.owner(id, flags[i]));
      } else {
        locateFull(i, k, i * AclFields.COUNT, flags[i]);
      }
    }
    // A tight loop of loads of each set's first line that nothing waits on: a few instructions per
    // packet, so the CPU's window holds the whole burst's loads and their cache misses overlap
    // (interleaved with the hashing, two or three at most would); the lookups then find their
    // lines in cache.
    long sum = 0;
    for (int i = 0; i < count; i++) {
      if (skip[i] == 0) {
        sum += ownerOf[i] != 0 ? NativeMemory.getLong(setOf[i]) : FullKeyFlowTable.touch(setOf[i]);
      }
    }
    prefetched += sum;
    int missed = 0;
    for (int i = 0; i < count; i++) {
      if (skip[i] != 0) {
        walk[i] = 1;
        continue;
      }
      int rule = find(i, id, k, i * AclFields.COUNT, flags[i]);
      if (rule != MISS) {
        result[i] = rule;
        walk[i] = 1;
      } else {
        walk[i] = 0;
        missed++;
      }
    }
    if (missed == 0) {
      return;
    }
    misses += missed;
    acl.tree().classify(keys, count, walk, result);
    for (int i = 0; i < count; i++) {
      if (walk[i] == 0) {
        store(i, id, k, i * AclFields.COUNT, flags[i], result[i]);
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
      locateV4(
          SINGLE,
          V4FlowTable.addresses(k, base),
          V4FlowTable.rest(k, base),
          V4FlowTable.owner(id, tcpFlags));
    } else {
      locateFull(SINGLE, k, base, tcpFlags);
    }
    int rule = find(SINGLE, id, k, base, tcpFlags);
    if (rule == MISS) {
      misses++;
      rule = acl.tree().classify(k, base, tcpFlags);
      store(SINGLE, id, k, base, tcpFlags, rule);
    }
    return rule;
  }

  /** Fills slot i of the burst arrays for a key of the IPv4 table: its words and set. */
  private void locateV4(int i, long addresses, long rest, long owner) {
    addressesOf[i] = addresses;
    restOf[i] = rest;
    ownerOf[i] = owner;
    setOf[i] = v4.set(addresses, rest, owner);
  }

  /** Fills slot i of the burst arrays for the full key at {@code base}: its hash and set. */
  private void locateFull(int i, long[] k, int base, int tcpFlags) {
    int h = FullKeyFlowTable.hash(k, base, tcpFlags);
    hashOf[i] = h;
    ownerOf[i] = 0;
    setOf[i] = full.set(h);
  }

  private int find(int i, int id, long[] k, int base, int tcpFlags) {
    long owner = ownerOf[i];
    return owner != 0
        ? v4.find(setOf[i], addressesOf[i], restOf[i], owner)
        : full.find(id, k, base, tcpFlags, hashOf[i]);
  }

  private void store(int i, int id, long[] k, int base, int tcpFlags, int rule) {
    long owner = ownerOf[i];
    if (owner != 0) {
      v4.store(setOf[i], addressesOf[i], restOf[i], owner, rule);
    } else {
      full.store(id, k, base, tcpFlags, hashOf[i], rule);
    }
  }
}
