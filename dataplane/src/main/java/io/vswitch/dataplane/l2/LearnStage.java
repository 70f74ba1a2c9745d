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
    if (ctx.undecided() == 0) {
      return; // every frame was decided by the flow cache: each learn below would be a no-op
    }
    long[] keys = keyOf;
    for (int live = ctx.live(); live != 0; live &= live - 1) {
      int i = Integer.numberOfTrailingZeros(live);
      keys[i] = Fdb.key(ctx.vlan[i], ctx.srcMac[i]);
    }
    prefetched += fdb.touch(keys, ctx.undecided()); // a decided frame's slot is rarely read
    // A frame the flow cache decided was learned on this port in this second at the generation it
    // was decided at: its learn is a no-op while the FDB stays at that generation. Once this
    // burst's own learning moves it, the rest of the burst learns in full, and the full path
    // decides every frame again (as it would, having learned the whole burst before forwarding).
    int decided = ctx.decided();
    boolean moved = false;
    long previous = 0;
    boolean previousRefused = false;
    int refused = 0;
    int refusedMask = 0;
    int port = ctx.ingressPort;
    for (int live = ctx.live(); live != 0; live &= live - 1) {
      int i = Integer.numberOfTrailingZeros(live);
      long key = keys[i];
      if (((decided >>> i) & 1) != 0
          && !moved) { // as a learn that changed nothing: it ends the run of a refused source
        previous = key;
        previousRefused = false;
        continue;
      }
      if (key != previous) {
        previousRefused = !fdb.learn(key, port, nowSeconds, macLimit);
        if (previousRefused) {
          refused++;
        }
        previous = key;
        moved = moved || (decided != 0 && fdb.generation() != ctx.decidedAt);
      }
      if (previousRefused) {
        refusedMask |= 1 << i;
      }
    }
    if (moved) {
      ctx.undecide();
    }
    ctx.learnRefused |= refusedMask;
    if (refused > 0) {
      ctx.ingressCounters.add(PortCounter.FDB_LEARN_REFUSED, refused);
    }
  }
}
