package io.vswitch.dataplane.l2;

/**
 * Records, behind the full path, the decisions of the frames {@link FlowCacheStage} missed: unicast
 * frames (one egress port, and its promiscuous watchers) that needed no copy, and whose source the
 * FDB did not refuse. Runs after replication, the last stage that decides.
 */
public final class FlowCacheFillStage extends Stage {
  private final L2FlowCache cache;

  public FlowCacheFillStage(L2FlowCache cache) {
    this.cache = cache;
  }

  @Override
  public void run(BurstContext ctx) {
    long stamp = cache.stamp();
    for (int m = ctx.undecided() & ~ctx.learnRefused & ~ctx.copies; m != 0; m &= m - 1) {
      int i = Integer.numberOfTrailingZeros(m);
      int egress = ctx.egress[i];
      if (egress >= 0) {
        cache.fill(
            cache.burstKey1[i],
            cache.burstKey2[i],
            ctx.out[i],
            egress,
            ((ctx.retagged >>> i) & 1) != 0,
            stamp);
      }
    }
  }
}
