package io.vswitch.dataplane.l2.team;

import io.vswitch.dataplane.l2.BurstContext;
import io.vswitch.dataplane.l2.L2Tables;
import io.vswitch.dataplane.l2.Stage;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.ffm.Mbuf;

/**
 * A team's bit in a frame's egress sets becomes the one member the team's selection table picks for
 * it ({@link Team}: the bucket of the ingress slot or of the source MAC; the table is the control
 * thread's, read with one volatile load), so a flood leaves a team through exactly one member and
 * only carriers send. Runs after the rewrite (the team's tagging is its policy's) and before the
 * egress capture and the transmit, which see the member. A member this worker cannot send to now
 * counts as down for the frame. A frame left with nowhere to go is dropped ({@code
 * team_no_uplink}); a copy left with nowhere to go is freed; an original left with nowhere while
 * its copy has somewhere gives its place to the copy.
 */
public final class TeamTxStage extends Stage {

  @Override
  public void run(BurstContext ctx) {
    L2Tables tables = ctx.tables;
    long teams = tables.teamMask();
    long present = ctx.tx.present();
    for (int live = ctx.live(); live != 0; live &= live - 1) {
      int i = Integer.numberOfTrailingZeros(live);
      boolean copied = ((ctx.copies >>> i) & 1) != 0;
      long out = ctx.out[i];
      long copyOut = copied ? ctx.copyOut[i] : 0;
      if (((out | copyOut) & teams) == 0) {
        continue;
      }
      out = toMembers(ctx, i, tables, out, teams, present);
      if (copied) {
        copyOut = toMembers(ctx, i, tables, copyOut, teams, present);
        ctx.copyOut[i] = copyOut;
      }
      // At most one mbuf per packet goes to the dropped batch (it holds a burst).
      if (out == 0 && copyOut == 0) {
        if (copied) {
          Mbuf.free(ctx.copy[i]); // every uplink down: the rare path may make a downcall
          ctx.copies &= ~(1 << i);
        }
        ctx.out[i] = 0;
        ctx.drop(i, DropReason.TEAM_NO_UPLINK);
        continue;
      }
      if (out == 0) {
        ctx.dropped.add(ctx.mbuf[i]); // nobody wants the original: the copy takes its place
        ctx.mbuf[i] = ctx.copy[i];
        ctx.length[i] = ctx.copyLength[i];
        out = copyOut;
        ctx.copies &= ~(1 << i);
      } else if (copied && copyOut == 0) {
        ctx.dropped.add(ctx.copy[i]);
        ctx.copies &= ~(1 << i);
      }
      ctx.out[i] = out;
    }
  }

  private static long toMembers(
      BurstContext ctx, int i, L2Tables tables, long ports, long teams, long present) {
    for (long t = ports & teams; t != 0; t &= t - 1) {
      int slot = Long.numberOfTrailingZeros(t);
      Team team = tables.team(slot);
      int member = team.selection()[team.bucket(ctx.ingressPort, ctx.srcMac[i])];
      ports &= ~(1L << slot);
      if (member >= 0 && (present & (1L << member)) != 0) {
        ports |= 1L << member;
      }
    }
    return ports;
  }
}
