package io.vswitch.dataplane.l2;

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
    for (int live = ctx.live(); live != 0; live &= live - 1) {
      int i = Integer.numberOfTrailingZeros(live);
      int tag = ctx.tag[i];
      boolean tagged = tag != 0;
      int vlan = ctx.vlan[i];
      int pcp = ctx.pcp[i];
      long original = ctx.mbuf[i];
      boolean leavesTagged = ((ctx.retagged >>> i) & 1) != 0 ? !tagged : tagged;
      if (!VlanRewrite.apply(original, ctx.frame[i], tag, leavesTagged, vlan, pcp)) {
        freeCopy(ctx, i);
        ctx.drop(i, DropReason.NO_MBUF);
        continue;
      }
      // Lengths follow the tag (4 bytes pushed or popped), so transmit reads no mbuf for them.
      int length = ctx.length[i] - (tagged ? VlanRewrite.TAG_BYTES : 0);
      ctx.length[i] = length + (leavesTagged ? VlanRewrite.TAG_BYTES : 0);
      if (((ctx.copies >>> i) & 1) != 0) {
        long copy = ctx.copy[i];
        if (VlanRewrite.apply(copy, Mbuf.dataAddress(copy), tag, !tagged, vlan, pcp)) {
          ctx.copyLength[i] = length + (tagged ? 0 : VlanRewrite.TAG_BYTES);
        } else {
          ctx.countDrops(DropReason.NO_MBUF, Long.bitCount(ctx.copyOut[i]));
          freeCopy(ctx, i);
        }
      }
    }
  }

  private static void freeCopy(BurstContext ctx, int i) {
    if (((ctx.copies >>> i) & 1) != 0) {
      Mbuf.free(ctx.copy[i]);
      ctx.copies &= ~(1 << i);
    }
  }
}
