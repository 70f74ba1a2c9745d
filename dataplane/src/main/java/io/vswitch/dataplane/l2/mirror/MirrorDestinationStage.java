package io.vswitch.dataplane.l2.mirror;

import io.vswitch.dataplane.l2.BurstContext;
import io.vswitch.dataplane.l2.Stage;
import io.vswitch.dataplane.stats.DropReason;

/**
 * A local mirror's destination port takes no normal I/O (vSphere's default): whatever it receives
 * is counted and dropped before it could be learned or switched. Only in such ports' lists.
 */
public final class MirrorDestinationStage extends Stage {

  @Override
  public void run(BurstContext ctx) {
    for (int live = ctx.live(); live != 0; live &= live - 1) {
      ctx.drop(Integer.numberOfTrailingZeros(live), DropReason.MIRROR_DESTINATION_RX);
    }
  }
}
