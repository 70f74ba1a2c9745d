package io.vswitch.dataplane.l2.team;

import io.vswitch.dataplane.l2.BurstContext;
import io.vswitch.dataplane.l2.Stage;
import io.vswitch.dataplane.stats.DropReason;

/**
 * What a LACP team's members receive, right after the parse (before the VLAN is classified: a
 * LACPDU is untagged whatever the team's VLANs are):
 *
 * <ul>
 *   <li>every slow-protocol frame (ethertype 0x8809, IEEE 802.3 annex 57A) is copied into the
 *       team's {@link SlowProtocolRing} for the control thread's LACP, whatever the member's state
 *       (LACPDUs are how a member becomes collecting), and consumed ({@code team_lacpdu}); the
 *       control thread checks it, a malformed one is counted there;
 *   <li>any other frame from a member that is not collecting is dropped ({@code
 *       team_not_collecting}): 802.1AX's mux takes data only from a port attached to the aggregator
 *       and in sync with its partner.
 * </ul>
 *
 * Allocation-free: the copy goes into preallocated slots, the mbuf is freed with the burst's drops.
 */
public final class LacpRxStage extends Stage {
  static final int ETHERTYPE_SLOW_PROTOCOLS = 0x8809;

  @Override
  public void run(BurstContext ctx) {
    Team team = ctx.tables.team(ctx.ingressPort);
    if (team == null || team.lacp == null) {
      return;
    }
    boolean collecting = team.isCollecting(ctx.rxPort);
    SlowProtocolRing ring = team.slowProtocols();
    for (int live = ctx.live(); live != 0; live &= live - 1) {
      int i = Integer.numberOfTrailingZeros(live);
      if (ctx.etherType[i] == ETHERTYPE_SLOW_PROTOCOLS) {
        ring.offer(ctx.rxPort, ctx.frame[i], ctx.readable[i], ctx.length[i]);
        ctx.drop(i, DropReason.TEAM_LACPDU);
      } else if (!collecting) {
        ctx.drop(i, DropReason.TEAM_NOT_COLLECTING);
      }
    }
  }
}
