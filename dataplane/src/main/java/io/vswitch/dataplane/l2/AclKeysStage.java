package io.vswitch.dataplane.l2;

/**
 * Extracts every frame's classifier key once ({@link io.vswitch.dataplane.acl.AclKeys}: addresses,
 * ports, protocol, TCP flags, IPv6 extension headers walked, and an L4 status for fragments and
 * unseen L4 headers), for the ACL stages of the ingress and the egress ports.
 */
public final class AclKeysStage extends Stage {

  @Override
  public void run(BurstContext ctx) {
    ctx.extractAclKeys(ctx.live());
  }
}
