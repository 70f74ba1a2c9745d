package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.stats.DropReason;

/**
 * Decides each frame's egress: the port its (VLAN, destination MAC) was learned on, or {@link
 * BurstContext#FLOOD} for broadcast, multicast and unknown unicast. A destination learned on the
 * ingress port is dropped (no hairpin). An entry that points at a port no longer in the VLAN (the
 * config changed under it) is treated as unknown.
 */
public final class ForwardStage {
  private final Fdb fdb;

  public ForwardStage(Fdb fdb) {
    this.fdb = fdb;
  }

  public void run(BurstContext ctx, L2Tables tables, long nowSeconds) {
    long previousKey = 0;
    int previousEgress = BurstContext.FLOOD;
    PortPolicy ingress = tables.port(ctx.ingressPort);
    boolean forwardBpdu = ingress != null && ingress.forwardBpdu;
    for (int i = 0; i < ctx.count; i++) {
      if (ctx.isDropped(i)) {
        continue;
      }
      long dst = ctx.dstMac[i];
      if (MacAddress.isMulticast(dst)) {
        if (isReserved(dst) && !relaysReserved(dst, forwardBpdu)) {
          ctx.drop(i, DropReason.RESERVED_MULTICAST);
        } else {
          ctx.egress[i] = BurstContext.FLOOD;
        }
        continue;
      }
      long key = Fdb.key(ctx.vlan[i], dst);
      if (key != previousKey) {
        previousKey = key;
        previousEgress = resolve(key, ctx.vlan[i], tables, nowSeconds);
      }
      if (previousEgress == ctx.ingressPort) {
        ctx.drop(i, DropReason.SAME_PORT);
      } else {
        ctx.egress[i] = previousEgress;
      }
    }
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

  private int resolve(long key, int vlan, L2Tables tables, long nowSeconds) {
    int port = fdb.lookup(key, nowSeconds);
    if (port == Fdb.MISS || !tables.carries(port, vlan)) {
      return BurstContext.FLOOD;
    }
    return port;
  }
}
