package io.vswitch.dataplane.l2.overlay;

import io.vswitch.dataplane.l2.BurstContext;
import io.vswitch.dataplane.l2.Stage;
import io.vswitch.dataplane.packet.PacketBatch;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.ffm.Mbuf;
import io.vswitch.ffm.NativeMemory;

/**
 * The VTEP's receive side, on the uplink only (RFC 7348 sections 4 and 5). Untagged IPv4 to the
 * VTEP's address must be VXLAN on its UDP port with the I flag and a known (VNI, source VTEP);
 * anything else to that address is dropped with its reason (fragments: a VTEP never reassembles). A
 * good one loses its outer headers (the mbuf's data offset moves past them, no copy) and is taken
 * out of the uplink's burst into a stash the agent then runs as a burst from the tunnel port of its
 * (VNI, source VTEP), so the inner frame is parsed, learned against that remote VTEP and switched
 * in the segment's VLAN by the usual features. The outer source MAC refreshes the next hop's entry
 * in {@link VtepNeighbors}. ARP on the uplink: a request for the VTEP's address is answered in
 * place (sent back out of the uplink), and ARP from a next hop fills its MAC; a reply to the VTEP
 * is taken here. Everything else on the uplink goes on through its own features. On a VTEP whose
 * port is a team this runs in the team's feature list, so for frames from any member (before {@code
 * TEAM_RX}'s group filter: VXLAN and ARP for the VTEP are taken from every member, as an upstream
 * may still send on the old link), and the ARP reply leaves by the team's carrying member; the
 * team's own probe replies are left to {@code TEAM_RX}.
 *
 * <p>Geneve (RFC 8926) on its own UDP port is taken the same way, into the tunnel of its (VNI,
 * source VTEP) among the Geneve segments only (a VXLAN segment with the same VNI is another
 * segment): version 0 and protocol type 0x6558 (an Ethernet frame) or {@code geneve_bad_header};
 * the O bit (a control message, section 3.4) is {@code geneve_control}, not forwarded; options
 * (section 3.5) are walked within Opt Len, each bounds-checked (options past the first segment are
 * {@code vxlan_truncated}, an option longer than the options {@code geneve_bad_header}); we
 * understand none, so the C bit, or an option of a critical type, is {@code geneve_critical_option}
 * (section 3.5.1), and the others are skipped.
 */
public final class VxlanDecapStage extends Stage {
  private static final int VXLAN_I_FLAG = 0x08;

  /** Geneve's first byte: Ver (2 bits), Opt Len (6 bits, in 4-byte words). */
  private static final int GENEVE_OPT_LEN = 0x3F;

  /** Geneve's second byte: O (a control packet) and C (critical options present). */
  private static final int GENEVE_O_BIT = 0x80;

  private static final int GENEVE_C_BIT = 0x40;

  /** An option's type: the high bit marks it critical (RFC 8926 section 3.5). */
  private static final int GENEVE_CRITICAL_TYPE = 0x80;

  /** Decapsulated frames of the burst and the tunnel port each entered by. */
  private final long[] stash = new long[PacketBatch.MAX_BURST];

  private final int[] stashPort = new int[PacketBatch.MAX_BURST];
  private int stashed;

  @Override
  public void run(BurstContext ctx) {
    VxlanOverlay overlay = ctx.tables.overlay();
    stashed = 0;
    for (int live = ctx.live(); live != 0; live &= live - 1) {
      int i = Integer.numberOfTrailingZeros(live);
      if (ctx.tag[i] != 0) {
        continue; // the VTEP sits on the uplink's untagged side
      }
      if (ctx.etherType[i] == 0x0806) {
        arp(ctx, i, overlay);
      } else if (ctx.etherType[i] == 0x0800
          && intBE(ctx.frame[i] + ctx.l3Offset[i] + 16) == overlay.localIp) {
        DropReason bad = decapsulate(ctx, i, overlay);
        if (bad != null) {
          ctx.drop(i, bad);
        }
      } else if (ctx.etherType[i] == 0x0800 && ctx.dstMac[i] == overlay.localMac) {
        // To the VTEP's MAC but not its address: a peer still on the VTEP's old address after a
        // live change (its MAC configured, so kept); not decapsulated, not switched either.
        ctx.drop(i, DropReason.VTEP_WRONG_ADDRESS);
      }
    }
  }

  /** How many frames the last burst decapsulated; the agent runs them next. */
  public int stashed() {
    return stashed;
  }

  /** The agent has taken the stash (its entries stay readable until the next burst). */
  public void clear() {
    stashed = 0;
  }

  public long stashedMbuf(int k) {
    return stash[k];
  }

  public int stashedPort(int k) {
    return stashPort[k];
  }

  private DropReason decapsulate(BurstContext ctx, int i, VxlanOverlay overlay) {
    long frame = ctx.frame[i];
    int l3 = ctx.l3Offset[i];
    long ip = frame + l3;
    // PARSE checked IHL >= 5, the total length within the packet and the header in the segment.
    int ihl = (NativeMemory.getByte(ip) & 0xF) * 4;
    int total = NativeMemory.getShortBE(ip + 2);
    if ((NativeMemory.getShortBE(ip + 6) & 0x3FFF) != 0) {
      return DropReason.VXLAN_FRAGMENT; // more fragments, or an offset
    }
    if ((NativeMemory.getByte(ip + 9) & 0xFF) != 17) {
      return DropReason.VTEP_NOT_VXLAN;
    }
    int inner = l3 + ihl + 16;
    if (total < ihl + 16 || ctx.readable[i] < inner) {
      return DropReason.VXLAN_TRUNCATED;
    }
    long udp = ip + ihl;
    int dport = NativeMemory.getShortBE(udp + 2);
    boolean geneve = dport == overlay.genevePort;
    if (dport != overlay.udpPort && !geneve) {
      return DropReason.VTEP_NOT_VXLAN;
    }
    int udpLength = NativeMemory.getShortBE(udp + 4);
    if (geneve) {
      int first = NativeMemory.getByte(udp + 8) & 0xFF;
      if (first >>> 6 != 0 || NativeMemory.getShortBE(udp + 10) != VxlanTunnel.GENEVE_ETHERNET) {
        return DropReason.GENEVE_BAD_HEADER; // a version we do not know, or not Ethernet
      }
      int flags = NativeMemory.getByte(udp + 9) & 0xFF;
      if ((flags & GENEVE_O_BIT) != 0) {
        return DropReason.GENEVE_CONTROL;
      }
      int options = (first & GENEVE_OPT_LEN) * 4;
      inner += options;
      if (udpLength < 16 + options || ctx.readable[i] < inner) {
        return DropReason.VXLAN_TRUNCATED;
      }
      DropReason bad = options(udp + 16, options, (flags & GENEVE_C_BIT) != 0);
      if (bad != null) {
        return bad;
      }
    }
    int innerLength = udpLength - (inner - l3 - ihl);
    if (udpLength > total - ihl || innerLength < 14 || ctx.readable[i] < inner + 14) {
      return DropReason.VXLAN_TRUNCATED;
    }
    if (!geneve && (NativeMemory.getByte(udp + 8) & VXLAN_I_FLAG) == 0) {
      return DropReason.VXLAN_BAD_HEADER; // reserved bits are ignored on receipt (section 5)
    }
    int vni = intBE(udp + 12) >>> 8;
    int source = intBE(ip + 12);
    int port = overlay.tunnelPort(vni, source, geneve);
    if (port == VxlanOverlay.UNKNOWN_VNI) {
      return DropReason.VXLAN_UNKNOWN_VNI;
    }
    if (port == VxlanOverlay.UNKNOWN_VTEP) {
      return DropReason.VXLAN_UNKNOWN_VTEP;
    }
    overlay.neighbors.learn(overlay.tunnel(port).hop, ctx.srcMac[i], ctx.seconds);
    long mbuf = ctx.mbuf[i];
    Mbuf.trimHead(mbuf, inner);
    if (Mbuf.segmentCount(mbuf) == 1 && Mbuf.packetLength(mbuf) > innerLength) {
      Mbuf.setLength(mbuf, innerLength); // the outer frame's Ethernet padding
    }
    stash[stashed] = mbuf;
    stashPort[stashed] = port;
    stashed++;
    ctx.take(i);
    return null;
  }

  /**
   * Geneve's options, {@code length} bytes at {@code at} (within the first segment): each a 4-byte
   * header (class, type, 3 reserved bits and its data's length in 4-byte words) and its data. We
   * understand no option: the C bit or a critical type drops the packet; an option that overruns
   * the options is a bad header; the others are skipped.
   */
  private static DropReason options(long at, int length, boolean critical) {
    if (critical) {
      return DropReason.GENEVE_CRITICAL_OPTION;
    }
    int o = 0;
    while (o < length) {
      if (o + 4 > length) {
        return DropReason.GENEVE_BAD_HEADER;
      }
      if ((NativeMemory.getByte(at + o + 2) & GENEVE_CRITICAL_TYPE) != 0) {
        return DropReason.GENEVE_CRITICAL_OPTION; // a critical option with the C bit clear
      }
      o += 4 + (NativeMemory.getByte(at + o + 3) & 0x1F) * 4;
    }
    return o == length ? null : DropReason.GENEVE_BAD_HEADER;
  }

  /** ARP for IPv4 over Ethernet (RFC 826), 28 bytes after the Ethernet header. */
  private static void arp(BurstContext ctx, int i, VxlanOverlay overlay) {
    long frame = ctx.frame[i];
    long arp = frame + ctx.l3Offset[i];
    if (ctx.readable[i] < ctx.l3Offset[i] + 28
        || NativeMemory.getInt(arp) != Integer.reverseBytes(0x0001_0800)
        || NativeMemory.getShortBE(arp + 4) != 0x0604) {
      return;
    }
    int op = NativeMemory.getShortBE(arp + 6);
    long senderMac = mac(arp + 8);
    int senderIp = intBE(arp + 14);
    int targetIp = intBE(arp + 24);
    int hop = overlay.neighbors.hop(senderIp);
    if (hop >= 0 && senderMac != 0 && (senderMac & 1L << 40) == 0) {
      overlay.neighbors.learn(hop, senderMac, ctx.seconds);
    }
    if (targetIp != overlay.localIp
        || (overlay.team != null
            && overlay.team.probeMac != 0
            && mac(arp + 18) == overlay.team.probeMac)) {
      return; // not for the VTEP, or a reply to the team's probe sent from the VTEP's address
    }
    if (op == 2) {
      ctx.drop(i, DropReason.VTEP_ARP_REPLY); // taken by the cache above
    } else if (op == 1) {
      int carrier = overlay.carrier();
      if (!VxlanOverlay.canSend(ctx, carrier)) {
        ctx.drop(i, overlay.team == null ? DropReason.NO_EGRESS : DropReason.TEAM_NO_UPLINK);
        return;
      }
      // The request becomes the reply, in place: to the asker, from the VTEP.
      putMac(frame, senderMac);
      putMac(frame + 6, overlay.localMac);
      NativeMemory.putShortBE(arp + 6, 2);
      putMac(arp + 18, senderMac);
      NativeMemory.putIntBE(arp + 24, senderIp);
      putMac(arp + 8, overlay.localMac);
      NativeMemory.putIntBE(arp + 14, overlay.localIp);
      ctx.take(i);
      ctx.tx.add(carrier, ctx.mbuf[i], ctx.length[i], false);
    }
  }

  static int intBE(long at) {
    return Integer.reverseBytes(NativeMemory.getInt(at));
  }

  static long mac(long at) {
    return (long) NativeMemory.getShortBE(at) << 32 | (intBE(at + 2) & 0xFFFF_FFFFL);
  }

  static void putMac(long at, long mac) {
    NativeMemory.putShortBE(at, (int) (mac >>> 32));
    NativeMemory.putIntBE(at + 2, (int) mac);
  }
}
