package io.vswitch.dataplane.conntrack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CtParserTest {
  private static final int IPV4 = 0x0800;
  private static final int IPV6 = 0x86dd;

  private final Arena arena = Arena.ofConfined();
  private final CtParser parser = new CtParser();
  private final CtPacket p = new CtPacket();

  @AfterEach
  void close() {
    arena.close();
  }

  private CtPacket parse(byte[] packet, int etherType) {
    return parse(packet, etherType, packet.length);
  }

  private CtPacket parse(byte[] packet, int etherType, int readable) {
    MemorySegment seg = arena.allocate(packet.length + 64);
    MemorySegment.copy(packet, 0, seg, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, packet.length);
    parser.parse(p, seg.address(), readable, etherType);
    return p;
  }

  private static byte[] addr(String literal) {
    return InetAddress.ofLiteral(literal).getAddress();
  }

  static byte[] ipv4(String src, String dst, int protocol, int fragment, byte[] l4) {
    ByteBuffer b = ByteBuffer.allocate(20 + l4.length);
    b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + l4.length));
    b.putShort((short) 1).putShort((short) fragment).put((byte) 64).put((byte) protocol);
    b.putShort((short) 0).put(addr(src)).put(addr(dst)).put(l4);
    return b.array();
  }

  static byte[] ipv6(String src, String dst, int next, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(40 + payload.length);
    b.putInt(0x6000_0000).putShort((short) payload.length).put((byte) next).put((byte) 64);
    b.put(addr(src)).put(addr(dst)).put(payload);
    return b.array();
  }

  static byte[] tcp(
      int sport, int dport, int seq, int ack, int flags, int window, byte[] options, int payload) {
    ByteBuffer b = ByteBuffer.allocate(20 + options.length + payload);
    b.putShort((short) sport).putShort((short) dport).putInt(seq).putInt(ack);
    b.put((byte) (((20 + options.length) / 4) << 4)).put((byte) flags).putShort((short) window);
    b.putInt(0).put(options);
    return b.array();
  }

  static byte[] udp(int sport, int dport) {
    return ByteBuffer.allocate(8)
        .putShort((short) sport)
        .putShort((short) dport)
        .putShort((short) 8)
        .array();
  }

  static byte[] icmp(int type, int code, int rest, byte[] quote) {
    return ByteBuffer.allocate(8 + quote.length)
        .put((byte) type)
        .put((byte) code)
        .putShort((short) 0)
        .putInt(rest)
        .put(quote)
        .array();
  }

  static byte[] concat(byte[] a, byte[] b) {
    return ByteBuffer.allocate(a.length + b.length).put(a).put(b).array();
  }

  @Test
  void aTcpSynGivesItsSequenceWindowAndOptions() {
    byte[] options = {2, 4, 5, (byte) 0xb4, 4, 2, 1, 3, 3, 7};
    byte[] opts = concat(options, new byte[] {0, 0}); // padded to 12
    parse(
        ipv4("10.0.0.1", "10.0.0.2", 6, 0x4000, tcp(40000, 80, 0x80000001, 0, 2, 64240, opts, 0)),
        IPV4);
    assertEquals(CtPacket.TUPLE, p.kind);
    assertFalse(p.ipv6);
    assertEquals(0x0000_FFFF_0A00_0001L, p.srcLo);
    assertEquals(6, p.protocol);
    assertEquals(40000, p.srcPort);
    assertEquals(80, p.dstPort);
    assertEquals(0x80000001, p.seq);
    assertEquals(2, p.tcpFlags);
    assertEquals(64240, p.window);
    assertEquals(7, p.windowScale);
    assertTrue(p.sackPermitted);
    assertEquals(0, p.payload);
    assertEquals(52, p.length);
  }

  @Test
  void aTcpSegmentGivesItsPayloadLengthAndSackEdge() {
    byte[] sack = {1, 1, 5, 18, 0, 0, 0, 10, 0, 0, 0, 20, 0, 0, 0, 30, 0, 0, 0, 40};
    parse(ipv4("10.0.0.1", "10.0.0.2", 6, 0, tcp(1, 2, 5, 6, 0x10, 100, sack, 300)), IPV4);
    assertEquals(300, p.payload);
    assertTrue(p.hasSack);
    assertEquals(40, p.sackEdge);
    assertEquals(-1, p.windowScale, "window scale is read from SYNs only");
  }

  @Test
  void cutShortOrNonsenseTcpHeadersAreMalformed() {
    byte[] whole = ipv4("10.0.0.1", "10.0.0.2", 6, 0, tcp(1, 2, 5, 6, 0x10, 100, new byte[0], 0));
    assertEquals(CtPacket.MALFORMED, parse(whole, IPV4, 30).kind);
    whole[20 + 12] = (byte) 0xF0; // data offset 60 > the segment
    assertEquals(CtPacket.MALFORMED, parse(whole, IPV4).kind);
    whole[20 + 12] = (byte) 0x40; // data offset 16 < 20
    assertEquals(CtPacket.MALFORMED, parse(whole, IPV4).kind);
  }

  @Test
  void ipv6ExtensionHeadersAreWalkedToTheTransport() {
    byte[] hopByHop = {17, 0, 0, 0, 0, 0, 0, 0};
    parse(ipv6("2001:db8::1", "2001:db8::2", 0, concat(hopByHop, udp(5353, 53))), IPV6);
    assertEquals(CtPacket.TUPLE, p.kind);
    assertTrue(p.ipv6);
    assertEquals(0x2001_0db8_0000_0000L, p.srcHi);
    assertEquals(2, p.dstLo);
    assertEquals(17, p.protocol);
    assertEquals(5353, p.srcPort);
    assertEquals(53, p.dstPort);
  }

  @Test
  void nonFirstFragmentsAreFragmentsAndRfc1858OverlapsMalformed() {
    assertEquals(
        CtPacket.FRAGMENT, parse(ipv4("10.0.0.1", "10.0.0.2", 17, 185, new byte[8]), IPV4).kind);
    assertEquals(
        CtPacket.MALFORMED, parse(ipv4("10.0.0.1", "10.0.0.2", 6, 1, new byte[8]), IPV4).kind);
    byte[] fragmentHeader = {17, 0, 0, (byte) 0xB8, 0, 0, 0, 1}; // offset 23 (x8)
    assertEquals(
        CtPacket.FRAGMENT,
        parse(ipv6("2001:db8::1", "2001:db8::2", 44, concat(fragmentHeader, new byte[8])), IPV6)
            .kind);
    byte[] first = ipv4("10.0.0.1", "10.0.0.2", 17, 0x2000, udp(1, 2)); // MF set, offset 0
    assertEquals(CtPacket.TUPLE, parse(first, IPV4).kind, "a first fragment is tracked");
  }

  @Test
  void neighbourDiscoveryAndNonIpAreUntracked() {
    assertEquals(
        CtPacket.UNTRACKED,
        parse(ipv6("fe80::1", "ff02::1:ff00:2", 58, icmp(135, 0, 0, new byte[16])), IPV6).kind);
    assertEquals(CtPacket.UNTRACKED, parse(new byte[28], 0x0806).kind);
  }

  @Test
  void echoCarriesItsIdentifierInBothPorts() {
    parse(ipv4("10.0.0.1", "10.0.0.2", 1, 0, icmp(8, 0, 0x1234_0001, new byte[0])), IPV4);
    assertEquals(CtPacket.TUPLE, p.kind);
    assertEquals(8, p.icmpType);
    assertEquals(0x1234, p.srcPort);
    assertEquals(0x1234, p.dstPort);
  }

  @Test
  void anIcmpErrorQuotesTheTupleOfTheOffendingPacketAndIsRelatedToItsConnection() {
    byte[] offending = ipv4("10.0.0.1", "10.0.0.2", 17, 0, udp(5000, 53));
    parse(ipv4("10.0.0.2", "10.0.0.1", 1, 0, icmp(3, 3, 0, offending)), IPV4);
    assertEquals(CtPacket.ICMP_ERROR, p.kind);
    assertEquals(17, p.innerProtocol);
    assertEquals(5000, p.innerSrcPort);
    assertEquals(53, p.innerDstPort);
    assertEquals(0x0000_FFFF_0A00_0001L, p.innerSrcLo);
    try (ConntrackTable table = new ConntrackTable(16)) {
      CtPacket request = new CtPacket().udp("10.0.0.1", 5000, "10.0.0.2", 53);
      table.commit(1, 1, request, 10_000);
      int r = table.track(1, 1, p, 10_000);
      assertEquals(CtResult.RELATED, CtResult.verdict(r));
      assertTrue(CtResult.isReply(r));
    }
  }

  @Test
  void anIcmpv6ErrorQuotesAnIpv6PacketBehindItsExtensionHeaders() {
    byte[] dstOptions = {6, 0, 0, 0, 0, 0, 0, 0};
    byte[] offending =
        ipv6(
            "2001:db8::1",
            "2001:db8::2",
            60,
            concat(dstOptions, tcp(40000, 443, 1, 2, 0x10, 100, new byte[0], 0)));
    parse(ipv6("2001:db8::ff", "2001:db8::1", 58, icmp(2, 0, 1280, offending)), IPV6);
    assertEquals(CtPacket.ICMP_ERROR, p.kind);
    assertEquals(6, p.innerProtocol);
    assertEquals(40000, p.innerSrcPort);
    assertEquals(443, p.innerDstPort);
    assertEquals(1, p.innerSrcLo);
  }

  @Test
  void unusableQuotesAreMalformed() {
    byte[] innerError = ipv4("10.0.0.2", "10.0.0.1", 1, 0, icmp(3, 1, 0, new byte[0]));
    assertEquals(
        CtPacket.MALFORMED,
        parse(ipv4("10.0.0.3", "10.0.0.2", 1, 0, icmp(3, 1, 0, innerError)), IPV4).kind,
        "an error about an error");
    byte[] v6 = ipv6("2001:db8::1", "2001:db8::2", 17, udp(1, 2));
    assertEquals(
        CtPacket.MALFORMED,
        parse(ipv4("10.0.0.3", "10.0.0.2", 1, 0, icmp(3, 1, 0, v6)), IPV4).kind,
        "an IPv6 quote in an ICMPv4 error");
    byte[] cut = java.util.Arrays.copyOf(ipv4("10.0.0.1", "10.0.0.2", 17, 0, udp(1, 2)), 22);
    assertEquals(
        CtPacket.MALFORMED,
        parse(ipv4("10.0.0.3", "10.0.0.1", 1, 0, icmp(11, 0, 0, cut)), IPV4).kind,
        "cut before the ports");
  }
}
