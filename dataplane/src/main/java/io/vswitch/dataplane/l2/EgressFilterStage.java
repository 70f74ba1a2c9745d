package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.stats.DropReason;

/**
 * Narrows each frame's egress set to the ports that may have it: ports this worker can send to now
 * (a port being added or removed is in the tables before or after it is in the worker's plan), and
 * ports that accept the destination, the egress half of the security policy (MAC address changes
 * rejected: a port gets only group frames and frames for its own MAC). A unicast whose one port
 * refuses is dropped ({@code mac_change}, or {@code no_egress} for a port not there); a flood just
 * loses the members that refuse.
 */
public final class EgressFilterStage extends Stage {

  @Override
  public void run(BurstContext ctx) {
    L2Tables tables = ctx.tables;
    long present = ctx.tx.present() | tables.teamMask(); // TeamTxStage checks the member
    long filtered = tables.macFilterMask();
    for (int live = ctx.undecided(); live != 0; live &= live - 1) {
      int i = Integer.numberOfTrailingZeros(live);
      long out = ctx.out[i] & present;
      int target = ctx.egress[i];
      long dst = ctx.dstMac[i];
      if (target >= 0) {
        if ((out & (1L << target)) == 0) {
          ctx.drop(i, DropReason.NO_EGRESS);
          continue;
        }
        if (!accepts(tables.port(target), dst)) {
          ctx.drop(i, DropReason.MAC_CHANGE);
          continue;
        }
      }
      for (long check = out & filtered; check != 0; check &= check - 1) {
        int p = Long.numberOfTrailingZeros(check);
        if (!accepts(tables.port(p), dst)) {
          out &= ~(1L << p);
        }
      }
      ctx.out[i] = out;
    }
  }

  /** MAC address changes rejected: the port gets only group frames and frames for its MAC. */
  static boolean accepts(PortPolicy port, long dst) {
    return !port.egressMacFilter() || dst == port.mac || MacAddress.isMulticast(dst);
  }
}
