package io.vswitch.dataplane.acl;

import io.vswitch.ffm.LargeTables;
import io.vswitch.ffm.NativeMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The flow cache's table for IPv4 keys ({@link AclFlowCache}): a packet between two IPv4 addresses
 * (or an IPv6 packet between two IPv4-mapped ones, whose key is the same) is, for an ACL that does
 * not match on MACs, fully described by two words instead of {@link AclFields#COUNT}: the
 * addresses, then the protocol, ports, VLAN and which of the two EtherTypes. A hit reads one cache
 * line and compares three words; the full-key table reads two lines and compares thirteen. With a
 * thousand flows behind a 300-rule ACL that was most of the ACL's cost.
 *
 * <p>Exact: the two words are a one-to-one encoding of every field such a packet's full key holds
 * apart from the MACs ({@link #fits} refuses any value the encoding cannot hold), and an ACL whose
 * rules all leave the MAC fields whole decides the same for any MACs. The ACL's id and the flags
 * word complete the key, so an entry of another (or a republished) ACL never matches.
 *
 * <p>Layout: off-heap, one 2 MiB table on a transparent huge page ({@code LargeTables}, one TLB
 * entry), 32,768 sets of two 32-byte ways on one 64-byte line each:
 *
 * <pre>
 *   +0  addresses        source:32 | destination:32
 *   +8  the rest         see {@link #rest}
 *   +16 ACL id:32 | flags:32   (an ACL id is never 0, so 0 is an empty way)
 *   +24 rule index
 * </pre>
 *
 * Way 0 holds the newer entry; a fill moves a live way 0 to way 1, a hit in way 1 swaps them. One
 * writer (its worker): no locks, no allocation.
 */
final class V4FlowTable {
  static final int SETS = 32_768;
  private static final int SET_SHIFT = Long.SIZE - Integer.numberOfTrailingZeros(SETS);
  private static final long WAY_BYTES = 32;
  private static final long SET_BYTES = 2 * WAY_BYTES;

  /**
   * The high word of an IPv4-mapped address's low half, as {@link AclFields#unsigned} stores it.
   */
  private static final long MAPPED_HIGH = AclFields.unsigned(AclFields.V4_MAPPED) >>> 32;

  private static final int IPV4 = 0x0800;
  private static final int IPV6 = 0x86dd;

  /** The table, freed when the cache is unreachable (its arena is automatic). */
  private final MemorySegment table = LargeTables.allocate(Arena.ofAuto(), SETS * SET_BYTES);

  private final long address = table.address();

  /** Whether the key at {@code base} is one this table can hold: IPv4 (or mapped) and in range. */
  static boolean fits(long[] k, int base) {
    long etherType = k[base + AclFields.ETHER_TYPE];
    return k[base + AclFields.SRC_HI] == Long.MIN_VALUE
        && k[base + AclFields.DST_HI] == Long.MIN_VALUE
        && k[base + AclFields.SRC_LO] >>> 32 == MAPPED_HIGH
        && k[base + AclFields.DST_LO] >>> 32 == MAPPED_HIGH
        && (etherType == IPV4 || etherType == IPV6)
        && (k[base + AclFields.VLAN] & ~0xFFFL) == 0
        && (k[base + AclFields.PROTOCOL] + 1 & ~0x1FFL) == 0
        && (k[base + AclFields.SRC_PORT] + 1 & ~0x1FFFFL) == 0
        && (k[base + AclFields.DST_PORT] + 1 & ~0x1FFFFL) == 0;
  }

  /** The first key word of a key that {@link #fits}: the two IPv4 addresses. */
  static long addresses(long[] k, int base) {
    return addresses((int) k[base + AclFields.SRC_LO], (int) k[base + AclFields.DST_LO]);
  }

  /** The first key word from the two addresses (host order). */
  static long addresses(int source, int destination) {
    return (long) source << 32 | destination & 0xFFFF_FFFFL;
  }

  /**
   * The second key word: destination port + 1 (17 bits), source port + 1 (17), protocol + 1 (9; an
   * absent field is -1), VLAN (12) and whether the EtherType is IPv6.
   */
  static long rest(long[] k, int base) {
    return rest(
        (int) k[base + AclFields.DST_PORT],
        (int) k[base + AclFields.SRC_PORT],
        (int) k[base + AclFields.PROTOCOL],
        (int) k[base + AclFields.VLAN],
        k[base + AclFields.ETHER_TYPE] == IPV6);
  }

  /** The second key word from its fields, each in the range {@link #fits} checks. */
  static long rest(int dstPort, int srcPort, int protocol, int vlan, boolean ipv6) {
    return (long) dstPort + 1
        | (long) srcPort + 1 << 17
        | (long) protocol + 1 << 34
        | (long) vlan << 43
        | (ipv6 ? 1L << 55 : 0);
  }

  /** The third key word: the ACL's id and the packet's TCP/ct flags. */
  static long owner(int aclId, int flags) {
    return (long) aclId << 32 | flags & 0xFFFF_FFFFL;
  }

  /** The address of the set of this key (its way 0). */
  long set(long addresses, long rest, long owner) {
    long h =
        addresses * 0x9E37_79B9_7F4A_7C15L
            ^ rest * 0xC2B2_AE3D_27D4_EB4FL
            ^ owner * 0x1656_67B1_9E37_79F9L;
    return address + (h >>> SET_SHIFT) * SET_BYTES;
  }

  /**
   * The rule stored for this key in {@code set}, or {@link AclFlowCache#MISS}; a hit in the older
   * way makes it the newer.
   */
  int find(long set, long addresses, long rest, long owner) {
    if (NativeMemory.getLong(set) == addresses
        && NativeMemory.getLong(set + 8) == rest
        && NativeMemory.getLong(set + 16) == owner) {
      return (int) NativeMemory.getLong(set + 24);
    }
    long way1 = set + WAY_BYTES;
    if (NativeMemory.getLong(way1) == addresses
        && NativeMemory.getLong(way1 + 8) == rest
        && NativeMemory.getLong(way1 + 16) == owner) {
      int rule = (int) NativeMemory.getLong(way1 + 24);
      moveToOlder(set);
      write(set, addresses, rest, owner, rule);
      return rule;
    }
    return AclFlowCache.MISS;
  }

  /**
   * Puts a verdict in way 0 of {@code set}; a live way 0 of another key moves to way 1 (two packets
   * of one new flow in a burst both miss, and the second must not take both ways).
   */
  void store(long set, long addresses, long rest, long owner, int rule) {
    boolean same =
        NativeMemory.getLong(set) == addresses
            && NativeMemory.getLong(set + 8) == rest
            && NativeMemory.getLong(set + 16) == owner;
    if (!same && NativeMemory.getLong(set + 16) != 0) {
      moveToOlder(set);
    }
    write(set, addresses, rest, owner, rule);
  }

  private static void moveToOlder(long set) {
    for (long w = 0; w < WAY_BYTES; w += 8) {
      NativeMemory.putLong(set + WAY_BYTES + w, NativeMemory.getLong(set + w));
    }
  }

  private static void write(long way, long addresses, long rest, long owner, int rule) {
    NativeMemory.putLong(way, addresses);
    NativeMemory.putLong(way + 8, rest);
    NativeMemory.putLong(way + 16, owner);
    NativeMemory.putLong(way + 24, rule);
  }
}
