package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.packet.PacketBatch;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.ffm.Mbuf;

/**
 * Puts the original and the copy into the encapsulation their ports want ({@link VlanRewrite}, in
 * place): push, pop or rewrite the 802.1Q tag, with the PCP a mark chose. An original that keeps
 * its tag still gets the VLAN it was switched in (a priority tag, VID 0, never leaves a trunk as
 * VID 0) and the marked priority. A push with no headroom drops that frame (or that copy's ports).
 */
public final class EgressRewriteStage extends Stage {

  @Override
  public void run(BurstContext ctx) {
    int live = ctx.live();
    int retagged = ctx.retagged;
    int[] tags = ctx.tag;
    int[] vlans = ctx.vlan;
    int[] pcps = ctx.pcp;
    long[] mbufs = ctx.mbuf;
    long[] frames = ctx.frame;
    int[] lengths = ctx.length;
    // A counted loop, live frames tested by bit: C2 checks the arrays' bounds once, before it.
    int end = PacketBatch.loopBound(live);
    for (int i = 0; i < end; i++) {
      if ((live & 1 << i) == 0) {
        continue;
      }
      int tag = tags[i];
      boolean tagged = tag != 0;
      int vlan = vlans[i];
      int pcp = pcps[i];
      boolean leavesTagged = ((retagged >>> i) & 1) != 0 ? !tagged : tagged;
      if (!VlanRewrite.apply(mbufs[i], frames[i], tag, leavesTagged, vlan, pcp)) {
        freeCopy(ctx, i);
        ctx.drop(i, DropReason.NO_MBUF);
        continue;
      }
      // Lengths follow the tag (4 bytes pushed or popped), so transmit reads no mbuf for them.
      int length = lengths[i] - (tagged ? VlanRewrite.TAG_BYTES : 0);
      lengths[i] = length + (leavesTagged ? VlanRewrite.TAG_BYTES : 0);
      if (((ctx.copies >>> i) & 1) != 0) {
        rewriteCopy(ctx, i, tag, vlan, pcp, length);
      }
    }
  }

  /** The copy leaves in the other encapsulation than the original. */
  private static void rewriteCopy(BurstContext ctx, int i, int tag, int vlan, int pcp, int length) {
    boolean tagged = tag != 0;
    long copy = ctx.copy[i];
    if (VlanRewrite.apply(copy, Mbuf.dataAddress(copy), tag, !tagged, vlan, pcp)) {
      ctx.copyLength[i] = length + (tagged ? 0 : VlanRewrite.TAG_BYTES);
    } else {
      ctx.countDrops(DropReason.NO_MBUF, Long.bitCount(ctx.copyOut[i]));
      freeCopy(ctx, i);
    }
  }

  private static void freeCopy(BurstContext ctx, int i) {
    if (((ctx.copies >>> i) & 1) != 0) {
      Mbuf.free(ctx.copy[i]);
      ctx.copies &= ~(1 << i);
    }
  }
}
