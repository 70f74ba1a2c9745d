package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.ffm.Mbuf;
import java.lang.foreign.MemorySegment;

/**
 * Sends each frame to its egress port(s) in the encapsulation each port wants, and enforces the
 * egress half of the security policy (MAC address changes).
 *
 * <p>Unicast rewrites in place. A flood (or a unicast that promiscuous ports also get) goes to
 * several ports without copying when it can: the ports that want the frame as it is share the
 * original mbuf through its reference count, and the ports that want the other encapsulation
 * (tagged vs untagged) share one copy, made and rewritten once. The reference count is set before
 * the mbuf is queued anywhere, because a full queue may transmit (and free) at once.
 */
public final class EgressStage {
  /** Ports per switch; bounds the per-worker scratch lists. */
  public static final int MAX_PORTS = 1024;

  private final MemorySegment pool;
  private final AclStage acls;
  private final int[] same = new int[MAX_PORTS];
  private final int[] other = new int[MAX_PORTS];
  private int nSame;
  private int nOther;

  /**
   * @param pool where flood copies come from
   */
  public EgressStage(MemorySegment pool) {
    this(pool, new AclStage(0));
  }

  /**
   * @param pool where flood copies come from
   * @param acls the worker's ACL stage: egress ACLs of flood members are checked through it
   */
  public EgressStage(MemorySegment pool, AclStage acls) {
    this.pool = pool;
    this.acls = acls;
  }

  public void run(BurstContext ctx, L2Tables tables, TxBuffer[] tx) {
    for (int i = 0; i < ctx.count; i++) {
      if (ctx.isDropped(i)) {
        continue;
      }
      int egress = ctx.egress[i];
      int[] promiscuous = tables.promiscuousMembers(ctx.vlan[i]);
      if (egress == BurstContext.FLOOD) {
        flood(ctx, i, tables, tx);
      } else if (tx[egress] == null) {
        ctx.drop(i, DropReason.NO_EGRESS); // a port being added or removed right now
      } else if (promiscuous.length == 0) {
        unicast(ctx, i, tables.port(egress), tx[egress]);
      } else {
        unicastAndPromiscuous(ctx, i, tables, tx, promiscuous);
      }
    }
  }

  /** The fast path: one port, rewritten in place. */
  private static void unicast(BurstContext ctx, int i, PortPolicy port, TxBuffer tx) {
    if (!accepts(port, ctx.dstMac[i])) {
      ctx.drop(i, DropReason.MAC_CHANGE);
      return;
    }
    long mbuf = ctx.batch.mbuf(i);
    int vlan = ctx.vlan[i];
    boolean tagged = port.egressTagged(vlan);
    if (!VlanRewrite.apply(mbuf, ctx.frame[i], ctx.tag[i], tagged, vlan, ctx.pcp[i])) {
      ctx.drop(i, DropReason.NO_MBUF);
      return;
    }
    tx.add(mbuf, Mbuf.packetLength(mbuf), false);
  }

  /** Broadcast, multicast, unknown unicast: every other member of the VLAN that accepts it. */
  private void flood(BurstContext ctx, int i, L2Tables tables, TxBuffer[] tx) {
    nSame = 0;
    nOther = 0;
    boolean denied = false;
    for (int p : tables.members(ctx.vlan[i])) {
      PortPolicy port = tables.port(p);
      if (p != ctx.ingressPort && tx[p] != null && accepts(port, ctx.dstMac[i])) {
        if (port.egressAcl != null && !acls.allows(ctx, i, port.egressAcl)) {
          denied = true;
        } else {
          classify(ctx, i, port);
        }
      }
    }
    if (denied && nSame + nOther == 0) {
      ctx.drop(i, DropReason.ACL_EGRESS_DENY);
      return;
    }
    send(ctx, i, tx, true);
  }

  /** A known unicast that the VLAN's promiscuous ports get as well. */
  private void unicastAndPromiscuous(
      BurstContext ctx, int i, L2Tables tables, TxBuffer[] tx, int[] promiscuous) {
    int egress = ctx.egress[i];
    PortPolicy target = tables.port(egress);
    if (!accepts(target, ctx.dstMac[i])) {
      ctx.drop(i, DropReason.MAC_CHANGE);
      return;
    }
    nSame = 0;
    nOther = 0;
    classify(ctx, i, target);
    for (int p : promiscuous) {
      PortPolicy port = tables.port(p);
      if (p != egress
          && p != ctx.ingressPort
          && tx[p] != null
          && (port.egressAcl == null || acls.allows(ctx, i, port.egressAcl))) {
        classify(ctx, i, port);
      }
    }
    send(ctx, i, tx, false);
  }

  /** MAC address changes rejected: the port gets only group frames and frames for its MAC. */
  private static boolean accepts(PortPolicy port, long dst) {
    return !port.egressMacFilter() || dst == port.mac || MacAddress.isMulticast(dst);
  }

  /** Puts the port in the list that wants the frame as it is, or the one that wants it changed. */
  private void classify(BurstContext ctx, int i, PortPolicy port) {
    if (port.egressTagged(ctx.vlan[i]) == (ctx.tag[i] != 0)) {
      same[nSame++] = port.index;
    } else {
      other[nOther++] = port.index;
    }
  }

  private void send(BurstContext ctx, int i, TxBuffer[] tx, boolean flood) {
    if (nSame + nOther == 0) {
      ctx.drop(i, DropReason.NO_EGRESS);
      return;
    }
    long original = ctx.batch.mbuf(i);
    int vlan = ctx.vlan[i];
    boolean tagged = ctx.tag[i] != 0;
    int pcp = ctx.pcp[i];
    if (nSame == 0) { // everyone wants the other encapsulation: rewrite the original itself
      if (!VlanRewrite.apply(original, ctx.frame[i], ctx.tag[i], !tagged, vlan, pcp)) {
        ctx.drop(i, DropReason.NO_MBUF);
        return;
      }
      enqueue(tx, other, nOther, original, flood);
      return;
    }
    if (nOther > 0) {
      long copy = copyRewritten(original, ctx.tag[i], !tagged, vlan, pcp);
      if (copy != 0) {
        enqueue(tx, other, nOther, copy, flood);
      } else {
        ctx.ingressCounters.addDrop(DropReason.NO_MBUF, nOther);
      }
    }
    if (tagged && (pcp >= 0 || (ctx.tag[i] & 0xFFF) != vlan)) {
      // The shared original keeps its tag, but it must carry the VLAN it was switched in: a
      // priority tag (VID 0) becomes the VLAN's VID, a mark changes the priority.
      VlanRewrite.apply(original, ctx.frame[i], ctx.tag[i], true, vlan, pcp);
    }
    enqueue(tx, same, nSame, original, flood);
  }

  private long copyRewritten(long original, int tag, boolean tagged, int vlan, int pcp) {
    long copy = Mbuf.copy(original, pool);
    if (copy == 0) {
      return 0;
    }
    if (!VlanRewrite.apply(copy, Mbuf.dataAddress(copy), tag, tagged, vlan, pcp)) {
      Mbuf.free(copy);
      return 0;
    }
    return copy;
  }

  /** Sets the reference count to the number of ports, then queues the mbuf on each. */
  private static void enqueue(TxBuffer[] tx, int[] ports, int n, long mbuf, boolean flood) {
    Mbuf.setRefCount(mbuf, n);
    int length = Mbuf.packetLength(mbuf);
    for (int k = 0; k < n; k++) {
      tx[ports[k]].add(mbuf, length, flood);
    }
  }
}
