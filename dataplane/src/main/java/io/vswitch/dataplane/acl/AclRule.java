package io.vswitch.dataplane.acl;

import java.util.Arrays;

/**
 * One compiled ACL rule: a box in the {@link AclFields} space (an inclusive range per field) plus a
 * TCP-flags value/mask, an action and a priority. Lower priority numbers are evaluated first, as
 * NSX sequence numbers and AWS network ACL rule numbers are; first match wins.
 *
 * <p>A field left out is the full range, which every packet value (including "absent", -1) falls
 * in. An address prefix is two ranges, on the high and low 64 bits of the 128-bit address: a /L
 * with L <= 64 fixes a range of the high half and leaves the low half whole, L > 64 fixes the high
 * half and a range of the low half. IPv4 uses the IPv4-mapped form (::ffff:a.b.c.d, RFC 4291
 * 2.5.5.2), so a v4 /p is a /(96+p).
 */
public final class AclRule {
  final int priority;
  final boolean allow;
  final long[] lo = new long[AclFields.COUNT];
  final long[] hi = new long[AclFields.COUNT];
  final int flagsValue;
  final int flagsMask;

  /** {@link AclFields#CT_NEW}... bits the packet's state must be one of; 0: any state. */
  final int ctStates;

  private AclRule(Builder b) {
    this.priority = b.priority;
    this.allow = b.allow;
    System.arraycopy(b.lo, 0, lo, 0, AclFields.COUNT);
    System.arraycopy(b.hi, 0, hi, 0, AclFields.COUNT);
    this.flagsValue = b.flagsValue;
    this.flagsMask = b.flagsMask;
    this.ctStates = b.ctStates;
  }

  public static Builder builder(int priority, boolean allow) {
    return new Builder(priority, allow);
  }

  public int priority() {
    return priority;
  }

  public boolean allow() {
    return allow;
  }

  /** Whether the rule matches on the connection-tracking state. */
  public boolean usesCtState() {
    return ctStates != 0;
  }

  /** Whether the rule narrows the source or destination MAC. */
  boolean usesMacs() {
    return lo[AclFields.SRC_MAC] != Long.MIN_VALUE
        || hi[AclFields.SRC_MAC] != Long.MAX_VALUE
        || lo[AclFields.DST_MAC] != Long.MIN_VALUE
        || hi[AclFields.DST_MAC] != Long.MAX_VALUE;
  }

  /** Whether the rule looks at L4: the protocol, ports or TCP flags (what fragments may lack). */
  boolean l4() {
    return flagsMask != 0
        || lo[AclFields.PROTOCOL] != Long.MIN_VALUE
        || hi[AclFields.PROTOCOL] != Long.MAX_VALUE
        || lo[AclFields.SRC_PORT] != Long.MIN_VALUE
        || hi[AclFields.SRC_PORT] != Long.MAX_VALUE
        || lo[AclFields.DST_PORT] != Long.MIN_VALUE
        || hi[AclFields.DST_PORT] != Long.MAX_VALUE;
  }

  /** Whether the packet at {@code base} in {@code keys} falls in this rule: the obvious check. */
  boolean matches(long[] keys, int base, int tcpFlags) {
    for (int d = 0; d < AclFields.COUNT; d++) {
      long v = keys[base + d];
      if (v < lo[d] || v > hi[d]) {
        return false;
      }
    }
    return (tcpFlags & flagsMask) == flagsValue && (ctStates == 0 || (tcpFlags & ctStates) != 0);
  }

  @Override
  public String toString() {
    return "rule " + priority + (allow ? " allow " : " deny ") + Arrays.toString(lo) + "..";
  }

  /** Builds a rule; every field starts as "any". */
  public static final class Builder {
    private final int priority;
    private final boolean allow;
    private final long[] lo = new long[AclFields.COUNT];
    private final long[] hi = new long[AclFields.COUNT];
    private int flagsValue;
    private int flagsMask;
    private int ctStates;

    private Builder(int priority, boolean allow) {
      this.priority = priority;
      this.allow = allow;
      Arrays.fill(lo, Long.MIN_VALUE);
      Arrays.fill(hi, Long.MAX_VALUE);
    }

    private Builder range(int field, long from, long to) {
      if (from > to) {
        throw new IllegalArgumentException("empty range " + from + ".." + to);
      }
      lo[field] = from;
      hi[field] = to;
      return this;
    }

    public Builder etherType(int type) {
      return range(AclFields.ETHER_TYPE, type, type);
    }

    public Builder srcMac(long mac) {
      return range(AclFields.SRC_MAC, mac, mac);
    }

    public Builder dstMac(long mac) {
      return range(AclFields.DST_MAC, mac, mac);
    }

    public Builder vlan(int vlan) {
      return range(AclFields.VLAN, vlan, vlan);
    }

    /** 0..255; also requires the packet to be IP (the caller sets the ethertype). */
    public Builder protocol(int protocol) {
      return range(AclFields.PROTOCOL, protocol, protocol);
    }

    public Builder srcPorts(int from, int to) {
      return range(AclFields.SRC_PORT, from, to);
    }

    public Builder dstPorts(int from, int to) {
      return range(AclFields.DST_PORT, from, to);
    }

    /** TCP flags: those in {@code mask} must equal those in {@code value}. */
    public Builder tcpFlags(int value, int mask) {
      this.flagsValue = value & mask;
      this.flagsMask = mask;
      return this;
    }

    /**
     * Connection states the rule matches ({@link AclFields#CT_NEW}... ORed): the packet's state
     * must be one of them.
     */
    public Builder ctStates(int states) {
      if (states == 0 || (states & ~AclFields.CT_ALL) != 0) {
        throw new IllegalArgumentException("ct-state bits " + Integer.toHexString(states));
      }
      this.ctStates = states;
      return this;
    }

    /** A 128-bit source prefix (IPv4: the mapped form, length 96 + p). */
    public Builder srcPrefix(long high, long low, int length) {
      prefix(AclFields.SRC_HI, high, low, length);
      return this;
    }

    public Builder dstPrefix(long high, long low, int length) {
      prefix(AclFields.DST_HI, high, low, length);
      return this;
    }

    private void prefix(int field, long high, long low, int length) {
      if (length < 0 || length > 128) {
        throw new IllegalArgumentException("prefix length " + length);
      }
      if (length <= 64) {
        long host = length == 0 ? -1L : -1L >>> length;
        range(field, AclFields.unsigned(high & ~host), AclFields.unsigned(high | host));
      } else {
        long host = length == 128 ? 0 : -1L >>> (length - 64);
        range(field, AclFields.unsigned(high), AclFields.unsigned(high));
        range(field + 1, AclFields.unsigned(low & ~host), AclFields.unsigned(low | host));
      }
    }

    public AclRule build() {
      return new AclRule(this);
    }
  }
}
