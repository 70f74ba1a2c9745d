package io.vswitch.dataplane.l2;

/**
 * Extracts every frame's classifier key once ({@link io.vswitch.dataplane.acl.AclKeys}: addresses,
 * ports, protocol, TCP flags, IPv6 extension headers walked, and an L4 status for fragments and
 * unseen L4 headers), for the ACL stages of the ingress and the egress ports.
 */
public final class AclKeysStage extends Stage {

  @Override
  public void run(BurstContext ctx) {
    // extract is a call per frame (too large to inline), and C2 reloads a field after any call:
    // read once into locals, the arrays cost a stack load a frame instead of a field load, its
    // barrier and its null check.
    io.vswitch.dataplane.acl.AclKeys keys = ctx.aclKeys;
    long[] frame = ctx.frame;
    int[] readable = ctx.readable;
    int[] etherType = ctx.etherType;
    long[] srcMac = ctx.srcMac;
    long[] dstMac = ctx.dstMac;
    int[] vlan = ctx.vlan;
    int[] l3Offset = ctx.l3Offset;
    for (int live = ctx.live(); live != 0; live &= live - 1) {
      int i = Integer.numberOfTrailingZeros(live);
      keys.extract(
          i, frame[i], readable[i], etherType[i], srcMac[i], dstMac[i], vlan[i], l3Offset[i]);
    }
  }
}
