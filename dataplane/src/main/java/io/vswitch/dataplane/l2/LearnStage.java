package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.stats.PortCounter;

/**
 * Learns (VLAN, source MAC) → ingress port for every frame. Consecutive frames from the same source
 * (the common case in a burst) are learned once. A MAC seen on a new port moves at once. A MAC the
 * FDB refuses (the port's mac-limit or the table's capacity) is counted as {@link
 * PortCounter#FDB_LEARN_REFUSED}; the frame itself still goes on.
 *
 * <p>Two passes, as the conntrack prefetch: the burst's sources' first FDB slots are loaded in a
 * loop of their own (a few instructions each, so their cache misses overlap), then learned.
 */
public final class LearnStage extends Stage {
  private final Fdb fdb;

  /** The burst's FDB keys, and what the touch pass read (kept so its loads stay). */
  private final long[] keyOf = new long[io.vswitch.dataplane.packet.PacketBatch.MAX_BURST];

  private long prefetched;

  public LearnStage(Fdb fdb) {
    this.fdb = fdb;
  }

  @Override
  public void run(BurstContext ctx) {
    run(ctx, ctx.seconds, ctx.port.macLimit);
  }

  /** Learns at FDB time {@code nowSeconds} with a MAC limit (tests that skip the agent). */
  public void run(BurstContext ctx, long nowSeconds, int macLimit) {
    long[] keys = keyOf;
    for (int live = ctx.live(); live != 0; live &= live - 1) {
      int i = Integer.numberOfTrailingZeros(live);
      keys[i] = Fdb.key(ctx.vlan[i], ctx.srcMac[i]);
    }
    prefetched += fdb.touch(keys, ctx.live());
    long previous = 0;
    int refused = 0;
    int port = ctx.ingressPort;
    for (int live = ctx.live(); live != 0; live &= live - 1) {
      int i = Integer.numberOfTrailingZeros(live);
      long key = keys[i];
      if (key != previous) {
        if (!fdb.learn(key, port, nowSeconds, macLimit)) {
          refused++;
        }
        previous = key;
      }
    }
    if (refused > 0) {
      ctx.ingressCounters.add(PortCounter.FDB_LEARN_REFUSED, refused);
    }
  }
}
