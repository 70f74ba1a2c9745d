package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.packet.PacketBatch;
import io.vswitch.dataplane.stats.DropReason;

/**
 * Gives every frame its VLAN from the ingress port's mode (IEEE 802.1Q-2018 clause 6.9):
 *
 * <ul>
 *   <li>access: untagged and priority-tagged (VID 0) frames belong to the port's VLAN; a frame
 *       tagged with any other VID is dropped;
 *   <li>trunk: a tagged frame keeps its VID if the port allows it; an untagged or priority-tagged
 *       frame belongs to the native VLAN, or is dropped when there is none.
 * </ul>
 *
 * VLAN isolation rests here: a frame leaves this stage with exactly one VLAN or not at all.
 */
public final class VlanClassifyStage extends Stage {

  @Override
  public void run(BurstContext ctx) {
    PortPolicy port = ctx.port;
    if (port.mode == VlanMode.ACCESS) {
      access(ctx, port.accessVlan);
    } else {
      trunk(ctx, port);
    }
  }

  // Counted loops, live frames tested by bit: C2 checks the arrays' bounds once, before the loop.

  private static void access(BurstContext ctx, int vlan) {
    int live = ctx.live();
    int[] tags = ctx.tag;
    int[] vlans = ctx.vlan;
    int end = PacketBatch.loopBound(live);
    for (int i = 0; i < end; i++) {
      if ((live & 1 << i) == 0) {
        continue;
      }
      int tag = tags[i];
      if (tag != 0 && (tag & 0xFFF) != 0) {
        ctx.drop(i, DropReason.VLAN_NOT_ALLOWED);
      } else {
        vlans[i] = vlan;
      }
    }
  }

  private static void trunk(BurstContext ctx, PortPolicy port) {
    int live = ctx.live();
    int end = PacketBatch.loopBound(live);
    for (int i = 0; i < end; i++) {
      if ((live & 1 << i) == 0) {
        continue;
      }
      int vid = ctx.tag[i] & 0xFFF;
      int vlan = vid == 0 ? port.nativeVlan : vid;
      if (vlan == PortPolicy.NO_VLAN || !port.carries(vlan)) {
        ctx.drop(i, DropReason.VLAN_NOT_ALLOWED);
      } else {
        ctx.vlan[i] = vlan;
      }
    }
  }
}
