package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.stats.DropReason;

/**
 * Decides each frame's egress: the port its (VLAN, destination MAC) was learned on, or {@link
 * BurstContext#FLOOD} for broadcast, multicast and unknown unicast, and the set of ports it goes to
 * ({@link BurstContext#out}: the one port plus the VLAN's promiscuous members, or the VLAN's
 * members, never the ingress port). A destination learned on the ingress port is dropped (no
 * hairpin). An entry that points at a port no longer in the VLAN (the config changed under it) is
 * treated as unknown.
 */
public final class ForwardStage extends Stage {
  /** Destinations remembered per burst: a burst's unicast usually goes to a handful of hosts. */
  private static final int MEMO = 8;

  private final Fdb fdb;

  /**
   * This burst's resolved destinations (key, egress), so a destination the burst names again costs
   * a compare instead of an FDB lookup; valid for one burst, because the FDB moves between bursts.
   */
  private final long[] memoKey = new long[MEMO];

  private final int[] memoEgress = new int[MEMO];

  /** The egress set of each remembered destination (it depends only on the key in a burst). */
  private final long[] memoOut = new long[MEMO];

  private int memoCount;

  public ForwardStage(Fdb fdb) {
    this.fdb = fdb;
  }

  @Override
  public void run(BurstContext ctx) {
    L2Tables tables = ctx.tables;
    long nowSeconds = ctx.seconds;
    memoCount = 0;
    long notIngress = ~(1L << ctx.ingressPort);
    boolean forwardBpdu = ctx.port.forwardBpdu;
    for (int live = ctx.undecided(); live != 0; live &= live - 1) {
      int i = Integer.numberOfTrailingZeros(live);
      long dst = ctx.dstMac[i];
      int vlan = ctx.vlan[i];
      if (MacAddress.isMulticast(dst)) {
        if (isReserved(dst) && !relaysReserved(dst, forwardBpdu)) {
          ctx.drop(i, DropReason.RESERVED_MULTICAST);
        } else {
          aim(ctx, i, BurstContext.FLOOD, notIngress);
        }
        continue;
      }
      long key = Fdb.key(vlan, dst);
      int m = 0;
      while (m < memoCount && memoKey[m] != key) { // in line: a call per packet showed (stop 22)
        m++;
      }
      if (m == memoCount) {
        m = remember(key, ctx, i, tables, nowSeconds, notIngress);
      }
      if (memoEgress[m] == ctx.ingressPort) {
        ctx.drop(i, DropReason.SAME_PORT);
      } else {
        ctx.egress[i] = memoEgress[m];
        ctx.out[i] = memoOut[m];
      }
    }
  }

  /**
   * Sends packet i to {@code egress}, a port or {@link BurstContext#FLOOD}: its egress set is that
   * port and the VLAN's promiscuous members (they get its unicast for others too), or the VLAN's
   * members; never the ingress port ({@code notIngress} has every other bit set).
   */
  static void aim(BurstContext ctx, int i, int egress, long notIngress) {
    L2Tables tables = ctx.tables;
    int vlan = ctx.vlan[i];
    ctx.egress[i] = egress;
    ctx.out[i] =
        egress == BurstContext.FLOOD
            ? tables.memberMask(vlan) & notIngress
            : (1L << egress) | (tables.promiscuousMask(vlan) & notIngress);
  }

  /** 01:80:C2:00:00:00 to 0F, the group addresses IEEE 802.1Q 8.6.3 says a bridge filters. */
  static boolean isReserved(long dst) {
    return (dst & ~0xFL) == 0x0180_C200_0000L;
  }

  /**
   * With forward-bpdu (as OVS's other-config:forward-bpdu) the group relays the reserved range,
   * except PAUSE (:01) and slow protocols such as LACP (:02), which are link-local by definition.
   */
  private static boolean relaysReserved(long dst, boolean forwardBpdu) {
    int low = (int) (dst & 0xF);
    return forwardBpdu && low != 0x1 && low != 0x2;
  }

  /**
   * Resolves {@code key}, which this burst's memo does not hold, from the FDB (and computes its
   * egress set) into a free memo slot, or into the last slot once the memo is full; returns the
   * slot.
   */
  private int remember(
      long key, BurstContext ctx, int i, L2Tables tables, long nowSeconds, long notIngress) {
    int m = memoCount < MEMO ? memoCount++ : MEMO - 1;
    int egress = resolve(key, ctx.vlan[i], tables, nowSeconds);
    aim(ctx, i, egress, notIngress);
    memoKey[m] = key;
    memoEgress[m] = egress;
    memoOut[m] = ctx.out[i];
    return m;
  }

  private int resolve(long key, int vlan, L2Tables tables, long nowSeconds) {
    int port = fdb.lookup(key, nowSeconds);
    if (port == Fdb.MISS || !tables.carries(port, vlan)) {
      return BurstContext.FLOOD;
    }
    return port;
  }
}
