package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.acl.Acl;
import io.vswitch.dataplane.stats.DropReason;

/**
 * The ingress port's ACL over the whole burst (a burst comes from one port, so one ACL): the L4
 * status first (fragments, tiny fragments, unseen L4 headers, by the ACL's fragments policy), then
 * the rules.
 */
public final class AclInStage implements Stage {
  private final AclClassifier classifier;

  public AclInStage(AclClassifier classifier) {
    this.classifier = classifier;
  }

  @Override
  public void run(BurstContext ctx) {
    Acl acl = ctx.port.ingressAcl;
    for (int i = 0; i < ctx.count; i++) {
      DropReason l4 = ctx.isDropped(i) ? null : acl.l4Drop(ctx.aclKeys.l4[i]);
      if (l4 != null) {
        ctx.drop(i, l4);
      }
    }
    classifier.classifyBurst(ctx, acl);
    for (int i = 0; i < ctx.count; i++) {
      if (!ctx.isDropped(i) && !classifier.decide(acl, ctx.aclRule[i])) {
        ctx.drop(i, DropReason.ACL_INGRESS_DENY);
      }
    }
  }
}
