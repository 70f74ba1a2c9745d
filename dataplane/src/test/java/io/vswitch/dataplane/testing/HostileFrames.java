package io.vswitch.dataplane.testing;

import static io.vswitch.dataplane.testing.FrameBuilder.frame;

import io.vswitch.dataplane.acl.Acl;
import io.vswitch.dataplane.acl.AclFields;
import io.vswitch.dataplane.acl.AclRule;
import io.vswitch.dataplane.stats.DropReason;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A corpus of frames built to slip L4 rules: IPv6 extension chains in front of TCP/UDP, truncated
 * L4 headers, tiny and overlapping fragments (RFC 1858, RFC 3128), non-first fragments, lying
 * lengths; each with its fate behind {@link #acl()} (deny tcp dst-port 80, deny udp dst-port 53,
 * default allow, fragment policy left to its default, deny): forwarded (null) or the drop reason.
 */
public final class HostileFrames {
  /** What {@link #acl()} is, as switch configuration. */
  public static final String ACL_YAML =
      """
      acls:
        - name: no-web
          default: allow
          rules:
            - {priority: 10, action: deny, protocol: tcp, dst-port: "80"}
            - {priority: 20, action: deny, protocol: udp, dst-port: "53"}
      """;

  private static final int TCP = AclFields.TCP;
  private static final int UDP = AclFields.UDP;
  private static final int HBH = 0;
  private static final int ROUTING = 43;
  private static final int FRAG = 44;
  private static final int AH = 51;
  private static final int DSTOPT = 60;

  /** One frame and where it must go. */
  public record Case(String name, byte[] frame, DropReason fate) {
    public boolean forwarded() {
      return fate == null;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  private HostileFrames() {}

  public static Acl acl() {
    return acl(null);
  }

  /** The corpus ACL with an explicit fragment policy (null: the default). */
  public static Acl acl(Boolean allowFragments) {
    return new Acl(
        "no-web",
        List.of(
            AclRule.builder(10, false).protocol(TCP).dstPorts(80, 80).build(),
            AclRule.builder(20, false).protocol(UDP).dstPorts(53, 53).build()),
        true,
        allowFragments,
        1);
  }

  public static List<Case> corpus() {
    DropReason deny = DropReason.ACL_INGRESS_DENY;
    DropReason unknown = DropReason.ACL_L4_UNKNOWN;
    DropReason fragment = DropReason.ACL_FRAGMENT;
    DropReason tiny = DropReason.TINY_FRAGMENT;
    List<Case> c = new ArrayList<>();
    // Plain frames: the rules work at all.
    c.add(v4("v4 tcp 80", TCP, tcp(80), 0, 0, deny));
    c.add(v4("v4 tcp 443", TCP, tcp(443), 0, 0, null));
    c.add(v4("v4 udp 53", UDP, udp(53), 0, 0, deny));
    c.add(v4("v4 icmp", 1, new byte[8], 0, 0, null));
    c.add(v4("v4 options + tcp 80", TCP, tcp(80), 0, 2, deny));
    c.add(v6("v6 tcp 80", TCP, new byte[0], tcp(80), deny));
    c.add(v6("v6 udp 1000", UDP, new byte[0], udp(1000), null));
    c.add(new Case("arp", frame().etherType(0x0806).payloadLength(28).build(), null));
    // IPv6 extension headers in front of L4: all walked.
    c.add(v6("v6 hbh + tcp 80", HBH, ext(TCP, 8), tcp(80), deny));
    c.add(v6("v6 dstopt(16) + tcp 80", DSTOPT, ext(TCP, 16), tcp(80), deny));
    c.add(v6("v6 routing + tcp 80", ROUTING, ext(TCP, 24), tcp(80), deny));
    c.add(v6("v6 ah + tcp 80", AH, ah(TCP), tcp(80), deny));
    c.add(v6("v6 atomic fragment + tcp 80", FRAG, frag(TCP, 0, false), tcp(80), deny));
    c.add(v6("v6 first fragment + tcp 80", FRAG, frag(TCP, 0, true), tcp(80), deny));
    c.add(v6("v6 hbh + udp 53", HBH, ext(UDP, 8), udp(53), deny));
    c.add(
        v6(
            "v6 hbh+dst+rt+frag+ah+dst + tcp 80",
            HBH,
            concat(
                ext(DSTOPT, 8),
                ext(ROUTING, 8),
                ext(FRAG, 8),
                frag(AH, 0, false),
                ah(DSTOPT),
                ext(TCP, 8)),
            tcp(80),
            deny));
    c.add(v6("v6 hbh+dst + tcp 443", HBH, concat(ext(DSTOPT, 8), ext(TCP, 8)), tcp(443), null));
    c.add(v6("v6 no next header", 59, new byte[0], new byte[8], null));
    // Chains that cannot be walked: L4 unknown.
    byte[] nine = new byte[0];
    for (int k = 0; k < 9; k++) {
      nine = concat(nine, ext(k == 8 ? TCP : DSTOPT, 8));
    }
    c.add(v6("v6 nine dstopts + tcp 443", DSTOPT, nine, tcp(443), unknown));
    byte[] lying = ext(TCP, 8);
    lying[1] = 30; // says 248 bytes, the packet has 28 more
    c.add(v6("v6 hbh longer than the packet", HBH, lying, tcp(443), unknown));
    c.add(v6("v6 hbh cut off", HBH, new byte[4], new byte[0], unknown));
    c.add(v6("v6 hbh + tcp 10 bytes", HBH, ext(TCP, 8), cut(tcp(443), 10), unknown));
    // Truncated L4 headers.
    c.add(v4("v4 tcp 4 bytes", TCP, cut(tcp(443), 4), 0, 0, unknown));
    c.add(v4("v4 tcp 10 bytes", TCP, cut(tcp(80), 10), 0, 0, unknown));
    c.add(v4("v4 tcp 0 bytes", TCP, new byte[0], 0, 0, unknown));
    c.add(v4("v4 udp 2 bytes", UDP, cut(udp(53), 2), 0, 0, unknown));
    c.add(v6("v6 udp 6 bytes", UDP, new byte[0], cut(udp(1000), 6), unknown));
    // Fragments: RFC 1858 tiny and RFC 3128 overlapping ones dropped, non-first ones by policy.
    c.add(v4("v4 first fragment, 8 bytes tcp", TCP, cut(tcp(443), 8), 0x2000, 0, tiny));
    c.add(v4("v4 tcp fragment at offset 1", TCP, new byte[16], 1, 0, tiny));
    c.add(v4("v4 first fragment, 16 bytes tcp 443", TCP, cut(tcp(443), 16), 0x2000, 0, null));
    c.add(v4("v4 first fragment, 24 bytes tcp 80", TCP, pad(tcp(80), 24), 0x2000, 0, deny));
    c.add(v4("v4 non-first fragment tcp", TCP, tcp(80), 185, 0, fragment));
    c.add(v4("v4 last fragment udp", UDP, udp(53), 0x0000 | 3, 0, fragment));
    c.add(v4("v4 udp fragment at offset 1", UDP, new byte[16], 0x2001, 0, fragment));
    c.add(v6("v6 non-first fragment tcp", FRAG, frag(TCP, 2, true), tcp(80), fragment));
    c.add(v6("v6 tcp fragment at offset 1", FRAG, frag(TCP, 1, false), new byte[16], tiny));
    c.add(v6("v6 first fragment, 8 bytes tcp", FRAG, frag(TCP, 0, true), cut(tcp(443), 8), tiny));
    c.add(
        v6(
            "v6 hbh + non-first fragment udp",
            HBH,
            concat(ext(FRAG, 8), frag(UDP, 5, false)),
            udp(53),
            fragment));
    // Lengths that lie: the parse stage drops them.
    byte[] longer = frame().etherType(0x0800).payload(ipv4(TCP, tcp(443), 0, 0)).build();
    longer[14 + 3] = (byte) 200; // total length 200 in a 60-byte frame
    c.add(new Case("v4 total length past the frame", longer, DropReason.BAD_IP_LENGTH));
    byte[] shortV6 = frame().etherType(0x86dd).payload(new byte[30]).build();
    c.add(new Case("v6 header cut off", cut(shortV6, 14 + 30), DropReason.TRUNCATED_HEADER));
    return List.copyOf(c);
  }

  private static Case v4(
      String name, int protocol, byte[] l4, int fragment, int options, DropReason fate) {
    byte[] ip = ipv4(protocol, l4, fragment, options);
    return new Case(name, frame().etherType(0x0800).payload(ip).build(), fate);
  }

  private static Case v6(String name, int next, byte[] chain, byte[] l4, DropReason fate) {
    byte[] ip = ipv6(next, concat(chain, l4));
    return new Case(name, frame().etherType(0x86dd).payload(ip).build(), fate);
  }

  /** IPv4 with {@code options} 4-byte words of NOP options and flags/offset {@code fragment}. */
  public static byte[] ipv4(int protocol, byte[] l4, int fragment, int options) {
    int ihl = 20 + 4 * options;
    ByteBuffer b = ByteBuffer.allocate(ihl + l4.length);
    b.put((byte) (0x40 | ihl / 4)).put((byte) 0).putShort((short) (ihl + l4.length));
    b.putShort((short) 7).putShort((short) fragment).put((byte) 64).put((byte) protocol);
    b.putShort((short) 0).put(address("10.0.0.1")).put(address("10.0.0.2"));
    for (int k = 0; k < options * 4; k++) {
      b.put((byte) 1);
    }
    b.put(l4);
    byte[] packet = b.array();
    int checksum = IpPackets.checksum(packet, 0, ihl);
    packet[10] = (byte) (checksum >>> 8);
    packet[11] = (byte) checksum;
    return packet;
  }

  public static byte[] ipv6(int next, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(40 + payload.length);
    b.putInt(0x6000_0000).putShort((short) payload.length).put((byte) next).put((byte) 64);
    b.put(address("fd00::1")).put(address("fd00::2")).put(payload);
    return b.array();
  }

  public static byte[] tcp(int dport) {
    ByteBuffer b = ByteBuffer.allocate(20);
    b.putShort((short) 40000).putShort((short) dport).putInt(1).putInt(0);
    b.put((byte) 0x50).put((byte) 0x02).putShort((short) 1024);
    return b.array();
  }

  public static byte[] udp(int dport) {
    ByteBuffer b = ByteBuffer.allocate(8);
    b.putShort((short) 5000).putShort((short) dport).putShort((short) 8);
    return b.array();
  }

  /** An options header (hop-by-hop, destination, routing) of {@code length} bytes (8k). */
  static byte[] ext(int next, int length) {
    byte[] h = new byte[length];
    h[0] = (byte) next;
    h[1] = (byte) (length / 8 - 1);
    if (length > 2) {
      h[2] = 1; // PadN over the rest
      h[3] = (byte) (length - 4);
    }
    return h;
  }

  static byte[] frag(int next, int offsetUnits, boolean more) {
    ByteBuffer b = ByteBuffer.allocate(8);
    b.put((byte) next).put((byte) 0).putShort((short) (offsetUnits << 3 | (more ? 1 : 0)));
    b.putInt(0x1234);
    return b.array();
  }

  /** An authentication header with a 96-bit ICV: 24 bytes, length field 4 (RFC 4302). */
  static byte[] ah(int next) {
    byte[] h = new byte[24];
    h[0] = (byte) next;
    h[1] = 4;
    return h;
  }

  static byte[] cut(byte[] data, int length) {
    return Arrays.copyOf(data, length);
  }

  static byte[] pad(byte[] data, int length) {
    return Arrays.copyOf(data, length);
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static byte[] address(String literal) {
    return InetAddress.ofLiteral(literal).getAddress();
  }
}
