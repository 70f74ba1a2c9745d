package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.acl.Acl;
import io.vswitch.dataplane.acl.AclKeys;
import io.vswitch.dataplane.conntrack.CtResult;
import io.vswitch.dataplane.stats.DropReason;

/**
 * The ingress port's ACL over the whole burst (a burst comes from one port, so one ACL): the L4
 * status first (fragments, tiny fragments, unseen L4 headers, by the ACL's fragments policy), then
 * the rules. At an ACL with ct-state rules a refused packet whose connection state is invalid is
 * counted as {@code ct_invalid}, so the drop says it fit no connection rather than no rule.
 */
public final class AclInStage extends Stage {
  private final AclClassifier classifier;

  public AclInStage(AclClassifier classifier) {
    this.classifier = classifier;
  }

  private static boolean invalid(int ctResult) {
    return CtResult.verdict(ctResult) == CtResult.INVALID;
  }

  @Override
  public void run(BurstContext ctx) {
    Acl acl = ctx.port.ingressAcl;
    AclKeys keys = ctx.aclKeys;
    for (int m = keys.incomplete(ctx.live()); m != 0; m &= m - 1) {
      int i = Integer.numberOfTrailingZeros(m);
      DropReason reason = acl.l4Drop(keys.l4(i));
      if (reason != null) {
        ctx.drop(i, reason);
      }
    }
    classifier.classifyBurst(ctx, acl);
    int refused = classifier.refused(ctx, acl, ctx.live());
    if (refused == 0) {
      return;
    }
    boolean ct = acl.usesCtState();
    for (; refused != 0; refused &= refused - 1) {
      int i = Integer.numberOfTrailingZeros(refused);
      ctx.drop(
          i, ct && invalid(ctx.ctState[i]) ? DropReason.CT_INVALID : DropReason.ACL_INGRESS_DENY);
    }
  }
}
