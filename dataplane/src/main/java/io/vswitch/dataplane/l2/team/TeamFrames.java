package io.vswitch.dataplane.l2.team;

import io.vswitch.dataplane.l2.MacAddress;
import io.vswitch.dataplane.l2.ParseStage;
import io.vswitch.ffm.NativeMemory;

/**
 * The frames an uplink team sends of its own, written at a raw address: the ARP probe (RFC 826
 * request; with sender address 0 it is an RFC 5227 probe, which Linux answers too) and the RARP
 * that ESXi's "notify switches" sends for each local MAC after a failover (RFC 903 "request
 * reverse", source = the VM's MAC, to broadcast), so the upstream switch relearns the MAC on the
 * new link. Both are padded to the 60-byte minimum (64 with the FCS the device adds).
 */
public final class TeamFrames {
  /** Every frame here fits this: the minimum frame, 4 more when tagged. */
  public static final int MAX_LENGTH = 64;

  static final int ETHERTYPE_RARP = 0x8035;
  private static final int MIN_FRAME = 60;

  private TeamFrames() {}

  /** An ARP request for {@code target} from {@code mac}/{@code source}; returns its length. */
  public static int arpRequest(long at, long mac, int source, int target, int vlan) {
    int l3 = ethernet(at, MacAddress.BROADCAST, mac, TeamRxStage.ETHERTYPE_ARP, vlan);
    arp(at + l3, 1, mac, source, 0, target);
    return pad(at, l3 + 28);
  }

  /** A RARP request-reverse announcing {@code mac} (RFC 903 op 3); returns its length. */
  public static int rarp(long at, long mac, int vlan) {
    int l3 = ethernet(at, MacAddress.BROADCAST, mac, ETHERTYPE_RARP, vlan);
    arp(at + l3, 3, mac, 0, mac, 0);
    return pad(at, l3 + 28);
  }

  private static int ethernet(long at, long dst, long src, int type, int vlan) {
    putMac(at, dst);
    putMac(at + 6, src);
    if (vlan >= 0) {
      NativeMemory.putShortBE(at + 12, ParseStage.TPID_8021Q);
      NativeMemory.putShortBE(at + 14, vlan & 0xFFF);
      NativeMemory.putShortBE(at + 16, type);
      return 18;
    }
    NativeMemory.putShortBE(at + 12, type);
    return 14;
  }

  private static void arp(long at, int op, long sha, int spa, long tha, int tpa) {
    NativeMemory.putShortBE(at, 1); // Ethernet
    NativeMemory.putShortBE(at + 2, ParseStage.ETHERTYPE_IPV4);
    NativeMemory.putByte(at + 4, (byte) 6);
    NativeMemory.putByte(at + 5, (byte) 4);
    NativeMemory.putShortBE(at + 6, op);
    putMac(at + 8, sha);
    NativeMemory.putIntBE(at + 14, spa);
    putMac(at + 18, tha);
    NativeMemory.putIntBE(at + 24, tpa);
  }

  private static int pad(long at, int length) {
    for (int i = length; i < MIN_FRAME; i++) {
      NativeMemory.putByte(at + i, (byte) 0);
    }
    return Math.max(length, MIN_FRAME);
  }

  static void putMac(long at, long mac) {
    NativeMemory.putShortBE(at, (int) (mac >>> 32));
    NativeMemory.putIntBE(at + 2, (int) mac);
  }
}
