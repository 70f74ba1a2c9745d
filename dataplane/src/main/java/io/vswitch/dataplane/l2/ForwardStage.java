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
    for (int i = 0; i < ctx.count; i++) {
      if (ctx.isDropped(i)) {
        continue;
      }
      long dst = ctx.dstMac[i];
      if (MacAddress.isMulticast(dst)) {
        ctx.egress[i] = BurstContext.FLOOD;
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

  private int resolve(long key, int vlan, L2Tables tables, long nowSeconds) {
    int port = fdb.lookup(key, nowSeconds);
    if (port == Fdb.MISS || !tables.carries(port, vlan)) {
      return BurstContext.FLOOD;
    }
    return port;
  }
}
