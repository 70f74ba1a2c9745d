package io.vswitch.dataplane.l2;

import io.vswitch.ffm.Mbuf;

/**
 * Queues each frame on its egress ports' transmit buffers ({@link TxSet}): the original on {@link
 * BurstContext#out}, the copy on {@link BurstContext#copyOut}. A shared mbuf's reference count is
 * set to its number of ports before it is queued anywhere, because a full buffer may transmit (and
 * the driver free) it at once. The buffers check the egress MTU and pass shaped ports' frames
 * through their shaper; the worker flushes the buffers it used when the pass ends.
 */
public final class TransmitStage extends Stage {

  @Override
  public void run(BurstContext ctx) {
    TxSet tx = ctx.tx;
    for (int live = ctx.live(); live != 0; live &= live - 1) {
      int i = Integer.numberOfTrailingZeros(live);
      boolean flood = ctx.egress[i] == BurstContext.FLOOD;
      enqueue(tx, ctx.mbuf[i], ctx.length[i], ctx.out[i], flood);
      if (((ctx.copies >>> i) & 1) != 0) {
        enqueue(tx, ctx.copy[i], ctx.copyLength[i], ctx.copyOut[i], flood);
      }
    }
  }

  private static void enqueue(TxSet tx, long mbuf, int length, long ports, boolean flood) {
    int n = Long.bitCount(ports);
    if (n != 1) {
      Mbuf.setRefCount(mbuf, n);
    }
    for (; ports != 0; ports &= ports - 1) {
      tx.add(Long.numberOfTrailingZeros(ports), mbuf, length, flood);
    }
  }
}
