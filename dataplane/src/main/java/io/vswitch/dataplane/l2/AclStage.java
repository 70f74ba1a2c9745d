package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.acl.Acl;
import io.vswitch.dataplane.acl.AclFields;
import io.vswitch.dataplane.acl.AclFlowCache;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.ffm.Mbuf;

/**
 * Applies ACLs: extracts the burst's classifier keys once, classifies the whole burst against the
 * ingress port's ACL, and checks each unicast against its egress port's ACL (floods are checked per
 * member port in {@link EgressStage}). Every verdict is counted on the rule (or default) that made
 * it, on this worker's stripe of the ACL's counters.
 */
public final class AclStage {
  private final int worker;
  private final AclFlowCache cache = new AclFlowCache();

  /**
   * @param worker this worker's index: its stripe of every ACL's hit counters
   */
  public AclStage(int worker) {
    this.worker = worker;
  }

  /** Fills {@link BurstContext#aclKeys} for every packet still in the burst. */
  public void extract(BurstContext ctx) {
    for (int i = 0; i < ctx.count; i++) {
      if (!ctx.isDropped(i)) {
        ctx.aclKeys.extract(
            i,
            ctx.frame[i],
            Mbuf.dataLength(ctx.batch.mbuf(i)),
            ctx.etherType[i],
            ctx.srcMac[i],
            ctx.dstMac[i],
            ctx.vlan[i],
            ctx.l3Offset[i]);
      }
    }
  }

  /** The ingress ACL over the whole burst (one burst comes from one port, so one ACL). */
  public void ingress(BurstContext ctx, Acl acl) {
    for (int i = 0; i < ctx.count; i++) {
      DropReason l4 = ctx.isDropped(i) ? null : acl.l4Drop(ctx.aclKeys.l4[i]);
      if (l4 != null) {
        ctx.drop(i, l4);
      }
    }
    cache.classify(acl, ctx.aclKeys, ctx.count, ctx.drop, ctx.aclRule);
    for (int i = 0; i < ctx.count; i++) {
      if (!ctx.isDropped(i) && !acl.decide(worker, ctx.aclRule[i])) {
        ctx.drop(i, DropReason.ACL_INGRESS_DENY);
      }
    }
  }

  /** The egress port's ACL for every unicast still in the burst. */
  public void egress(BurstContext ctx, L2Tables tables) {
    for (int i = 0; i < ctx.count; i++) {
      int egress = ctx.egress[i];
      if (ctx.isDropped(i) || egress < 0) {
        continue;
      }
      PortPolicy target = tables.port(egress); // null: a port on its way out
      Acl acl = target == null ? null : target.egressAcl;
      if (acl == null) {
        continue;
      }
      DropReason l4 = acl.l4Drop(ctx.aclKeys.l4[i]);
      if (l4 != null) {
        ctx.drop(i, l4);
      } else if (!allows(ctx, i, acl)) {
        ctx.drop(i, DropReason.ACL_EGRESS_DENY);
      }
    }
  }

  /**
   * Whether {@code acl} lets packet i out (counted); a flood member refusing it for its L4 status
   * counts as an egress deny.
   */
  boolean allows(BurstContext ctx, int i, Acl acl) {
    if (acl.l4Drop(ctx.aclKeys.l4[i]) != null) {
      return false;
    }
    int rule = cache.classify(acl, ctx.aclKeys.key, i * AclFields.COUNT, ctx.aclKeys.tcpFlags[i]);
    return acl.decide(worker, rule);
  }
}
