package io.vswitch.dataplane.conntrack;

import io.vswitch.dataplane.acl.AclFields;
import io.vswitch.dataplane.acl.AclKeys;
import io.vswitch.ffm.NativeMemory;

/**
 * Fills a {@link CtPacket} from an IP packet in memory: the tuple, TCP's sequence fields and SYN
 * options, ICMP echo identifiers, and for ICMP errors the tuple of the packet they quote. One per
 * worker (plain scratch fields, no allocation).
 *
 * <p>Two entries, one result. The full parse walks IPv4 options and IPv6 extension headers as
 * {@code AclKeys} does (same bound, same rule for fragments); the stage's parse takes what the ACL
 * keys' walk of the same burst found (addresses, protocol, L4 offset, IP length, fragment status)
 * and reads only the transport header, which needs more of TCP than the flags and, for an ICMP
 * error, the IP header it quotes, which AclKeys never sees. {@code CtParserSharedWalkTest} holds
 * the two to the same fields on crafted and mutated frames. Every read is bounded by {@code
 * readable} and by the IP lengths; what is not there is {@link CtPacket#MALFORMED}, never a guess.
 */
public final class CtParser {
  private static final int IPV4 = 0x0800;
  private static final int IPV6 = 0x86dd;
  private static final int TCP_HEADER = 20;

  // Result of the last L3 walk.
  private int protocol;
  private int l4Offset;
  private int l4Readable;
  private int l4Length;
  private byte status;

  /**
   * Parses the packet whose L3 header is at {@code l3}, with {@code readable} bytes there (the
   * first segment's rest). The IP lengths were checked against the frame by the parse stage.
   */
  public void parse(CtPacket p, long l3, int readable, int etherType) {
    reset(p);
    if (etherType == IPV4 && readable >= 20) {
      p.ipv6 = false;
      p.srcHi = 0;
      p.srcLo = mapped(NativeMemory.getInt(l3 + 12));
      p.dstHi = 0;
      p.dstLo = mapped(NativeMemory.getInt(l3 + 16));
      p.length = NativeMemory.getShortBE(l3 + 2);
      ipv4(l3, readable);
    } else if (etherType == IPV6 && readable >= 40) {
      p.ipv6 = true;
      p.srcHi = Long.reverseBytes(NativeMemory.getLong(l3 + 8));
      p.srcLo = Long.reverseBytes(NativeMemory.getLong(l3 + 16));
      p.dstHi = Long.reverseBytes(NativeMemory.getLong(l3 + 24));
      p.dstLo = Long.reverseBytes(NativeMemory.getLong(l3 + 32));
      p.length = 40 + NativeMemory.getShortBE(l3 + 4);
      ipv6(l3, readable, p.length);
    } else {
      p.kind = CtPacket.UNTRACKED;
      return;
    }
    p.protocol = protocol;
    if (status != CtPacket.TUPLE) {
      p.kind = status;
      return;
    }
    transport(p, l3 + l4Offset);
  }

  /**
   * The same fields as {@link #parse(CtPacket, long, int, int)}, for packet {@code i} of a burst
   * whose headers {@code keys} already walked ({@link AclKeys#extract} from the same frame, L3
   * offset and first-segment bound): the addresses, protocol, L4 offset and IP length are taken
   * from there, so only the transport header (ports, TCP sequence fields and options, ICMP) is read
   * here. The ACL key's L4 status says what the walk found: a non-first fragment is {@link
   * CtPacket#FRAGMENT}, a tiny fragment or a chain or header cut short {@link CtPacket#MALFORMED},
   * as the full parse would find.
   */
  public void parse(CtPacket p, long l3, int readable, AclKeys keys, int i) {
    reset(p);
    long[] k = keys.fullKeys(1 << i);
    int b = i * AclFields.COUNT;
    int etherType = (int) k[b + AclFields.ETHER_TYPE];
    boolean v6;
    if (etherType == IPV4 && readable >= 20) {
      v6 = false;
    } else if (etherType == IPV6 && readable >= 40) {
      v6 = true;
    } else {
      p.kind = CtPacket.UNTRACKED;
      return;
    }
    // The key's halves are unsigned-flipped (AclFields.unsigned), IPv4 mapped as here.
    p.ipv6 = v6;
    p.srcHi = k[b + AclFields.SRC_HI] ^ Long.MIN_VALUE;
    p.srcLo = k[b + AclFields.SRC_LO] ^ Long.MIN_VALUE;
    p.dstHi = k[b + AclFields.DST_HI] ^ Long.MIN_VALUE;
    p.dstLo = k[b + AclFields.DST_LO] ^ Long.MIN_VALUE;
    int total = keys.ipLength[i];
    p.length = total;
    protocol = (int) k[b + AclFields.PROTOCOL];
    p.protocol = protocol;
    byte l4 = keys.l4(i);
    if (l4 == AclKeys.L4_FRAGMENT) {
      p.kind = CtPacket.FRAGMENT;
      return;
    }
    int at = keys.l4Offset(i);
    if (l4 != AclKeys.L4_OK || (!v6 && (at < 20 || at > total))) {
      p.kind = CtPacket.MALFORMED;
      return;
    }
    l4Offset = at;
    l4Length = total - at;
    l4Readable = Math.min(total, readable) - at;
    transport(p, l3 + at);
  }

  private static void reset(CtPacket p) {
    p.kind = CtPacket.TUPLE;
    p.keyedZone = 0;
    p.tcpFlags = 0;
    p.payload = 0;
    p.windowScale = -1;
    p.sackPermitted = false;
    p.hasSack = false;
    p.icmpType = 0;
    p.icmpCode = 0;
    p.srcPort = 0;
    p.dstPort = 0;
  }

  /** IPv4: a non-first fragment has no L4 header (RFC 791); offset 1 is RFC 1858's overlap. */
  private void ipv4(long l3, int readable) {
    int ihl = (NativeMemory.getByte(l3) & 0x0F) * 4;
    int total = NativeMemory.getShortBE(l3 + 2);
    protocol = NativeMemory.getByte(l3 + 9) & 0xFF;
    int offset = NativeMemory.getShortBE(l3 + 6) & 0x1FFF;
    status = CtPacket.TUPLE;
    if (offset != 0) {
      status = offset == 1 && protocol == CtPacket.TCP ? CtPacket.MALFORMED : CtPacket.FRAGMENT;
      return;
    }
    if (ihl < 20 || ihl > total) {
      status = CtPacket.MALFORMED;
      return;
    }
    l4Offset = ihl;
    l4Length = total - ihl;
    l4Readable = Math.min(total, readable) - ihl;
  }

  /**
   * IPv6: walks at most {@code AclKeys.MAX_EXTENSION_HEADERS} extension headers within {@code
   * total} and {@code readable}. A non-first fragment is {@link CtPacket#FRAGMENT}.
   */
  private void ipv6(long l3, int readable, int total) {
    int end = Math.min(total, readable);
    int next = NativeMemory.getByte(l3 + 6) & 0xFF;
    int at = 40;
    status = CtPacket.TUPLE;
    for (int n = 0; isExtension(next); n++) {
      if (n == 8 || at + 8 > end) {
        status = CtPacket.MALFORMED;
        protocol = next;
        return;
      }
      long h = l3 + at;
      int following = NativeMemory.getByte(h) & 0xFF;
      if (next == 44) {
        int offset = NativeMemory.getShortBE(h + 2) >>> 3;
        if (offset != 0) {
          protocol = following;
          status =
              offset == 1 && following == CtPacket.TCP ? CtPacket.MALFORMED : CtPacket.FRAGMENT;
          return;
        }
        at += 8;
      } else if (next == 51) {
        at += ((NativeMemory.getByte(h + 1) & 0xFF) + 2) * 4;
      } else {
        at += ((NativeMemory.getByte(h + 1) & 0xFF) + 1) * 8;
      }
      next = following;
    }
    protocol = next;
    if (at > end) {
      status = CtPacket.MALFORMED;
      return;
    }
    l4Offset = at;
    l4Length = total - at;
    l4Readable = end - at;
  }

  private static boolean isExtension(int next) {
    return next == 0 || next == 43 || next == 44 || next == 60 || next == 51;
  }

  private void transport(CtPacket p, long l4) {
    int readable = l4Readable;
    switch (protocol) {
      case CtPacket.TCP -> tcp(p, l4, readable);
      case CtPacket.UDP -> {
        if (readable < 8) {
          p.kind = CtPacket.MALFORMED;
          return;
        }
        p.srcPort = NativeMemory.getShortBE(l4);
        p.dstPort = NativeMemory.getShortBE(l4 + 2);
      }
      case CtPacket.ICMP, CtPacket.ICMPV6 -> icmp(p, l4, readable);
      default -> {} // generic: tracked by addresses and protocol
    }
  }

  private void tcp(CtPacket p, long l4, int readable) {
    int offset = readable >= TCP_HEADER ? (NativeMemory.getByte(l4 + 12) & 0xF0) >>> 2 : 0;
    if (offset < TCP_HEADER || offset > readable || offset > l4Length) {
      p.kind = CtPacket.MALFORMED; // cut short, or a data offset that points nowhere sane
      return;
    }
    p.srcPort = NativeMemory.getShortBE(l4);
    p.dstPort = NativeMemory.getShortBE(l4 + 2);
    p.seq = Integer.reverseBytes(NativeMemory.getInt(l4 + 4));
    p.ack = Integer.reverseBytes(NativeMemory.getInt(l4 + 8));
    p.tcpFlags = NativeMemory.getByte(l4 + 13) & 0xFF;
    p.window = NativeMemory.getShortBE(l4 + 14);
    p.payload = l4Length - offset;
    if (offset > TCP_HEADER) {
      options(p, l4 + TCP_HEADER, offset - TCP_HEADER);
    }
  }

  /** RFC 7323 window scale and RFC 2018 SACK-permitted (on SYNs) and SACK blocks. */
  private static void options(CtPacket p, long at, int length) {
    boolean syn = (p.tcpFlags & CtPacket.SYN) != 0;
    int i = 0;
    while (i < length) {
      int kind = NativeMemory.getByte(at + i) & 0xFF;
      if (kind == 0) {
        return;
      }
      if (kind == 1) {
        i++;
        continue;
      }
      if (i + 1 >= length) {
        return;
      }
      int size = NativeMemory.getByte(at + i + 1) & 0xFF;
      if (size < 2 || i + size > length) {
        return; // a broken option list: stop, as Linux's tcp_options does
      }
      if (syn && kind == 3 && size == 3) {
        p.windowScale = NativeMemory.getByte(at + i + 2) & 0xFF;
      } else if (syn && kind == 4 && size == 2) {
        p.sackPermitted = true;
      } else if (kind == 5 && size >= 10 && (size - 2) % 8 == 0) {
        for (int b = i + 2; b < i + size; b += 8) {
          int right = Integer.reverseBytes(NativeMemory.getInt(at + b + 4));
          if (!p.hasSack || TcpTracker.after(right, p.sackEdge)) {
            p.sackEdge = right;
            p.hasSack = true;
          }
        }
      }
      i += size;
    }
  }

  private void icmp(CtPacket p, long l4, int readable) {
    if (readable < 8) {
      p.kind = CtPacket.MALFORMED;
      return;
    }
    boolean v6 = protocol == CtPacket.ICMPV6;
    int type = NativeMemory.getByte(l4) & 0xFF;
    p.icmpType = type;
    p.icmpCode = NativeMemory.getByte(l4 + 1) & 0xFF;
    if (v6 ? type == 128 || type == 129 : type == 8 || type == 0) {
      int id = NativeMemory.getShortBE(l4 + 4);
      p.srcPort = id;
      p.dstPort = id;
    } else if (v6
        ? type >= 1 && type <= 4
        : type == 3 || type == 4 || type == 5 || type == 11 || type == 12) {
      p.kind = quote(p, l4 + 8, readable - 8, v6) ? CtPacket.ICMP_ERROR : CtPacket.MALFORMED;
    } else {
      p.kind = CtPacket.UNTRACKED; // ND, MLD, router discovery, timestamps...
    }
  }

  /**
   * The packet an ICMP error quotes (RFC 792: its IP header and at least 8 bytes of it; RFC 4443:
   * as much as fits): its tuple as sent. False if the quote is cut before its ports, is a fragment,
   * is of the other IP version, or is itself an ICMP error (errors are never sent about errors).
   */
  private boolean quote(CtPacket p, long q, int readable, boolean v6) {
    int at;
    int proto;
    if (!v6) {
      if (readable < 20 || (NativeMemory.getByte(q) & 0xF0) != 0x40) {
        return false;
      }
      at = (NativeMemory.getByte(q) & 0x0F) * 4;
      if (at < 20 || (NativeMemory.getShortBE(q + 6) & 0x1FFF) != 0) {
        return false;
      }
      proto = NativeMemory.getByte(q + 9) & 0xFF;
      p.innerSrcHi = 0;
      p.innerSrcLo = mapped(NativeMemory.getInt(q + 12));
      p.innerDstHi = 0;
      p.innerDstLo = mapped(NativeMemory.getInt(q + 16));
    } else {
      if (readable < 40 || (NativeMemory.getByte(q) & 0xF0) != 0x60) {
        return false;
      }
      p.innerSrcHi = Long.reverseBytes(NativeMemory.getLong(q + 8));
      p.innerSrcLo = Long.reverseBytes(NativeMemory.getLong(q + 16));
      p.innerDstHi = Long.reverseBytes(NativeMemory.getLong(q + 24));
      p.innerDstLo = Long.reverseBytes(NativeMemory.getLong(q + 32));
      int outerProtocol = protocol;
      ipv6(q, readable, Integer.MAX_VALUE);
      boolean whole = status == CtPacket.TUPLE;
      proto = protocol;
      at = l4Offset;
      protocol = outerProtocol;
      if (!whole) {
        return false;
      }
    }
    p.innerProtocol = proto;
    p.innerSrcPort = 0;
    p.innerDstPort = 0;
    if (proto == CtPacket.TCP || proto == CtPacket.UDP) {
      if (readable - at < 4) {
        return false;
      }
      p.innerSrcPort = NativeMemory.getShortBE(q + at);
      p.innerDstPort = NativeMemory.getShortBE(q + at + 2);
    } else if (proto == CtPacket.ICMP || proto == CtPacket.ICMPV6) {
      if (readable - at < 8) {
        return false;
      }
      int type = NativeMemory.getByte(q + at) & 0xFF;
      if (!(type == 8 || type == 0 || type == 128 || type == 129)) {
        return false;
      }
      int id = NativeMemory.getShortBE(q + at + 4);
      p.innerSrcPort = id;
      p.innerDstPort = id;
    }
    return true;
  }

  private static long mapped(int littleEndian) {
    return 0x0000_FFFF_0000_0000L | (Integer.reverseBytes(littleEndian) & 0xFFFF_FFFFL);
  }
}
