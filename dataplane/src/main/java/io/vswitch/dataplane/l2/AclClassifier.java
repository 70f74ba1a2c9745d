package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.acl.Acl;
import io.vswitch.dataplane.acl.AclFields;
import io.vswitch.dataplane.acl.AclFlowCache;

/**
 * One worker's ACL classification, shared by its ingress and egress ACL stages: the flow cache in
 * front of the ACLs' trees, and the worker's stripe of every ACL's hit counters. Every verdict is
 * counted on the rule (or default) that made it.
 */
public final class AclClassifier {
  private final int worker;
  private final AclFlowCache cache = new AclFlowCache();

  /**
   * @param worker this worker's index: its stripe of every ACL's hit counters
   */
  public AclClassifier(int worker) {
    this.worker = worker;
  }

  /** Classifies every packet of the burst not dropped against {@code acl} into {@code aclRule}. */
  void classifyBurst(BurstContext ctx, Acl acl) {
    cache.classify(acl, ctx.aclKeys, ctx.count, ctx.drop, ctx.aclRule);
  }

  /**
   * Counts the verdicts of the packets in {@code packets} and returns those {@code acl} refuses.
   */
  int refused(BurstContext ctx, Acl acl, int packets) {
    return acl.refused(worker, ctx.aclRule, packets);
  }

  /**
   * Whether {@code acl} lets packet i through (counted); a packet the ACL refuses for its L4 status
   * (a fragment, say) is refused here too.
   */
  boolean allows(BurstContext ctx, int i, Acl acl) {
    if (acl.l4Drop(ctx.aclKeys.l4(i)) != null) {
      return false;
    }
    long[] k = ctx.aclKeys.fullKeys(1 << i);
    int rule = cache.classify(acl, k, i * AclFields.COUNT, ctx.aclKeys.tcpFlags[i]);
    return acl.decide(worker, rule);
  }
}
