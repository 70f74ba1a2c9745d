package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.acl.AclFields;
import io.vswitch.dataplane.conntrack.ConntrackTable;
import io.vswitch.dataplane.conntrack.CtPacket;
import io.vswitch.dataplane.conntrack.CtParser;
import io.vswitch.dataplane.conntrack.CtResult;

/**
 * Connection tracking of the burst (OVS's {@code ct()}): every packet is parsed into its {@link
 * CtPacket} (from the headers {@code ACL_KEYS} already walked, which is always before it in the
 * list: a table that tracks connections has ACLs; only the transport header is read again), looked
 * up in the shared {@link ConntrackTable} in the zone of its VLAN and classified (new, established,
 * related, invalid, untracked; and whether it goes in the reply direction). The result is kept in
 * {@link BurstContext#ctState} and its state bit ORed into the ACL keys' flags word, where ct-state
 * rules match it. Nothing is created here: {@link CtCommitStage} creates the connections the
 * ingress ACL allowed, so a denied packet leaves no state.
 *
 * <p>Two passes: the first parses and prefetches every packet's index slot and entry so that the
 * burst's cache misses overlap, the second tracks. A non-first fragment is untracked (no L4 header,
 * no reassembly); the ACL's fragment policy ({@code Acl.l4Drop}) decides it.
 */
public final class ConntrackStage extends Stage {
  private final ConntrackTable table;
  private final CtParser parser = new CtParser();

  /** What the prefetch pass read, kept so its loads are not optimised away. */
  private long prefetched;

  /**
   * @param table the switch's connection table; null: the switch does not track connections
   *     (configuration refuses ct-state rules then), every packet is untracked
   */
  public ConntrackStage(ConntrackTable table) {
    this.table = table;
  }

  @Override
  public void run(BurstContext ctx) {
    int[] flags = ctx.aclKeys.tcpFlags;
    if (table == null) {
      for (int live = ctx.live(); live != 0; live &= live - 1) {
        int i = Integer.numberOfTrailingZeros(live);
        ctx.ctState[i] = CtResult.UNTRACKED;
        flags[i] |= AclFields.CT_UNTRACKED;
      }
      return;
    }
    long now = ctx.ctNow;
    for (int live = ctx.live(); live != 0; live &= live - 1) {
      int i = Integer.numberOfTrailingZeros(live);
      int l3 = ctx.l3Offset[i];
      parser.parse(
          ctx.ctPacket[i], ctx.frame[i] + l3, Math.max(0, ctx.readable[i] - l3), ctx.aclKeys, i);
    }
    prefetched += table.prefetch(ctx.ctPacket, ctx.vlan, ctx.live());
    int port = ctx.ingressPort;
    for (int live = ctx.live(); live != 0; live &= live - 1) {
      int i = Integer.numberOfTrailingZeros(live);
      int r = table.track(ctx.vlan[i], port, ctx.ctPacket[i], now);
      ctx.ctState[i] = r;
      flags[i] |= stateBit(r);
    }
  }

  /** The ct-state bit an ACL rule matches for result {@code r}. */
  static int stateBit(int r) {
    return switch (CtResult.verdict(r)) {
      case CtResult.NEW -> AclFields.CT_NEW;
      case CtResult.ESTABLISHED -> AclFields.CT_ESTABLISHED;
      case CtResult.RELATED -> AclFields.CT_RELATED;
      case CtResult.INVALID -> AclFields.CT_INVALID;
      default -> AclFields.CT_UNTRACKED; // untracked, a non-first fragment
    };
  }

  /** The sum of the prefetch pass's loads (never read for its value). */
  long prefetched() {
    return prefetched;
  }
}
