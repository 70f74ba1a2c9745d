package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.stats.DropReason;

/**
 * Forged transmits (vSphere security policy): when the port rejects them, a frame whose source MAC
 * is not the port's configured MAC is dropped. The pipeline skips this stage for ports with nothing
 * to check, so it costs nothing there.
 */
public final class IngressSecurityStage extends Stage {

  @Override
  public void run(BurstContext ctx) {
    long mac = ctx.port.mac;
    for (int live = ctx.live(); live != 0; live &= live - 1) {
      int i = Integer.numberOfTrailingZeros(live);
      if (ctx.srcMac[i] != mac) {
        ctx.drop(i, DropReason.FORGED_TRANSMIT);
      }
    }
  }
}
