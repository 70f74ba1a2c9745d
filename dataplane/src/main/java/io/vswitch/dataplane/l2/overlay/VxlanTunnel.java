package io.vswitch.dataplane.l2.overlay;

import io.vswitch.ffm.NativeMemory;

/**
 * One remote VTEP of one segment, as the encapsulation it writes (RFC 7348 section 5): outer
 * Ethernet (this VTEP's MAC to the next hop's) / IPv4 (DF set, identification 0 as RFC 6864 allows
 * for atomic datagrams, the configured TTL, the header checksum from a sum precomputed per tunnel)
 * / UDP (source port from a hash of the inner flow, in 49152..65535 as section 5 recommends, so the
 * underlay's ECMP spreads the segment's flows; checksum 0, which section 5 allows over IPv4) /
 * VXLAN (I flag, the VNI). A Geneve tunnel (RFC 8926 section 3.4) has the same outer headers (RFC
 * 8926 allows the zero UDP checksum over IPv4 too) to its own UDP port, and the 8-byte Geneve
 * header in place of VXLAN's: version 0, no options (Opt Len 0), O and C clear, protocol type
 * 0x6558 (Transparent Ethernet Bridging), the VNI; so the overhead is 50 bytes either way.
 * Immutable; the next hop's MAC is the caller's (from {@link VtepNeighbors}).
 */
public final class VxlanTunnel {
  /** Outer Ethernet, IPv4 without options, UDP, VXLAN (or Geneve without options). */
  public static final int HEADER_BYTES = 14 + 20 + 8 + 8;

  /** IANA's VXLAN port (RFC 7348 section 5). */
  public static final int DEFAULT_UDP_PORT = 4789;

  /** IANA's Geneve port (RFC 8926 section 3.3). */
  public static final int DEFAULT_GENEVE_PORT = 6081;

  /** Geneve's protocol type of an Ethernet frame (RFC 8926 section 3.4: 0x6558). */
  public static final int GENEVE_ETHERNET = 0x6558;

  public static final int DEFAULT_TTL = 64;

  public final int vni;
  public final int localIp;
  public final int remoteIp;
  public final long localMac;
  public final int ttl;
  public final int udpPort;

  /** Geneve (RFC 8926), else VXLAN. */
  public final boolean geneve;

  /** Index of this tunnel's next hop (the remote VTEP or the gateway) in {@link VtepNeighbors}. */
  public final int hop;

  /** The IPv4 header's checksum sum without the total length (the one field that varies). */
  private final int partialSum;

  /** A VXLAN tunnel. */
  public VxlanTunnel(
      int vni, int localIp, int remoteIp, long localMac, int ttl, int udpPort, int hop) {
    this(vni, localIp, remoteIp, localMac, ttl, udpPort, hop, false);
  }

  /**
   * @param udpPort the UDP destination port: VXLAN's, or Geneve's when {@code geneve}
   * @param geneve Geneve (RFC 8926) instead of VXLAN
   */
  public VxlanTunnel(
      int vni,
      int localIp,
      int remoteIp,
      long localMac,
      int ttl,
      int udpPort,
      int hop,
      boolean geneve) {
    if (vni < 1 || vni > 0xFF_FFFF) {
      throw new IllegalArgumentException("a VNI is 1..16777215");
    }
    if (ttl < 1 || ttl > 255) {
      throw new IllegalArgumentException("a TTL is 1..255");
    }
    this.vni = vni;
    this.localIp = localIp;
    this.remoteIp = remoteIp;
    this.localMac = localMac;
    this.ttl = ttl;
    this.udpPort = udpPort;
    this.geneve = geneve;
    this.hop = hop;
    this.partialSum =
        0x4500
            + 0x4000
            + (ttl << 8 | 17)
            + (localIp >>> 16)
            + (localIp & 0xFFFF)
            + (remoteIp >>> 16)
            + (remoteIp & 0xFFFF);
  }

  /**
   * Writes the 50-byte encapsulation at {@code at} for the inner frame of {@code inner} bytes that
   * follows it (at {@code at + HEADER_BYTES}), to the next hop {@code nextHopMac}.
   */
  public void write(long at, int inner, long nextHopMac) {
    int sourcePort = sourcePort(at + HEADER_BYTES, inner);
    NativeMemory.putShortBE(at, (int) (nextHopMac >>> 32));
    NativeMemory.putIntBE(at + 2, (int) nextHopMac);
    NativeMemory.putShortBE(at + 6, (int) (localMac >>> 32));
    NativeMemory.putIntBE(at + 8, (int) localMac);
    NativeMemory.putShortBE(at + 12, 0x0800);
    long ip = at + 14;
    int total = HEADER_BYTES - 14 + inner;
    NativeMemory.putIntBE(ip, 0x4500_0000 | total);
    NativeMemory.putIntBE(ip + 4, 0x0000_4000); // id 0, don't fragment
    NativeMemory.putIntBE(ip + 8, (ttl << 8 | 17) << 16 | checksum(total));
    NativeMemory.putIntBE(ip + 12, localIp);
    NativeMemory.putIntBE(ip + 16, remoteIp);
    long udp = ip + 20;
    NativeMemory.putIntBE(udp, sourcePort << 16 | udpPort);
    NativeMemory.putIntBE(udp + 4, (total - 20) << 16); // length; checksum 0
    long vxlan = udp + 8;
    // Geneve: Ver 0, Opt Len 0, O 0, C 0, reserved 0, protocol type; VXLAN: the I flag.
    NativeMemory.putIntBE(vxlan, geneve ? GENEVE_ETHERNET : 0x0800_0000);
    NativeMemory.putIntBE(vxlan + 4, vni << 8); // the VNI, reserved 0 (both)
  }

  private int checksum(int total) {
    int sum = partialSum + total;
    sum = (sum & 0xFFFF) + (sum >>> 16);
    sum = (sum & 0xFFFF) + (sum >>> 16);
    return ~sum & 0xFFFF;
  }

  /**
   * The outer UDP source port for an inner frame at {@code frame}: a hash of its MACs and, for
   * untagged IPv4, its addresses and (in a first fragment or an unfragmented packet) TCP/UDP/SCTP
   * ports, folded into 49152..65535. A flow keeps one port, so the underlay keeps its order.
   */
  static int sourcePort(long frame, int length) {
    int h = 0x9E37_79B9;
    if (length >= 14) {
      h = mix(h, NativeMemory.getInt(frame));
      h = mix(h, NativeMemory.getInt(frame + 4));
      h = mix(h, NativeMemory.getInt(frame + 8));
      int etherType = NativeMemory.getShortBE(frame + 12);
      h = mix(h, etherType);
      long ip = frame + 14;
      if (etherType == 0x0800 && length >= 34) {
        int ihl = (NativeMemory.getByte(ip) & 0xF) * 4;
        int protocol = NativeMemory.getByte(ip + 9) & 0xFF;
        h = mix(h, NativeMemory.getInt(ip + 12));
        h = mix(h, NativeMemory.getInt(ip + 16));
        h = mix(h, protocol);
        boolean firstOrWhole = (NativeMemory.getShortBE(ip + 6) & 0x1FFF) == 0;
        boolean ports = protocol == 6 || protocol == 17 || protocol == 132;
        if (firstOrWhole && ports && ihl >= 20 && length >= 14 + ihl + 4) {
          h = mix(h, NativeMemory.getInt(ip + ihl));
        }
      }
    }
    h ^= h >>> 16;
    h *= 0x85EB_CA6B;
    h ^= h >>> 13;
    return 0xC000 | (h & 0x3FFF);
  }

  private static int mix(int h, int v) {
    return Integer.rotateLeft(h ^ v * 0xCC9E_2D51, 13) * 5 + 0xE654_6B64;
  }
}
