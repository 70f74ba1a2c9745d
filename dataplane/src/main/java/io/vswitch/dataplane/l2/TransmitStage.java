package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.l2.mirror.MirrorCopier;
import io.vswitch.dataplane.packet.PacketBatch;
import io.vswitch.ffm.Mbuf;
import io.vswitch.ffm.NativeMemory;
import java.lang.foreign.MemorySegment;

/**
 * Queues each frame on its egress ports' transmit buffers ({@link TxSet}): the original on {@link
 * BurstContext#out}, the copy on {@link BurstContext#copyOut}. A shared mbuf's reference count is
 * set to its number of ports before it is queued anywhere, because a full buffer may transmit (and
 * the driver free) it at once. The buffers check the egress MTU and pass shaped ports' frames
 * through their shaper; the worker flushes the buffers it used when the pass ends.
 *
 * <p>Port mirroring's {@code out} direction is here too: a frame leaving a port some session
 * mirrors ({@link L2Tables#mirroredEgress}) is copied as it leaves (rewritten for that port) before
 * it is queued, since once queued it may be sent and freed. Ports nobody mirrors cost one AND.
 */
public final class TransmitStage extends Stage {
  private final MirrorCopier copier;

  /**
   * @param pool where mirrored copies come from
   */
  public TransmitStage(MemorySegment pool) {
    this.copier = new MirrorCopier(pool);
  }

  @Override
  public void run(BurstContext ctx) {
    TxSet tx = ctx.tx;
    long mirrored = ctx.tables.mirroredEgress();
    int live = ctx.live();
    if (live != 0
        && ctx.copies == 0
        && (ctx.out[Integer.numberOfTrailingZeros(live)] & mirrored) == 0
        && toOnePort(ctx, live)) {
      return;
    }
    for (; live != 0; live &= live - 1) {
      int i = Integer.numberOfTrailingZeros(live);
      boolean flood = ctx.egress[i] == BurstContext.FLOOD;
      boolean copied = ((ctx.copies >>> i) & 1) != 0;
      if (((ctx.out[i] | (copied ? ctx.copyOut[i] : 0)) & mirrored) != 0) {
        mirror(ctx, i, mirrored, copied);
      }
      enqueue(tx, ctx.mbuf[i], ctx.length[i], ctx.out[i], flood);
      if (copied) {
        enqueue(tx, ctx.copy[i], ctx.copyLength[i], ctx.copyOut[i], flood);
      }
    }
  }

  /**
   * The common burst, every frame to the same one port with no copy and no mirror: handed to that
   * port's buffer in one call ({@link TxSet#addAll}). Returns false, having queued nothing, when
   * the frames part ways.
   */
  private static boolean toOnePort(BurstContext ctx, int live) {
    long out = ctx.out[Integer.numberOfTrailingZeros(live)];
    if (Long.bitCount(out) != 1) {
      return false;
    }
    long[] outs = ctx.out;
    int[] egress = ctx.egress;
    int floods = 0;
    int end = PacketBatch.loopBound(live);
    for (int i = 0; i < end; i++) { // counted: the bounds are checked once, before the loop
      if ((live & 1 << i) == 0) {
        continue;
      }
      if (outs[i] != out) {
        return false;
      }
      floods |= (egress[i] == BurstContext.FLOOD ? 1 : 0) << i;
    }
    ctx.tx.addAll(Long.numberOfTrailingZeros(out), ctx.mbuf, ctx.length, live, floods);
    return true;
  }

  /** Mirrors packet i as each mirrored egress port of it will send it. */
  private void mirror(BurstContext ctx, int i, long mirrored, boolean copied) {
    L2Tables tables = ctx.tables;
    for (long ports = ctx.out[i] & mirrored; ports != 0; ports &= ports - 1) {
      mirrorLeaving(ctx, tables, Long.numberOfTrailingZeros(ports), ctx.mbuf[i], i);
    }
    if (copied) {
      for (long ports = ctx.copyOut[i] & mirrored; ports != 0; ports &= ports - 1) {
        mirrorLeaving(ctx, tables, Long.numberOfTrailingZeros(ports), ctx.copy[i], i);
      }
    }
  }

  private void mirrorLeaving(BurstContext ctx, L2Tables tables, int port, long mbuf, int i) {
    long frame = Mbuf.dataAddress(mbuf);
    int readable = Mbuf.dataLength(mbuf);
    int length = Mbuf.packetLength(mbuf);
    // The tag as the frame leaves: the rewrite already pushed, popped or rewrote it.
    boolean tagged = readable >= 16 && NativeMemory.getShortBE(frame + 12) == ParseStage.TPID_8021Q;
    int tag = tagged ? 0x1_0000 | NativeMemory.getShortBE(frame + 14) : 0;
    copier.mirror(
        tables.mirrorsOut(port), port, ctx.tx, mbuf, frame, readable, length, tag, ctx.vlan[i]);
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
