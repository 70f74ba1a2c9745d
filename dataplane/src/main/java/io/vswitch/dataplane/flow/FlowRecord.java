package io.vswitch.dataplane.flow;

/**
 * The layout of one flow, shared by a {@link FlowCache} slot and a {@link FlowRing} record: {@link
 * #WORDS} longs, so a record moves from the cache to the ring with one array copy.
 *
 * <pre>
 *  word  0 SRC_HI   1 SRC_LO   2 DST_HI   3 DST_LO   addresses as the ACL key holds them
 *                                                     (sign-flipped halves; IPv4 is ::ffff:a.b.c.d)
 *  word  4 KEY      63 USED | 58 IPV6 | 52-57 in port | 40-51 VLAN | 32-39 protocol
 *                   | 16-31 source port | 0-15 destination port
 *  word  5 PACKETS  6 BYTES (IP bytes: header and payload)
 *  word  7 FIRST    8 LAST  (CtClock milliseconds)
 *  word  9 EXTRA    0-15 TCP flags (OR) | 16-23 egress port + 1 (0: flooded, or none)
 *                   | 24-31 end reason (ring records only; RFC 5102 flowEndReason)
 * </pre>
 */
public final class FlowRecord {
  public static final int SRC_HI = 0;
  public static final int SRC_LO = 1;
  public static final int DST_HI = 2;
  public static final int DST_LO = 3;
  public static final int KEY = 4;
  public static final int PACKETS = 5;
  public static final int BYTES = 6;
  public static final int FIRST = 7;
  public static final int LAST = 8;
  public static final int EXTRA = 9;
  public static final int WORDS = 10;

  static final long USED = 1L << 63;
  static final long IPV6 = 1L << 58;

  /** RFC 5102 flowEndReason values. */
  public static final int END_IDLE = 1;

  public static final int END_ACTIVE = 2;
  public static final int END_FORCED = 4;
  public static final int END_LACK_OF_RESOURCES = 5;

  private FlowRecord() {}

  /** The KEY word of a flow; ports below 0 (none) are 0. */
  public static long key(boolean ipv6, int inPort, int vlan, int protocol, int sport, int dport) {
    return USED
        | (ipv6 ? IPV6 : 0)
        | (long) (inPort & 0x3F) << 52
        | (long) (vlan & 0xFFF) << 40
        | (long) (protocol & 0xFF) << 32
        | (long) (Math.max(sport, 0) & 0xFFFF) << 16
        | (Math.max(dport, 0) & 0xFFFF);
  }

  public static boolean ipv6(long key) {
    return (key & IPV6) != 0;
  }

  public static int inPort(long key) {
    return (int) (key >>> 52) & 0x3F;
  }

  public static int vlan(long key) {
    return (int) (key >>> 40) & 0xFFF;
  }

  public static int protocol(long key) {
    return (int) (key >>> 32) & 0xFF;
  }

  public static int sourcePort(long key) {
    return (int) (key >>> 16) & 0xFFFF;
  }

  public static int destinationPort(long key) {
    return (int) key & 0xFFFF;
  }

  public static int tcpFlags(long extra) {
    return (int) extra & 0xFFFF;
  }

  /** The egress port's index + 1, or 0. */
  public static int egress(long extra) {
    return (int) (extra >>> 16) & 0xFF;
  }

  public static int endReason(long extra) {
    return (int) (extra >>> 24) & 0xFF;
  }

  /** An address half as the key holds it, back to its 64 bits in network order's value. */
  public static long raw(long half) {
    return half ^ Long.MIN_VALUE;
  }
}
