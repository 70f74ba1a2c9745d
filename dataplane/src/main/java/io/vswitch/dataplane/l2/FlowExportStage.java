package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.acl.AclFields;
import io.vswitch.dataplane.acl.AclKeys;
import io.vswitch.dataplane.flow.FlowCache;
import io.vswitch.dataplane.flow.FlowRecord;
import io.vswitch.ffm.NativeMemory;

/**
 * IPFIX flow accounting, on ports with flow export on: each live IPv4/IPv6 frame the sampler picks
 * is added to its flow in the worker's {@link FlowCache} (packets, IP bytes, first/last time, TCP
 * flags ORed, egress port).
 *
 * <p>It sits after {@code ACL_OUT}, where every drop decision but the transmit's (MTU, full queue)
 * is made and the egress port is known, and before {@code REPLICATE}, so nothing has rewritten the
 * frame yet: a flow is traffic the switch forwards (what an ACL, policer or security check dropped
 * is not in it; the drop counters have it). The 5-tuple is the ACL key: {@code ACL_KEYS} has
 * extracted it when the tables have ACLs, else this stage extracts it, for sampled packets only.
 * The egress interface is the unicast port; a flood has none (0).
 */
public final class FlowExportStage extends Stage {
  private static final int IPV4 = 0x0800;
  private static final int IPV6 = 0x86dd;

  private final FlowCache cache;

  /**
   * @param cache the worker's flow cache, or null (no flow export: the stage does nothing)
   */
  public FlowExportStage(FlowCache cache) {
    this.cache = cache;
  }

  @Override
  public void run(BurstContext ctx) {
    FlowCache c = cache;
    if (c == null) {
      return;
    }
    boolean keyed = ctx.tables.hasAcls();
    AclKeys keys = ctx.aclKeys;
    long now = ctx.ctNow;
    int in = ctx.ingressPort;
    for (int live = ctx.live(); live != 0; live &= live - 1) {
      int i = Integer.numberOfTrailingZeros(live);
      int etherType = ctx.etherType[i];
      if ((etherType != IPV4 && etherType != IPV6) || !c.sample()) {
        continue;
      }
      long l3 = ctx.frame[i] + ctx.l3Offset[i];
      if (!keyed) {
        ctx.extractAclKeys(1 << i);
      }
      long[] k = keys.fullKeys(1 << i);
      boolean v6 = etherType == IPV6;
      // IP bytes (RFC 7012 octetDeltaCount: IP header and payload), from the lengths the parse
      // checked, so Ethernet padding is not counted.
      int bytes = v6 ? 40 + NativeMemory.getShortBE(l3 + 4) : NativeMemory.getShortBE(l3 + 2);
      int b = i * AclFields.COUNT;
      int egress = ctx.egress[i];
      c.account(
          k[b + AclFields.SRC_HI],
          k[b + AclFields.SRC_LO],
          k[b + AclFields.DST_HI],
          k[b + AclFields.DST_LO],
          FlowRecord.key(
              v6,
              in,
              ctx.vlan[i],
              (int) k[b + AclFields.PROTOCOL],
              (int) k[b + AclFields.SRC_PORT],
              (int) k[b + AclFields.DST_PORT]),
          bytes,
          keys.tcpFlags[i],
          egress >= 0 ? egress + 1 : 0,
          now);
    }
  }
}
