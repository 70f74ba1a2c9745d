package io.vswitch.perf.frames;

import java.nio.ByteBuffer;

/**
 * Builds the Ethernet/IPv4/UDP frames the benches send. Sizes are RFC 2544 frame sizes, which count
 * the 4-byte FCS: DPDK delivers frames without it, so a "64-byte frame" is 60 bytes here.
 */
public final class Frames {
  /** Bytes of FCS that a frame size counts and a DPDK buffer does not hold. */
  public static final int FCS = 4;

  /** Smallest Ethernet frame, FCS included. */
  public static final int MIN_FRAME = 64;

  public static final int MAX_FRAME = 1518;

  private static final int ETH = 14;
  private static final int IPV4 = 20;
  private static final int UDP = 8;

  private Frames() {}

  /** A locally administered unicast MAC 02:00:xx:xx:xx:xx numbered {@code index}. */
  public static long mac(long index) {
    return 0x0200_0000_0000L | (index & 0xFFFF_FFFFL);
  }

  public static final long BROADCAST = 0xFFFF_FFFF_FFFFL;

  /** {@code mac} as configs and OVS write it: six lower-case hex pairs separated by colons. */
  public static String macText(long mac) {
    StringBuilder out = new StringBuilder(17);
    for (int shift = 40; shift >= 0; shift -= 8) {
      if (shift != 40) {
        out.append(':');
      }
      out.append(String.format("%02x", (mac >>> shift) & 0xFF));
    }
    return out.toString();
  }

  /**
   * An untagged IPv4/UDP frame of {@code frameSize} bytes on the wire (FCS included), so {@code
   * frameSize - 4} bytes long, from {@code srcMac} to {@code dstMac}; {@code flow} varies the IPv4
   * source address and UDP source port so flows differ for ACLs and RSS.
   */
  public static byte[] udp(int frameSize, long srcMac, long dstMac, int flow) {
    if (frameSize < MIN_FRAME || frameSize > 9018) {
      throw new IllegalArgumentException("frame size " + frameSize + " is not 64..9018");
    }
    int length = frameSize - FCS;
    ByteBuffer b = ByteBuffer.allocate(length);
    putMac(b, dstMac);
    putMac(b, srcMac);
    b.putShort((short) 0x0800);
    int ipLength = length - ETH;
    int ipStart = b.position();
    b.put((byte) 0x45).put((byte) 0).putShort((short) ipLength);
    b.putShort((short) 0).putShort((short) 0x4000); // id, don't fragment
    b.put((byte) 64).put((byte) 17).putShort((short) 0); // ttl, UDP, checksum later
    b.putInt(0x0A00_0000 | (1 + (flow & 0xFFFF))); // 10.0.x.y
    b.putInt(0x0A01_0001); // 10.1.0.1
    b.putShort(ipStart + 10, ipChecksum(b.array(), ipStart));
    b.putShort((short) (1024 + (flow % 60000))).putShort((short) 5001);
    b.putShort((short) (ipLength - IPV4)).putShort((short) 0); // UDP checksum 0: none
    for (int i = 0; b.hasRemaining(); i++) {
      b.put((byte) i);
    }
    return b.array();
  }

  /** Outer Ethernet, IPv4 (no options), UDP and VXLAN headers in front of a VXLAN frame. */
  public static final int VXLAN_HEADERS = ETH + IPV4 + UDP + 8;

  /** IANA's VXLAN UDP port (RFC 7348 section 5). */
  public static final int VXLAN_PORT = 4789;

  /**
   * {@code inner} (a whole Ethernet frame) VXLAN-encapsulated as a VTEP sends it (RFC 7348 section
   * 5): outer Ethernet {@code srcMac} to {@code dstMac}, IPv4 {@code srcIp} to {@code dstIp} (DF,
   * TTL 64, header checksum), UDP from {@code sourcePort} to 4789 with checksum 0 (allowed over
   * IPv4), VXLAN with the I flag and {@code vni}. The result is {@link #VXLAN_HEADERS} bytes
   * longer.
   */
  public static byte[] vxlan(
      byte[] inner, long srcMac, long dstMac, int srcIp, int dstIp, int sourcePort, int vni) {
    if (vni < 1 || vni > 0xFF_FFFF || sourcePort < 1 || sourcePort > 0xFFFF) {
      throw new IllegalArgumentException("VNI " + vni + " or UDP port " + sourcePort);
    }
    ByteBuffer b = ByteBuffer.allocate(VXLAN_HEADERS + inner.length);
    putMac(b, dstMac);
    putMac(b, srcMac);
    b.putShort((short) 0x0800);
    int ipStart = b.position();
    int ipLength = IPV4 + UDP + 8 + inner.length;
    b.put((byte) 0x45).put((byte) 0).putShort((short) ipLength);
    b.putShort((short) 0).putShort((short) 0x4000); // id 0, don't fragment
    b.put((byte) 64).put((byte) 17).putShort((short) 0);
    b.putInt(srcIp).putInt(dstIp);
    b.putShort(ipStart + 10, ipChecksum(b.array(), ipStart));
    b.putShort((short) sourcePort).putShort((short) VXLAN_PORT);
    b.putShort((short) (ipLength - IPV4)).putShort((short) 0);
    b.putInt(0x0800_0000).putInt(vni << 8); // I flag; VNI, reserved
    b.put(inner);
    return b.array();
  }

  /**
   * The outer UDP source port a VTEP picks for {@code inner}: a hash of its MACs, IPv4 addresses
   * and UDP ports folded into 49152..65535 (RFC 7348 section 5), so each inner flow keeps one port
   * and different flows spread over the underlay's ECMP paths.
   */
  public static int vxlanSourcePort(byte[] inner) {
    int h = 0x9E37_79B9;
    int[][] fields = {{0, 12}, {ETH + 12, ETH + IPV4 + 4}}; // MACs; IPv4 src, dst, UDP ports
    for (int[] range : fields) {
      for (int i = range[0]; i < Math.min(range[1], inner.length); i++) {
        h = (h ^ (inner[i] & 0xFF)) * 0x0100_0193;
      }
    }
    h ^= h >>> 16;
    return 49152 | (h & 0x3FFF);
  }

  /** Offset of the UDP payload in frames built by {@link #udp}: where timestamps go. */
  public static final int PAYLOAD_OFFSET = ETH + IPV4 + UDP;

  private static void putMac(ByteBuffer b, long mac) {
    for (int shift = 40; shift >= 0; shift -= 8) {
      b.put((byte) (mac >>> shift));
    }
  }

  static short ipChecksum(byte[] frame, int start) {
    int sum = 0;
    for (int i = start; i < start + IPV4; i += 2) {
      sum += ((frame[i] & 0xFF) << 8) | (frame[i + 1] & 0xFF);
    }
    while ((sum >>> 16) != 0) {
      sum = (sum & 0xFFFF) + (sum >>> 16);
    }
    return (short) ~sum;
  }
}
