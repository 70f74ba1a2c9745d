package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.qos.Dscp;

/**
 * Ingress marking of the port's group: DSCP rewritten in the IP header now (the IPv4 checksum
 * updated per RFC 1624), PCP recorded for the egress tag ({@link EgressRewriteStage} writes it).
 */
public final class MarkStage extends Stage {
  static final int ETHERTYPE_IPV4 = 0x0800;
  static final int ETHERTYPE_IPV6 = 0x86dd;

  @Override
  public void run(BurstContext ctx) {
    int dscp = ctx.port.markDscp;
    int pcp = ctx.port.markPcp;
    for (int live = ctx.live(); live != 0; live &= live - 1) {
      int i = Integer.numberOfTrailingZeros(live);
      if (dscp >= 0) {
        setDscp(ctx, i, dscp);
      }
      if (pcp >= 0) {
        ctx.pcp[i] = pcp;
      }
    }
  }

  /** Sets packet i's DSCP, if it is IP. */
  static void setDscp(BurstContext ctx, int i, int dscp) {
    long l3 = ctx.frame[i] + ctx.l3Offset[i];
    if (ctx.etherType[i] == ETHERTYPE_IPV4) {
      Dscp.setIpv4(l3, dscp);
    } else if (ctx.etherType[i] == ETHERTYPE_IPV6) {
      Dscp.setIpv6(l3, dscp);
    }
  }
}
