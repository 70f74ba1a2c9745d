package io.vswitch.dataplane.l2;

/**
 * Drops, as {@code rx_mtu_exceeded}, frames longer than the ingress port's MTU ({@link MtuCheck}).
 */
public final class IngressMtuStage extends Stage {

  @Override
  public void run(BurstContext ctx) {
    MtuCheck.ingress(ctx, ctx.port.mtu);
  }
}
