package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.qos.Dscp;
import io.vswitch.dataplane.qos.Policer;
import io.vswitch.dataplane.qos.PolicerSpec;
import io.vswitch.dataplane.stats.DropReason;

/**
 * Ingress QoS of the burst's port: marking (DSCP rewritten in the IP header now; PCP recorded for
 * the egress tag) and policing (red frames dropped or remarked, per the policer's exceed action).
 * The worker refills the policer's buckets once per burst, before this runs.
 */
public final class IngressQosStage {
  static final int ETHERTYPE_IPV4 = 0x0800;
  static final int ETHERTYPE_IPV6 = 0x86dd;

  /**
   * @param policer this receive queue's policer instance, or null
   */
  public void run(BurstContext ctx, PortPolicy port, Policer policer) {
    int dscp = port.markDscp;
    int pcp = port.markPcp;
    for (int i = 0; i < ctx.count; i++) {
      if (ctx.isDropped(i)) {
        continue;
      }
      if (dscp >= 0) {
        setDscp(ctx, i, dscp);
      }
      if (pcp >= 0) {
        ctx.pcp[i] = pcp;
      }
      if (policer != null && policer.color(ctx.length[i]) == Policer.RED) {
        PolicerSpec spec = policer.spec();
        if (spec.dropRed()) {
          ctx.drop(i, DropReason.POLICER_RED);
        } else {
          setDscp(ctx, i, spec.redDscp());
        }
      }
    }
  }

  private static void setDscp(BurstContext ctx, int i, int dscp) {
    long l3 = ctx.frame[i] + ctx.l3Offset[i];
    if (ctx.etherType[i] == ETHERTYPE_IPV4) {
      Dscp.setIpv4(l3, dscp);
    } else if (ctx.etherType[i] == ETHERTYPE_IPV6) {
      Dscp.setIpv6(l3, dscp);
    }
  }
}
