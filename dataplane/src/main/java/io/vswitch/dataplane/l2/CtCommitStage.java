package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.conntrack.ConntrackTable;
import io.vswitch.dataplane.conntrack.CtResult;
import io.vswitch.dataplane.stats.DropReason;

/**
 * Creates the connections of the burst's NEW packets that are still live after the ingress ACL
 * (OVS's {@code ct(commit)}): exactly those {@link ConntrackStage} found NEW without an entry, as
 * {@link ConntrackTable#commit} requires (a NEW with an entry is an unreplied connection track
 * already moved on). A refusal (table, zone, port or embryonic limit) drops the packet with its
 * reason: a connection that could not be recorded would have its replies refused, so it is stopped
 * here and counted rather than half-open.
 *
 * <p>Ports without an ACL commit too when the switch tracks connections: a client behind one
 * reaches a guarded server, whose replies are then established.
 */
public final class CtCommitStage extends Stage {
  private final ConntrackTable table;

  public CtCommitStage(ConntrackTable table) {
    this.table = table;
  }

  @Override
  public void run(BurstContext ctx) {
    if (table == null) {
      return;
    }
    int port = ctx.ingressPort;
    long now = ctx.ctNow;
    for (int live = ctx.live(); live != 0; live &= live - 1) {
      int i = Integer.numberOfTrailingZeros(live);
      int r = ctx.ctState[i];
      if (CtResult.verdict(r) != CtResult.NEW || CtResult.entry(r) >= 0) {
        continue;
      }
      int c = table.commit(ctx.vlan[i], port, ctx.ctPacket[i], now);
      ctx.ctState[i] = c;
      DropReason refused = refusal(CtResult.verdict(c));
      if (refused != null) {
        ctx.drop(i, refused);
      }
    }
  }

  /** The drop reason of a commit's result, or null when the connection was created. */
  static DropReason refusal(int verdict) {
    return switch (verdict) {
      case CtResult.REFUSED_FULL -> DropReason.CT_TABLE_FULL;
      case CtResult.REFUSED_ZONE -> DropReason.CT_ZONE_LIMIT;
      case CtResult.REFUSED_PORT -> DropReason.CT_PORT_LIMIT;
      case CtResult.REFUSED_EMBRYONIC -> DropReason.CT_EMBRYONIC_LIMIT;
      case CtResult.INVALID -> DropReason.CT_INVALID;
      default -> null;
    };
  }
}
