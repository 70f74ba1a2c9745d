package io.vswitch.dataplane.conntrack;

/**
 * What {@link ConntrackTable#track} and {@link ConntrackTable#commit} return, packed in one int so
 * the per-packet call allocates nothing:
 *
 * <pre>
 *  31                             5  4  3       0
 *  +-------------------------------+--+---------+
 *  | entry index + 1 (0: none)     |R | verdict |   R: the packet goes in the reply direction
 *  +-------------------------------+--+---------+
 * </pre>
 *
 * <p>The entry index is what the listing shows and what a later per-packet step (NAT, say) would
 * read; the stage needs only the verdict and the reply bit.
 */
public final class CtResult {
  /** First packet(s) of a connection: no entry yet, or one that has seen no reply. */
  public static final int NEW = 1;

  /** Part of a connection that has seen traffic both ways. */
  public static final int ESTABLISHED = 2;

  /** An ICMP/ICMPv6 error quoting a packet of a tracked connection. */
  public static final int RELATED = 3;

  /**
   * Fits no connection: out of window, a flag combination or state change TCP forbids, a reply with
   * no request, a malformed or cut-short L4 header. Never creates state.
   */
  public static final int INVALID = 4;

  /**
   * Not subject to tracking: not IP, ICMPv6 neighbour discovery and MLD, other ICMP informational
   * types. Stateless rules alone decide it.
   */
  public static final int UNTRACKED = 5;

  /**
   * A non-first IP fragment: it has no L4 header, so it belongs to no connection that can be found
   * (there is no reassembly). The stage applies the ACL's fragment policy ({@code Acl.l4Drop}).
   */
  public static final int FRAGMENT = 6;

  /** Commit refused: the table holds its capacity and no entry could be reclaimed. */
  public static final int REFUSED_FULL = 7;

  /** Commit refused: the zone holds its connection limit. */
  public static final int REFUSED_ZONE = 8;

  /** Commit refused: the ingress port holds its connection limit. */
  public static final int REFUSED_PORT = 9;

  /**
   * Commit refused: unestablished connections hold their own budget and none could be evicted (a
   * SYN flood is bounded here, so it cannot take the room of established connections).
   */
  public static final int REFUSED_EMBRYONIC = 10;

  static final int VERDICTS = 11;

  private static final int REPLY_BIT = 1 << 4;
  private static final int VERDICT_MASK = 0xF;

  /** Entry indexes fit below this (the shift leaves 27 bits). */
  static final int MAX_ENTRIES = (1 << 27) - 2;

  private CtResult() {}

  static int of(int verdict, boolean reply, int entry) {
    return ((entry + 1) << 5) | (reply ? REPLY_BIT : 0) | verdict;
  }

  static int of(int verdict) {
    return verdict;
  }

  public static int verdict(int result) {
    return result & VERDICT_MASK;
  }

  public static boolean isReply(int result) {
    return (result & REPLY_BIT) != 0;
  }

  /** The entry the packet belongs to, or -1 (no entry: a NEW before commit, INVALID, ...). */
  public static int entry(int result) {
    return (result >>> 5) - 1;
  }

  /** Whether a commit was refused (the stage drops and counts it). */
  public static boolean isRefused(int result) {
    int v = verdict(result);
    return v >= REFUSED_FULL && v <= REFUSED_EMBRYONIC;
  }

  public static String name(int verdict) {
    return switch (verdict) {
      case NEW -> "new";
      case ESTABLISHED -> "established";
      case RELATED -> "related";
      case INVALID -> "invalid";
      case UNTRACKED -> "untracked";
      case FRAGMENT -> "fragment";
      case REFUSED_FULL -> "refused_full";
      case REFUSED_ZONE -> "refused_zone_limit";
      case REFUSED_PORT -> "refused_port_limit";
      case REFUSED_EMBRYONIC -> "refused_embryonic_limit";
      default -> "unknown";
    };
  }
}
