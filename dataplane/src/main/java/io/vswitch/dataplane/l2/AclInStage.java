package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.acl.Acl;
import io.vswitch.dataplane.stats.DropReason;

/**
 * The ingress port's ACL over the whole burst (a burst comes from one port, so one ACL): the L4
 * status first (fragments, tiny fragments, unseen L4 headers, by the ACL's fragments policy), then
 * the rules.
 */
public final class AclInStage extends Stage {
  private final AclClassifier classifier;

  public AclInStage(AclClassifier classifier) {
    this.classifier = classifier;
  }

  @Override
  public void run(BurstContext ctx) {
    Acl acl = ctx.port.ingressAcl;
    for (int live = ctx.live(); live != 0; live &= live - 1) {
      int i = Integer.numberOfTrailingZeros(live);
      DropReason l4 = acl.l4Drop(ctx.aclKeys.l4[i]);
      if (l4 != null) {
        ctx.drop(i, l4);
      }
    }
    classifier.classifyBurst(ctx, acl);
    for (int live = ctx.live(); live != 0; live &= live - 1) {
      int i = Integer.numberOfTrailingZeros(live);
      if (!classifier.decide(acl, ctx.aclRule[i])) {
        ctx.drop(i, DropReason.ACL_INGRESS_DENY);
      }
    }
  }
}
