package io.vswitch.dataplane.testing;

import java.net.InetAddress;
import java.nio.ByteBuffer;

/** IPv4 and IPv6 packets (the Ethernet payload) with a TCP or UDP header, for ACL and QoS tests. */
public final class IpPackets {
  public static final int TCP = 6;
  public static final int UDP = 17;

  private IpPackets() {}

  /** IPv4 with a valid header checksum and an L4 header of 20 (TCP) or 8 (UDP) bytes. */
  public static byte[] ipv4(String src, String dst, int protocol, int sport, int dport, int flags) {
    return ipv4(src, dst, protocol, sport, dport, flags, 0);
  }

  public static byte[] ipv4(
      String src, String dst, int protocol, int sport, int dport, int flags, int tos) {
    byte[] l4 = l4(protocol, sport, dport, flags);
    ByteBuffer b = ByteBuffer.allocate(20 + l4.length);
    b.put((byte) 0x45).put((byte) tos).putShort((short) (20 + l4.length));
    b.putShort((short) 1).putShort((short) 0x4000).put((byte) 64).put((byte) protocol);
    b.putShort((short) 0).put(address(src)).put(address(dst)).put(l4);
    byte[] packet = b.array();
    int checksum = checksum(packet, 0, 20);
    packet[10] = (byte) (checksum >>> 8);
    packet[11] = (byte) checksum;
    return packet;
  }

  public static byte[] ipv6(String src, String dst, int protocol, int sport, int dport, int flags) {
    byte[] l4 = l4(protocol, sport, dport, flags);
    ByteBuffer b = ByteBuffer.allocate(40 + l4.length);
    b.putInt(0x6000_0000).putShort((short) l4.length).put((byte) protocol).put((byte) 64);
    b.put(address(src)).put(address(dst)).put(l4);
    return b.array();
  }

  private static byte[] l4(int protocol, int sport, int dport, int flags) {
    if (protocol == TCP) {
      ByteBuffer b = ByteBuffer.allocate(20);
      b.putShort((short) sport).putShort((short) dport).putInt(1).putInt(0);
      b.put((byte) 0x50).put((byte) flags).putShort((short) 1024);
      return b.array();
    }
    ByteBuffer b = ByteBuffer.allocate(8);
    b.putShort((short) sport).putShort((short) dport).putShort((short) 8);
    return b.array();
  }

  private static byte[] address(String literal) {
    return InetAddress.ofLiteral(literal).getAddress();
  }

  /** The Internet checksum (RFC 1071) of {@code length} bytes; 0 over a header with a valid one. */
  public static int checksum(byte[] data, int offset, int length) {
    long sum = 0;
    for (int i = 0; i < length; i += 2) {
      sum += ((data[offset + i] & 0xFF) << 8) | (data[offset + i + 1] & 0xFF);
    }
    while ((sum >>> 16) != 0) {
      sum = (sum & 0xFFFF) + (sum >>> 16);
    }
    return (int) (~sum & 0xFFFF);
  }
}
