package io.vswitch.dataplane.l2.team;

import io.vswitch.dataplane.l2.BurstContext;
import io.vswitch.dataplane.l2.Fdb;
import io.vswitch.dataplane.l2.MacAddress;
import io.vswitch.dataplane.l2.Stage;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.ffm.NativeMemory;

/**
 * What a team's members receive, before it is switched as the team's (the burst's policy and
 * ingress slot are the team's, {@link BurstContext#rxPort} the member's):
 *
 * <ul>
 *   <li>an ARP reply from the probe target to the team's probe MAC is counted on the member it came
 *       in on ({@link Team#replySeen}) and consumed (never learned or switched);
 *   <li>broadcast and multicast are taken only from the team's group receiver (ESXi accepts them on
 *       one uplink: an upstream switch floods them out of every link), and not at all when their
 *       source is learned on another port of ours: that is our own frame, sent out of one member
 *       and reflected by the upstream into another (ESXi's reverse filter);
 *   <li>on a LACP team, group frames are taken from every (collecting: {@link LacpRxStage}) member:
 *       the partner's aggregator sends each frame out of one link of the aggregation, so there is
 *       no flood to filter;
 *   <li>unicast is taken from every member, standby ones included (VDS receives on all uplinks: the
 *       upstream may still send to the old link until it relearns).
 * </ul>
 *
 * Runs after the VLAN is known (the reflection check is a (VLAN, MAC) lookup) and before the
 * ingress mirror, so what a team filters is not mirrored either.
 */
public final class TeamRxStage extends Stage {
  static final int ETHERTYPE_ARP = 0x0806;
  private static final int ARP_LENGTH = 28;
  private static final int ARP_REPLY = 2;

  private final Fdb fdb;

  public TeamRxStage(Fdb fdb) {
    this.fdb = fdb;
  }

  @Override
  public void run(BurstContext ctx) {
    Team team = ctx.tables.team(ctx.ingressPort);
    if (team == null) {
      return;
    }
    int member = team.ordinalOf(ctx.rxPort);
    int receiver = team.groupReceiver();
    for (int live = ctx.live(); live != 0; live &= live - 1) {
      int i = Integer.numberOfTrailingZeros(live);
      if (team.probeTarget != 0
          && ctx.etherType[i] == ETHERTYPE_ARP
          && isProbeReply(ctx, i, team)) {
        if (member >= 0) {
          team.replySeen(member);
        }
        ctx.drop(i, DropReason.TEAM_PROBE);
      } else if (MacAddress.isMulticast(ctx.dstMac[i])) {
        if (ctx.rxPort != receiver && team.lacp == null) {
          ctx.drop(i, DropReason.TEAM_GROUP_FILTERED);
        } else if (isOurs(ctx, i)) {
          ctx.drop(i, DropReason.TEAM_REFLECTED);
        }
      }
    }
  }

  /** An ARP reply (RFC 826) whose sender is the probe target and whose target is the probe MAC. */
  private static boolean isProbeReply(BurstContext ctx, int i, Team team) {
    int at = ctx.l3Offset[i];
    if (at + ARP_LENGTH > ctx.readable[i]) {
      return false;
    }
    long arp = ctx.frame[i] + at;
    return NativeMemory.getShortBE(arp + 6) == ARP_REPLY
        && Integer.reverseBytes(NativeMemory.getInt(arp + 14)) == team.probeTarget
        && readMac(arp + 18) == team.probeMac;
  }

  static long readMac(long at) {
    return ((long) NativeMemory.getShortBE(at) << 32)
        | Integer.toUnsignedLong(Integer.reverseBytes(NativeMemory.getInt(at + 2)));
  }

  /** The source is learned on a port of this switch other than the team. */
  private boolean isOurs(BurstContext ctx, int i) {
    int port = fdb.lookup(Fdb.key(ctx.vlan[i], ctx.srcMac[i]), ctx.seconds);
    return port != Fdb.MISS && port != ctx.ingressPort;
  }
}
