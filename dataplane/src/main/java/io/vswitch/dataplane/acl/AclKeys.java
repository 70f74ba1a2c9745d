package io.vswitch.dataplane.acl;

import io.vswitch.dataplane.packet.PacketBatch;
import io.vswitch.ffm.NativeMemory;

/**
 * The classifier's input for a burst: per packet, {@link AclFields#COUNT} longs (one row per
 * packet, so one packet's key is contiguous) and its TCP flags. Extracted once per burst and shared
 * by the ingress and egress ACLs. Allocated once per worker.
 */
public final class AclKeys {
  public final long[] key = new long[PacketBatch.MAX_BURST * AclFields.COUNT];
  public final int[] tcpFlags = new int[PacketBatch.MAX_BURST];

  private static final int IPV4 = 0x0800;
  private static final int IPV6 = 0x86dd;

  /**
   * Fills packet {@code i}'s key. The IP header lengths were checked by the parse stage (the whole
   * IP packet lies in the first segment), so only the L4 header needs a length check here.
   */
  public void extract(
      int i, long frame, int etherType, long srcMac, long dstMac, int vlan, int l3Offset) {
    long[] k = key;
    int b = i * AclFields.COUNT;
    k[b + AclFields.ETHER_TYPE] = etherType;
    k[b + AclFields.SRC_MAC] = srcMac;
    k[b + AclFields.DST_MAC] = dstMac;
    k[b + AclFields.VLAN] = vlan;
    long l3 = frame + l3Offset;
    int protocol = -1;
    int sport = -1;
    int dport = -1;
    int flags = 0;
    long l4 = 0;
    int l4Length = 0;
    if (etherType == IPV4) {
      int ihl = (NativeMemory.getByte(l3) & 0x0F) * 4;
      protocol = NativeMemory.getByte(l3 + 9) & 0xFF;
      k[b + AclFields.SRC_HI] = Long.MIN_VALUE;
      k[b + AclFields.SRC_LO] = v4(NativeMemory.getInt(l3 + 12));
      k[b + AclFields.DST_HI] = Long.MIN_VALUE;
      k[b + AclFields.DST_LO] = v4(NativeMemory.getInt(l3 + 16));
      // A non-first fragment has no L4 header: its ports are absent (RFC 791 fragment offset).
      if ((NativeMemory.getShortBE(l3 + 6) & 0x1FFF) == 0) {
        l4 = l3 + ihl;
        l4Length = NativeMemory.getShortBE(l3 + 2) - ihl;
      }
    } else if (etherType == IPV6) {
      protocol = NativeMemory.getByte(l3 + 6) & 0xFF;
      k[b + AclFields.SRC_HI] = AclFields.unsigned(Long.reverseBytes(NativeMemory.getLong(l3 + 8)));
      k[b + AclFields.SRC_LO] =
          AclFields.unsigned(Long.reverseBytes(NativeMemory.getLong(l3 + 16)));
      k[b + AclFields.DST_HI] =
          AclFields.unsigned(Long.reverseBytes(NativeMemory.getLong(l3 + 24)));
      k[b + AclFields.DST_LO] =
          AclFields.unsigned(Long.reverseBytes(NativeMemory.getLong(l3 + 32)));
      // Only a TCP/UDP header right after the fixed header is seen; extension headers are not
      // walked, so such packets match on addresses and next header only.
      l4 = l3 + 40;
      l4Length = NativeMemory.getShortBE(l3 + 4);
    } else {
      k[b + AclFields.SRC_HI] = 0;
      k[b + AclFields.SRC_LO] = 0;
      k[b + AclFields.DST_HI] = 0;
      k[b + AclFields.DST_LO] = 0;
    }
    if (protocol == AclFields.TCP && l4Length >= 14) {
      sport = NativeMemory.getShortBE(l4);
      dport = NativeMemory.getShortBE(l4 + 2);
      flags = NativeMemory.getByte(l4 + 13) & 0xFF;
    } else if (protocol == AclFields.UDP && l4Length >= 4) {
      sport = NativeMemory.getShortBE(l4);
      dport = NativeMemory.getShortBE(l4 + 2);
    }
    k[b + AclFields.PROTOCOL] = protocol;
    k[b + AclFields.SRC_PORT] = sport;
    k[b + AclFields.DST_PORT] = dport;
    tcpFlags[i] = flags;
  }

  private static long v4(int littleEndian) {
    return AclFields.unsigned(
        AclFields.V4_MAPPED | (Integer.reverseBytes(littleEndian) & 0xFFFF_FFFFL));
  }

  /** Sets packet {@code i}'s key directly (tests and benchmarks). */
  public void set(int i, long[] fields, int flags) {
    System.arraycopy(fields, 0, key, i * AclFields.COUNT, AclFields.COUNT);
    tcpFlags[i] = flags;
  }
}
