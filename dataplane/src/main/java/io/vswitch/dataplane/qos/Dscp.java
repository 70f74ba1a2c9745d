package io.vswitch.dataplane.qos;

import io.vswitch.ffm.NativeMemory;

/**
 * DSCP marking in place: IPv4 type of service (with the header checksum updated incrementally, RFC
 * 1624 eqn. 3: HC' = ~(~HC + ~m + m')) and the IPv6 traffic class. ECN bits are kept (RFC 3168).
 */
public final class Dscp {
  private Dscp() {}

  /** Sets the DSCP of the IPv4 header at {@code l3}. */
  public static void setIpv4(long l3, int dscp) {
    int old = NativeMemory.getShortBE(l3); // version/IHL and TOS: the 16-bit word checksummed
    int next = (old & 0xFF03) | (dscp << 2);
    if (next == old) {
      return;
    }
    NativeMemory.putShortBE(l3, next);
    int checksum = NativeMemory.getShortBE(l3 + 10);
    int sum = (~checksum & 0xFFFF) + (~old & 0xFFFF) + next;
    sum = (sum & 0xFFFF) + (sum >>> 16);
    sum = (sum & 0xFFFF) + (sum >>> 16);
    NativeMemory.putShortBE(l3 + 10, ~sum & 0xFFFF);
  }

  /** Sets the DSCP of the IPv6 header at {@code l3} (traffic class spans bytes 0 and 1). */
  public static void setIpv6(long l3, int dscp) {
    int word = NativeMemory.getShortBE(l3);
    // version(4) | traffic class(8) | flow label high 4: DSCP is the class's top 6 bits.
    NativeMemory.putShortBE(l3, (word & 0xF03F) | (dscp << 6));
  }

  /** The DSCP of an IPv4 header; for tests. */
  public static int ofIpv4(long l3) {
    return (NativeMemory.getByte(l3 + 1) & 0xFF) >>> 2;
  }
}
