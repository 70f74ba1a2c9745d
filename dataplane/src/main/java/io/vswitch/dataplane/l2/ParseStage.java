package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.stats.PortCounter;
import io.vswitch.ffm.Mbuf;
import io.vswitch.ffm.NativeMemory;

/**
 * Locates the headers of every frame in the burst: MACs, an 802.1Q tag, the L3 ethertype and
 * offset, and checks IPv4/IPv6 header lengths for later stages (ACLs). Every read is checked
 * against the first segment's length first, so a short or lying frame is dropped and counted, never
 * read past. Counts the burst as received on its port.
 */
public final class ParseStage extends Stage {
  static final int ETHER_HEADER = 14;
  public static final int TPID_8021Q = 0x8100;
  static final int TPID_8021AD = 0x88a8;
  public static final int ETHERTYPE_IPV4 = 0x0800;
  static final int ETHERTYPE_IPV6 = 0x86dd;

  /** Bit set in {@link BurstContext#tag} to tell "tagged with TCI 0" from untagged. */
  static final int TAGGED = 1 << 16;

  @Override
  public void run(BurstContext ctx) {
    long bytes = 0;
    int longest = 0;
    for (int i = 0; i < ctx.count; i++) {
      long mbuf = ctx.batch.mbuf(i);
      long frame = Mbuf.dataAddress(mbuf);
      int length = Mbuf.dataLength(mbuf);
      ctx.mbuf[i] = mbuf;
      ctx.frame[i] = frame;
      ctx.readable[i] = length;
      ctx.length[i] = Mbuf.packetLength(mbuf);
      bytes += ctx.length[i];
      longest = Math.max(longest, ctx.length[i]);
      // Headers must sit in the first segment: its length bounds every read below.
      DropReason bad = parse(ctx, i, frame, length);
      if (bad != null) {
        ctx.drop(i, bad);
      }
    }
    ctx.longest = longest;
    // Every frame received is counted here, the first stage, dropped or not: rx = tx + drops.
    ctx.ingressCounters.add(PortCounter.RX_PACKETS, ctx.count);
    ctx.ingressCounters.add(PortCounter.RX_BYTES, bytes);
  }

  private static DropReason parse(BurstContext ctx, int i, long frame, int length) {
    if (length < ETHER_HEADER) {
      return DropReason.RUNT;
    }
    ctx.dstMac[i] = Long.reverseBytes(NativeMemory.getLong(frame)) >>> 16;
    ctx.srcMac[i] = Long.reverseBytes(NativeMemory.getLong(frame + 4)) & 0xFFFF_FFFF_FFFFL;
    int type = NativeMemory.getShortBE(frame + 12);
    int offset = ETHER_HEADER;
    int tag = 0;
    if (type == TPID_8021Q) {
      if (length < ETHER_HEADER + 4) {
        return DropReason.TRUNCATED_HEADER;
      }
      tag = TAGGED | NativeMemory.getShortBE(frame + 14);
      type = NativeMemory.getShortBE(frame + 16);
      offset += 4;
      if (type == TPID_8021Q || type == TPID_8021AD) {
        return DropReason.QINQ;
      }
    } else if (type == TPID_8021AD) {
      return length < ETHER_HEADER + 4 ? DropReason.TRUNCATED_HEADER : DropReason.QINQ;
    }
    ctx.tag[i] = tag;
    ctx.etherType[i] = type;
    ctx.l3Offset[i] = offset;
    DropReason badSource = checkSource(ctx.srcMac[i]);
    if (badSource != null) {
      return badSource;
    }
    return checkL3(frame, offset, type, length, ctx.length[i]);
  }

  /** No host sends from a group address or from the all-zero MAC; neither may be learned. */
  private static DropReason checkSource(long src) {
    if (MacAddress.isMulticast(src)) {
      return DropReason.SOURCE_MULTICAST;
    }
    return src == 0 ? DropReason.SOURCE_ZERO : null;
  }

  /**
   * IPv4: IHL >= 5, total length inside the packet, the header inside the first segment. IPv6:
   * payload inside the packet, fixed header inside the first segment. A jumbo frame spans several
   * segments: its IP lengths are checked against the whole packet ({@code packetLength}), while
   * reads stop at the first segment ({@code readable}).
   */
  private static DropReason checkL3(
      long frame, int offset, int type, int readable, int packetLength) {
    if (type == ETHERTYPE_IPV4) {
      if (readable < offset + 20) {
        return DropReason.TRUNCATED_HEADER;
      }
      int headerLength = (NativeMemory.getByte(frame + offset) & 0x0F) * 4;
      int totalLength = NativeMemory.getShortBE(frame + offset + 2);
      if (headerLength < 20 || totalLength < headerLength || offset + totalLength > packetLength) {
        return DropReason.BAD_IP_LENGTH;
      }
      if (offset + headerLength > readable) {
        return DropReason.TRUNCATED_HEADER;
      }
    } else if (type == ETHERTYPE_IPV6) {
      if (readable < offset + 40) {
        return DropReason.TRUNCATED_HEADER;
      }
      if (offset + 40 + NativeMemory.getShortBE(frame + offset + 4) > packetLength) {
        return DropReason.BAD_IP_LENGTH;
      }
    }
    return null;
  }
}
