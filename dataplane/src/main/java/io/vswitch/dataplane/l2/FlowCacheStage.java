package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.packet.PacketBatch;
import io.vswitch.dataplane.stats.PortCounter;

/**
 * Looks every frame's L2 decision up in the worker's {@link L2FlowCache}: a hit sets the frame's
 * egress port, egress set and encapsulation as the full path would, and marks it decided, so
 * learning, forwarding, the egress filter and replication pass it by ({@link
 * BurstContext#undecided}). Runs after the VLAN is known; stages in between still see, and may
 * drop, every frame.
 *
 * <p>Compiled only into the lists of ports whose every feature is one the cache is exact for
 * ({@link Feature#cacheable}). The burst's lookups first load their sets in a loop of their own, as
 * the FDB's touch does, so their misses overlap.
 */
public final class FlowCacheStage extends Stage {
  private final L2FlowCache cache;
  private final Fdb fdb;
  private final long[] set = new long[io.vswitch.dataplane.packet.PacketBatch.MAX_BURST];
  private long touched;

  public FlowCacheStage(L2FlowCache cache, Fdb fdb) {
    this.cache = cache;
    this.fdb = fdb;
  }

  @Override
  public void run(BurstContext ctx) {
    long generation = fdb.generation();
    long stamp = cache.stampFor(generation, ctx.tables, ctx.tx, ctx.seconds);
    int port = ctx.ingressPort;
    int live = ctx.live();
    long[] k1 = cache.burstKey1;
    long[] k2 = cache.burstKey2;
    long[] sets = set;
    long[] dst = ctx.dstMac;
    long[] src = ctx.srcMac;
    int[] vlan = ctx.vlan;
    int[] tag = ctx.tag;
    // Counted loops over the burst's slots, live ones tested by bit: with an induction variable C2
    // checks each array's bounds once before the loop, not per frame (a loop over the mask's bits,
    // i = ntz(m), has none), and frees the registers the lengths took.
    int end = PacketBatch.loopBound(live);
    long sum = 0;
    for (int i = 0; i < end; i++) {
      if ((live & 1 << i) == 0) {
        continue;
      }
      long key1 = L2FlowCache.key1(port, dst[i]);
      long key2 = L2FlowCache.key2(vlan[i], tag[i] != 0, src[i]);
      k1[i] = key1;
      k2[i] = key2;
      long s = cache.set(key1, key2);
      sets[i] = s;
      sum += io.vswitch.ffm.NativeMemory.getLong(s);
    }
    touched += sum;
    // The masks are locals, not ctx's fields: a field or-ed into per frame chains every frame's
    // store to the next one's load (store forwarding), which serialises the loop.
    int decided = 0;
    int retagged = 0;
    int[] egress = ctx.egress;
    long[] out = ctx.out;
    for (int i = 0; i < end; i++) {
      if ((live & 1 << i) == 0) {
        continue;
      }
      long way = cache.find(sets[i], k1[i], k2[i], stamp);
      if (way != 0) {
        long meta = L2FlowCache.meta(way);
        egress[i] = L2FlowCache.egressOf(meta);
        out[i] = L2FlowCache.out(way);
        retagged |= L2FlowCache.retaggedOf(meta) << i;
        decided |= 1 << i;
      }
    }
    ctx.retagged |= retagged;
    ctx.decide(decided, generation);
    int hits = Integer.bitCount(decided);
    ctx.ingressCounters.add(PortCounter.FLOW_CACHE_HITS, hits);
    ctx.ingressCounters.add(PortCounter.FLOW_CACHE_MISSES, Integer.bitCount(live) - hits);
  }
}
