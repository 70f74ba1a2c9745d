package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.acl.Acl;
import io.vswitch.dataplane.stats.DropReason;

/**
 * Egress ports' ACLs. A unicast is dropped when its port's ACL refuses it ({@code acl_egress_deny},
 * or the L4 status's reason); a promiscuous copy or a flood member that refuses just leaves the
 * egress set, and a flood no member takes is an egress deny.
 */
public final class AclOutStage extends Stage {
  private final AclClassifier classifier;

  public AclOutStage(AclClassifier classifier) {
    this.classifier = classifier;
  }

  @Override
  public void run(BurstContext ctx) {
    L2Tables tables = ctx.tables;
    long guarded = tables.egressAclMask();
    for (int live = ctx.live(); live != 0; live &= live - 1) {
      int i = Integer.numberOfTrailingZeros(live);
      int target = ctx.egress[i];
      long others = ctx.out[i] & guarded;
      if (target >= 0) {
        Acl acl = tables.port(target).egressAcl;
        if (acl != null && !unicastAllowed(ctx, i, acl)) {
          continue;
        }
        others &= ~(1L << target);
      }
      boolean denied = false;
      long out = ctx.out[i];
      for (; others != 0; others &= others - 1) {
        int p = Long.numberOfTrailingZeros(others);
        if (!classifier.allows(ctx, i, tables.port(p).egressAcl)) {
          out &= ~(1L << p);
          denied = true;
        }
      }
      ctx.out[i] = out;
      if (denied && out == 0) {
        ctx.drop(i, DropReason.ACL_EGRESS_DENY);
      }
    }
  }

  /** Checks a unicast against its port's ACL, dropping it with the reason when refused. */
  private boolean unicastAllowed(BurstContext ctx, int i, Acl acl) {
    DropReason l4 = acl.l4Drop(ctx.aclKeys.l4(i));
    if (l4 != null) {
      ctx.drop(i, l4);
      return false;
    }
    if (!classifier.allows(ctx, i, acl)) {
      ctx.drop(i, DropReason.ACL_EGRESS_DENY);
      return false;
    }
    return true;
  }
}
