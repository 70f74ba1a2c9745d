package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.packet.PacketBatch;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.ffm.Mbuf;
import io.vswitch.ffm.NativeMemory;

/**
 * The port MTU, as Linux and OVS mean it: the largest L3 payload, so the Ethernet header and one
 * 802.1Q tag are not counted. Checked on ingress (a frame longer than the port takes) and, in
 * {@link TxBuffer}, on egress per port (after the VLAN rewrite, on the frame that would leave).
 */
final class MtuCheck {
  private MtuCheck() {}

  /** Drops, as {@code rx_mtu_exceeded}, frames whose payload is longer than {@code mtu}. */
  static void ingress(BurstContext ctx, int mtu) {
    if (ctx.longest - ParseStage.ETHER_HEADER <= mtu) {
      return; // every L3 header starts at 14 or later: no frame of the burst can carry more
    }
    int live = ctx.live();
    int[] lengths = ctx.length;
    int[] offsets = ctx.l3Offset;
    int end = PacketBatch.loopBound(live);
    for (int i = 0; i < end; i++) { // counted: the bounds are checked once, before the loop
      if ((live & 1 << i) != 0 && lengths[i] - offsets[i] > mtu) {
        ctx.drop(i, DropReason.RX_MTU_EXCEEDED);
      }
    }
  }

  /**
   * Whether a frame about to be sent carries more than {@code mtu} L3 bytes. A frame no longer than
   * the MTU plus an untagged Ethernet header cannot, whatever its tag, so the common case decides
   * on the length alone and reads no packet memory.
   */
  static boolean exceeds(long mbuf, int length, int mtu) {
    return length > mtu + ParseStage.ETHER_HEADER && payload(mbuf, length) > mtu;
  }

  /** The L3 payload of a frame about to be sent: its length less Ethernet and tag headers. */
  private static int payload(long mbuf, int length) {
    if (length < ParseStage.ETHER_HEADER + 4) {
      return 0;
    }
    int type = NativeMemory.getShortBE(Mbuf.dataAddress(mbuf) + 12);
    return length - ParseStage.ETHER_HEADER - (type == ParseStage.TPID_8021Q ? 4 : 0);
  }
}
