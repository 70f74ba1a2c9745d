package io.vswitch.dataplane.l2;

/**
 * Learns (VLAN, source MAC) → ingress port for every frame. Consecutive frames from the same source
 * (the common case in a burst) are learned once. A MAC seen on a new port moves at once.
 */
public final class LearnStage {
  private final Fdb fdb;

  public LearnStage(Fdb fdb) {
    this.fdb = fdb;
  }

  public void run(BurstContext ctx, long nowSeconds) {
    long previous = 0;
    int port = ctx.ingressPort;
    for (int i = 0; i < ctx.count; i++) {
      if (ctx.isDropped(i)) {
        continue;
      }
      long key = Fdb.key(ctx.vlan[i], ctx.srcMac[i]);
      if (key != previous) {
        fdb.learn(key, port, nowSeconds);
        previous = key;
      }
    }
  }
}
