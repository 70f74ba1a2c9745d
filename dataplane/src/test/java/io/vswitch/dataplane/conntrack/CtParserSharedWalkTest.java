package io.vswitch.dataplane.conntrack;

import static io.vswitch.dataplane.conntrack.CtParserTest.concat;
import static io.vswitch.dataplane.conntrack.CtParserTest.icmp;
import static io.vswitch.dataplane.conntrack.CtParserTest.ipv4;
import static io.vswitch.dataplane.conntrack.CtParserTest.ipv6;
import static io.vswitch.dataplane.conntrack.CtParserTest.tcp;
import static io.vswitch.dataplane.conntrack.CtParserTest.udp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.dataplane.acl.AclKeys;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The conntrack parse from the ACL keys' header walk ({@code CtParser.parse(p, l3, readable, keys,
 * i)}, what the stage runs) against the full parse of the same bytes: every field of the packet
 * must come out the same, on crafted frames (TCP with options, UDP, echo, ICMP errors, IPv6
 * extension chains, first/non-first/atomic/tiny fragments, IPv4 options, non-IP), each cut at every
 * length, behind an untagged and a VLAN-tagged Ethernet header, and on thousands of random byte
 * mutations of them. Frames the parse stage would have dropped (IP lengths that lie) are compared
 * too: the two must agree on those as well, although the pipeline never shows them to either.
 */
class CtParserSharedWalkTest {
  private static final int IPV4 = 0x0800;
  private static final int IPV6 = 0x86dd;

  private final Arena arena = Arena.ofConfined();
  private final MemorySegment memory = arena.allocate(4096, 64);
  private final AclKeys keys = new AclKeys();
  private final CtParser full = new CtParser();
  private final CtParser shared = new CtParser();
  private int compared;
  private int tracked;

  @AfterEach
  void close() {
    arena.close();
  }

  private static List<byte[]> seeds4() {
    byte[] syn = concat(new byte[] {2, 4, 5, (byte) 0xb4, 4, 2, 1, 3, 3, 7}, new byte[] {0, 0});
    byte[] sack = {1, 1, 5, 18, 0, 0, 0, 10, 0, 0, 0, 20, 0, 0, 0, 30, 0, 0, 0, 40};
    byte[] offending = ipv4("10.0.0.1", "10.0.0.2", 17, 0, udp(5000, 53));
    List<byte[]> s = new ArrayList<>();
    s.add(ipv4("10.0.0.1", "10.0.0.2", 6, 0x4000, tcp(40000, 80, 0x80000001, 0, 2, 64240, syn, 0)));
    s.add(ipv4("10.0.0.1", "10.0.0.2", 6, 0, tcp(1, 2, 5, 6, 0x10, 100, sack, 300)));
    s.add(ipv4("10.0.0.1", "10.0.0.2", 17, 0, udp(5353, 53)));
    s.add(ipv4("10.0.0.1", "10.0.0.2", 17, 0x2000, udp(1, 2))); // first fragment, MF
    s.add(ipv4("10.0.0.1", "10.0.0.2", 17, 185, new byte[8])); // non-first fragment
    s.add(ipv4("10.0.0.1", "10.0.0.2", 6, 1, new byte[8])); // RFC 1858 overlap
    s.add(ipv4("10.0.0.1", "10.0.0.2", 6, 0x2000, new byte[10])); // tiny first TCP fragment
    s.add(ipv4("10.0.0.1", "10.0.0.2", 1, 0, icmp(8, 0, 0x1234_0001, new byte[0])));
    s.add(ipv4("10.0.0.2", "10.0.0.1", 1, 0, icmp(3, 3, 0, offending)));
    s.add(ipv4("10.0.0.1", "10.0.0.2", 47, 0, new byte[12])); // GRE: tracked by addresses
    s.add(withOptions(ipv4("10.0.0.1", "10.0.0.2", 6, 0, tcp(7, 8, 1, 2, 0x18, 9, sack, 4))));
    return s;
  }

  private static List<byte[]> seeds6() {
    byte[] hopByHop = {17, 0, 0, 0, 0, 0, 0, 0};
    byte[] routing = {60, 0, 0, 0, 0, 0, 0, 0};
    byte[] dstOptions = {6, 0, 0, 0, 0, 0, 0, 0};
    byte[] auth = {17, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}; // AH: (1 + 2) * 4 bytes
    byte[] nonFirst = {17, 0, 0, (byte) 0xB8, 0, 0, 0, 1};
    byte[] firstFragment = {6, 0, 0, 1, 0, 0, 0, 1}; // offset 0, M set
    byte[] atomic = {17, 0, 0, 0, 0, 0, 0, 1};
    byte[] overlap = {6, 0, 0, 8, 0, 0, 0, 1}; // offset 1, TCP
    byte[] loop = {0, 0, 0, 0, 0, 0, 0, 0}; // hop-by-hop pointing at hop-by-hop
    byte[] ack = tcp(40000, 443, 1, 2, 0x10, 100, new byte[0], 0);
    byte[] offending = ipv6("2001:db8::1", "2001:db8::2", 60, concat(dstOptions, ack));
    List<byte[]> s = new ArrayList<>();
    s.add(ipv6("2001:db8::1", "2001:db8::2", 0, concat(hopByHop, udp(5353, 53))));
    s.add(ipv6("2001:db8::1", "2001:db8::2", 43, concat(routing, concat(dstOptions, ack))));
    s.add(ipv6("2001:db8::1", "2001:db8::2", 51, concat(auth, udp(1, 2))));
    s.add(ipv6("2001:db8::1", "2001:db8::2", 44, concat(nonFirst, new byte[8])));
    s.add(ipv6("2001:db8::1", "2001:db8::2", 44, concat(firstFragment, new byte[10])));
    s.add(ipv6("2001:db8::1", "2001:db8::2", 44, concat(atomic, udp(3, 4))));
    s.add(ipv6("2001:db8::1", "2001:db8::2", 44, concat(overlap, new byte[8])));
    byte[] chain = new byte[0];
    for (int n = 0; n < 9; n++) {
      chain = concat(chain, loop);
    }
    s.add(ipv6("2001:db8::1", "2001:db8::2", 0, concat(chain, udp(1, 2)))); // 9 headers: too many
    s.add(ipv6("2001:db8::ff", "2001:db8::1", 58, icmp(2, 0, 1280, offending)));
    s.add(ipv6("2001:db8::1", "2001:db8::2", 58, icmp(128, 0, 0x0042_0001, new byte[4])));
    s.add(ipv6("fe80::1", "ff02::1:ff00:2", 58, icmp(135, 0, 0, new byte[16])));
    s.add(ipv6("2001:db8::1", "2001:db8::2", 6, tcp(1, 2, 3, 4, 0x02, 5, new byte[0], 0)));
    return s;
  }

  /** The IPv4 header grown by 8 bytes of options (IHL 7), lengths fixed up. */
  private static byte[] withOptions(byte[] packet) {
    byte[] out = new byte[packet.length + 8];
    System.arraycopy(packet, 0, out, 0, 20);
    Arrays.fill(out, 20, 28, (byte) 1); // NOPs
    System.arraycopy(packet, 20, out, 28, packet.length - 20);
    out[0] = 0x47;
    int total = out.length;
    out[2] = (byte) (total >>> 8);
    out[3] = (byte) total;
    return out;
  }

  /**
   * Puts {@code l3} behind {@code l2} bytes of Ethernet header, extracts the ACL key as the
   * ACL_KEYS stage does and parses it both ways, cut to {@code readable} bytes of L3.
   */
  private void compare(byte[] l3, int etherType, int l2, int readable, String what) {
    MemorySegment.copy(l3, 0, memory, ValueLayout.JAVA_BYTE, l2, l3.length);
    long frame = memory.address();
    int i = compared & 31;
    io.vswitch.dataplane.testing.AclKeysOf.extractOne(
        keys, i, frame, l2 + readable, etherType, 0x0200_0000_0001L, 0x0200_0000_0002L, 10, l2);
    CtPacket a = new CtPacket();
    CtPacket b = new CtPacket();
    full.parse(a, frame + l2, readable, etherType);
    shared.parse(b, frame + l2, readable, keys, i);
    assertEquals(fields(a), fields(b), what + ", readable " + readable + " behind " + l2);
    compared++;
    tracked += a.kind == CtPacket.TUPLE || a.kind == CtPacket.ICMP_ERROR ? 1 : 0;
  }

  private static String fields(CtPacket p) {
    return "kind=%d v6=%b src=%x/%x dst=%x/%x proto=%d ports=%d/%d len=%d flags=%x seq=%x ack=%x win=%d"
            .formatted(
                p.kind,
                p.ipv6,
                p.srcHi,
                p.srcLo,
                p.dstHi,
                p.dstLo,
                p.protocol,
                p.srcPort,
                p.dstPort,
                p.length,
                p.tcpFlags,
                p.seq,
                p.ack,
                p.window)
        + " ws=%d sackOk=%b sack=%b/%x payload=%d icmp=%d/%d inner=%x/%x>%x/%x %d %d/%d"
            .formatted(
                p.windowScale,
                p.sackPermitted,
                p.hasSack,
                p.sackEdge,
                p.payload,
                p.icmpType,
                p.icmpCode,
                p.innerSrcHi,
                p.innerSrcLo,
                p.innerDstHi,
                p.innerDstLo,
                p.innerProtocol,
                p.innerSrcPort,
                p.innerDstPort);
  }

  @Test
  void everyCraftedFrameAtEveryLengthParsesTheSameFromTheKeys() {
    for (int l2 : new int[] {14, 18}) { // untagged, one 802.1Q tag
      for (byte[] f : seeds4()) {
        for (int cut = 0; cut <= f.length; cut++) {
          compare(f, IPV4, l2, cut, "ipv4 seed");
        }
      }
      for (byte[] f : seeds6()) {
        for (int cut = 0; cut <= f.length; cut++) {
          compare(f, IPV6, l2, cut, "ipv6 seed");
        }
      }
      compare(new byte[28], 0x0806, l2, 28, "ARP");
      compare(seeds4().get(2), IPV6, l2, 28, "IPv4 bytes under the IPv6 ethertype");
    }
    assertTrue(tracked > 100, tracked + " tracked of " + compared);
  }

  @Test
  void randomMutationsOfTheCraftedFramesParseTheSameFromTheKeys() {
    Random random = new Random(12);
    List<byte[]> v4 = seeds4();
    List<byte[]> v6 = seeds6();
    for (int n = 0; n < 40_000; n++) {
      boolean six = random.nextBoolean();
      List<byte[]> seeds = six ? v6 : v4;
      byte[] f = seeds.get(random.nextInt(seeds.size())).clone();
      int flips = 1 + random.nextInt(3);
      for (int k = 0; k < flips; k++) {
        // mostly the headers, where the walk decides things
        int at = random.nextInt(Math.min(f.length, random.nextBoolean() ? 64 : f.length));
        f[at] = (byte) random.nextInt(256);
      }
      int readable = random.nextInt(4) == 0 ? random.nextInt(f.length + 1) : f.length;
      compare(f, six ? IPV6 : IPV4, random.nextBoolean() ? 14 : 18, readable, "mutation " + n);
    }
    assertTrue(tracked > 10_000, tracked + " tracked of " + compared);
  }
}
