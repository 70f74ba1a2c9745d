package io.vswitch.dataplane.l2.mirror;

import io.vswitch.ffm.NativeMemory;

/**
 * Encapsulated remote mirroring, ERSPAN type II (draft-foschiano-erspan): each copy leaves as
 * Ethernet / IPv4 / GRE (sequence number, protocol 0x88BE) / ERSPAN II header / the mirrored frame,
 * to a collector's IP address through a next hop whose MAC is configured (the switch has no IP
 * stack to resolve it). Immutable; the sequence number is the caller's (one per worker).
 */
public final class ErspanTunnel {
  /** Outer Ethernet, IPv4, GRE with sequence number, ERSPAN II. */
  public static final int HEADER_BYTES = 14 + 20 + 8 + 8;

  private static final int GRE_SEQUENCE_ERSPAN = 0x1000_88BE;
  private static final int IP_TTL_GRE = 64 << 8 | 47;

  private final long srcMac;
  private final long dstMac;
  private final int srcIp;
  private final int dstIp;
  private final int sessionId;

  /** The IPv4 header's checksum sum without the total length (the one field that varies). */
  private final int partialSum;

  /**
   * @param sessionId ERSPAN session id, 0..1023, which the collector tells sessions apart by
   */
  public ErspanTunnel(long srcMac, long dstMac, int srcIp, int dstIp, int sessionId) {
    if (sessionId < 0 || sessionId > 1023) {
      throw new IllegalArgumentException("an ERSPAN session id is 0..1023");
    }
    this.srcMac = srcMac;
    this.dstMac = dstMac;
    this.srcIp = srcIp;
    this.dstIp = dstIp;
    this.sessionId = sessionId;
    this.partialSum =
        0x4500
            + 0x4000
            + IP_TTL_GRE
            + (srcIp >>> 16)
            + (srcIp & 0xFFFF)
            + (dstIp >>> 16)
            + (dstIp & 0xFFFF);
  }

  /**
   * Writes the encapsulation at {@code at} for an inner frame of {@code inner} bytes (which follow
   * it): {@code vlan} and {@code tagged} are the mirrored frame's, {@code port} the index of the
   * port it was mirrored on, {@code truncated} whether it was cut.
   */
  void write(long at, int inner, int vlan, boolean tagged, int port, boolean truncated, int seq) {
    NativeMemory.putShortBE(at, (int) (dstMac >>> 32));
    NativeMemory.putIntBE(at + 2, (int) dstMac);
    NativeMemory.putShortBE(at + 6, (int) (srcMac >>> 32));
    NativeMemory.putIntBE(at + 8, (int) srcMac);
    NativeMemory.putShortBE(at + 12, 0x0800);
    long ip = at + 14;
    int total = HEADER_BYTES - 14 + inner;
    NativeMemory.putIntBE(ip, 0x4500_0000 | total);
    NativeMemory.putIntBE(ip + 4, 0x0000_4000); // id 0, don't fragment
    NativeMemory.putIntBE(ip + 8, IP_TTL_GRE << 16 | checksum(total));
    NativeMemory.putIntBE(ip + 12, srcIp);
    NativeMemory.putIntBE(ip + 16, dstIp);
    long gre = ip + 20;
    NativeMemory.putIntBE(gre, GRE_SEQUENCE_ERSPAN);
    NativeMemory.putIntBE(gre + 4, seq);
    long erspan = gre + 8;
    int encapsulation = tagged ? 3 : 0; // En: 11 the tag is kept in the frame, 00 untagged
    NativeMemory.putIntBE(
        erspan,
        1 << 28
            | (vlan & 0xFFF) << 16
            | encapsulation << 11
            | (truncated ? 1 << 10 : 0)
            | sessionId);
    NativeMemory.putIntBE(erspan + 4, port & 0xF_FFFF);
  }

  private int checksum(int total) {
    int sum = partialSum + total;
    sum = (sum & 0xFFFF) + (sum >>> 16);
    sum = (sum & 0xFFFF) + (sum >>> 16);
    return ~sum & 0xFFFF;
  }
}
