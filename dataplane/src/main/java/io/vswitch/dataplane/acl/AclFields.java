package io.vswitch.dataplane.acl;

/**
 * The fields an ACL matches on, as the dimensions of the classifier's key: one {@code long} each,
 * ordered so that a plain signed comparison is the field's order. Unsigned 64-bit halves of
 * addresses are stored with the sign bit flipped ({@link #unsigned}). A field the packet does not
 * have (ports of a non-TCP/UDP packet, protocol of a non-IP one) is -1, which only "any" matches.
 */
public final class AclFields {
  public static final int ETHER_TYPE = 0;
  public static final int SRC_MAC = 1;
  public static final int DST_MAC = 2;
  public static final int VLAN = 3;
  public static final int SRC_HI = 4;
  public static final int SRC_LO = 5;
  public static final int DST_HI = 6;
  public static final int DST_LO = 7;
  public static final int PROTOCOL = 8;
  public static final int SRC_PORT = 9;
  public static final int DST_PORT = 10;
  public static final int COUNT = 11;

  /** The IPv4-mapped IPv6 prefix ::ffff:0:0/96 in the low half (RFC 4291 2.5.5.2). */
  public static final long V4_MAPPED = 0x0000_FFFF_0000_0000L;

  /**
   * Connection-tracking states, as bits of the classifier's flags word above the 8 TCP flags (the
   * conntrack stage ORs exactly one in per packet; without it none is set). A rule's ct-state is a
   * set of these that must contain the packet's state, so the flow cache (which keys on the whole
   * word) and the tree's leaf check see the state at no extra cost.
   */
  public static final int CT_NEW = 1 << 8;

  public static final int CT_ESTABLISHED = 1 << 9;
  public static final int CT_RELATED = 1 << 10;
  public static final int CT_INVALID = 1 << 11;

  /** Not tracked: not IP, ND/MLD, non-first fragments. */
  public static final int CT_UNTRACKED = 1 << 12;

  /** Every ct-state bit. */
  public static final int CT_ALL = CT_NEW | CT_ESTABLISHED | CT_RELATED | CT_INVALID | CT_UNTRACKED;

  public static final int TCP = 6;
  public static final int UDP = 17;

  private AclFields() {}

  /** Maps an unsigned 64-bit value to a long whose signed order is the unsigned order. */
  public static long unsigned(long value) {
    return value ^ Long.MIN_VALUE;
  }
}
