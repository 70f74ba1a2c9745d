package io.vswitch.dataplane.l2.mirror;

import io.vswitch.dataplane.l2.BurstContext;
import io.vswitch.dataplane.l2.Stage;
import java.lang.foreign.MemorySegment;

/**
 * Port mirroring, ingress direction: every frame the port received (past parsing and VLAN
 * classification, before any ACL, mark or rewrite touches it) is copied, as received, to the
 * destinations of the sessions that mirror this port's {@code in} traffic. Only in the feature
 * lists of such ports.
 */
public final class MirrorInStage extends Stage {
  private final MirrorCopier copier;

  public MirrorInStage(MemorySegment pool) {
    this.copier = new MirrorCopier(pool);
  }

  @Override
  public void run(BurstContext ctx) {
    MirrorSession[] sessions = ctx.tables.mirrorsIn(ctx.ingressPort);
    for (int live = ctx.live(); live != 0; live &= live - 1) {
      int i = Integer.numberOfTrailingZeros(live);
      copier.mirror(
          sessions,
          ctx.ingressPort,
          ctx.tx,
          ctx.mbuf[i],
          ctx.frame[i],
          ctx.readable[i],
          ctx.length[i],
          ctx.tag[i],
          ctx.vlan[i]);
    }
  }
}
