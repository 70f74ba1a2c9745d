package io.vswitch.dataplane.conntrack;

import java.net.InetAddress;

/**
 * One packet's conntrack fields, filled by {@link CtParser} (or set directly by tests and
 * benchmarks), plus the table's per-call scratch (the normalised key). One per worker, reused for
 * every packet: the per-packet path allocates nothing.
 *
 * <p>Addresses are 128-bit big-endian halves; IPv4 is IPv4-mapped (::ffff:a.b.c.d) with {@link
 * #ipv6} false, which the key keeps apart from a real IPv6 packet that uses a mapped address.
 */
public final class CtPacket {
  /** A packet with a complete L4 header (or a protocol without one): tracked by its tuple. */
  public static final byte TUPLE = 0;

  /** An ICMP/ICMPv6 error whose quoted tuple is in the {@code inner*} fields. */
  public static final byte ICMP_ERROR = 1;

  /** Not tracked: not IP, ICMPv6 ND/MLD, other ICMP informational types. */
  public static final byte UNTRACKED = 2;

  /** A non-first fragment: no L4 header. */
  public static final byte FRAGMENT = 3;

  /** An L4 header cut short, a tiny first fragment (RFC 1858), an unusable ICMP quote. */
  public static final byte MALFORMED = 4;

  public static final int ICMP = 1;
  public static final int TCP = 6;
  public static final int UDP = 17;
  public static final int ICMPV6 = 58;

  public static final int FIN = 0x01;
  public static final int SYN = 0x02;
  public static final int RST = 0x04;
  public static final int PSH = 0x08;
  public static final int ACK = 0x10;
  public static final int URG = 0x20;

  public byte kind;
  public boolean ipv6;
  public long srcHi;
  public long srcLo;
  public long dstHi;
  public long dstLo;
  public int protocol;

  /** TCP/UDP ports; for ICMP echo both carry the identifier; 0 for other protocols. */
  public int srcPort;

  public int dstPort;

  /** The IP packet's length, for the byte counters. */
  public int length;

  public int tcpFlags;
  public int seq;
  public int ack;

  /** The window field as sent (unscaled). */
  public int window;

  /** The window scale option (RFC 7323) of a SYN, or -1 when absent. */
  public int windowScale;

  public boolean sackPermitted;

  /** The highest right edge of the SACK blocks (RFC 2018), valid when {@link #hasSack}. */
  public int sackEdge;

  public boolean hasSack;

  /** TCP payload bytes (what the sequence space advances by, SYN and FIN aside). */
  public int payload;

  public int icmpType;
  public int icmpCode;

  /** For {@link #ICMP_ERROR}: the quoted packet's tuple, as it was sent. */
  public long innerSrcHi;

  public long innerSrcLo;
  public long innerDstHi;
  public long innerDstLo;
  public int innerProtocol;
  public int innerSrcPort;
  public int innerDstPort;

  // The table's scratch: the normalised key of the last lookup and which side sent the packet.
  long k0;
  long k1;
  long k2;
  long k3;
  long k4;
  long hash;
  boolean fromB;

  /**
   * 1 + the zone whose key of this packet's own tuple is in k0..k4 (set by the table's prefetch, so
   * the lookup after it need not normalise and hash again); 0: none. Any other key, and each parse,
   * clears it.
   */
  int keyedZone;

  /** What the burst prefetch read in the key's home index slot (a hint for its next loop only). */
  long homeSlot;

  /** The decoded entry a per-packet update works on. */
  final CtSnapshot snapshot = new CtSnapshot();

  /** A second one, for the victims an early drop looks at. */
  final CtSnapshot spare = new CtSnapshot();

  /** Sets a TCP/IPv4 or IPv6 packet's fields (tests, benchmarks): one call per packet field set. */
  public CtPacket tcp(
      String src, int sport, String dst, int dport, int flags, int seq, int ack, int window) {
    tuple(src, dst, TCP, sport, dport);
    this.tcpFlags = flags;
    this.seq = seq;
    this.ack = ack;
    this.window = window;
    this.windowScale = -1;
    this.sackPermitted = false;
    this.hasSack = false;
    this.payload = 0;
    return this;
  }

  /** Gives the TCP packet {@code bytes} of payload. */
  public CtPacket payload(int bytes) {
    this.payload = bytes;
    this.length += bytes;
    return this;
  }

  /** Gives the SYN a window scale option. */
  public CtPacket windowScale(int shift) {
    this.windowScale = shift;
    return this;
  }

  public CtPacket udp(String src, int sport, String dst, int dport) {
    return tuple(src, dst, UDP, sport, dport);
  }

  /** An ICMP (IPv4) or ICMPv6 echo request or reply with identifier {@code id}. */
  public CtPacket echo(String src, String dst, boolean request, int id) {
    boolean v6 = src.contains(":");
    tuple(src, dst, v6 ? ICMPV6 : ICMP, id, id);
    icmpType = v6 ? (request ? 128 : 129) : (request ? 8 : 0);
    return this;
  }

  /**
   * An ICMP error from {@code src} to {@code dst} (type/code as on the wire) quoting a packet
   * {@code qsrc:qsport -> qdst:qdport} of protocol {@code qproto}.
   */
  public CtPacket icmpError(
      String src,
      String dst,
      int type,
      int code,
      int qproto,
      String qsrc,
      int qsport,
      String qdst,
      int qdport) {
    boolean v6 = src.contains(":");
    tuple(src, dst, v6 ? ICMPV6 : ICMP, 0, 0);
    kind = ICMP_ERROR;
    keyedZone = 0;
    icmpType = type;
    icmpCode = code;
    long[] a = address(qsrc);
    long[] b = address(qdst);
    innerSrcHi = a[0];
    innerSrcLo = a[1];
    innerDstHi = b[0];
    innerDstLo = b[1];
    innerProtocol = qproto;
    innerSrcPort = qsport;
    innerDstPort = qdport;
    return this;
  }

  /** Marks the packet as a non-first fragment. */
  public CtPacket fragment() {
    kind = FRAGMENT;
    return this;
  }

  private CtPacket tuple(String src, String dst, int protocol, int sport, int dport) {
    long[] a = address(src);
    long[] b = address(dst);
    kind = TUPLE;
    keyedZone = 0;
    ipv6 = src.contains(":");
    srcHi = a[0];
    srcLo = a[1];
    dstHi = b[0];
    dstLo = b[1];
    this.protocol = protocol;
    srcPort = sport;
    dstPort = dport;
    length = ipv6 ? 60 : 40;
    tcpFlags = 0;
    payload = 0;
    windowScale = -1;
    hasSack = false;
    return this;
  }

  /** An address literal as {hi, lo}; IPv4 mapped into ::ffff:0:0/96. Not for the data path. */
  static long[] address(String literal) {
    byte[] bytes = InetAddress.ofLiteral(literal).getAddress();
    if (bytes.length == 4) {
      long v4 = ((bytes[0] & 0xFFL) << 24) | ((bytes[1] & 0xFFL) << 16) | ((bytes[2] & 0xFF) << 8);
      return new long[] {0, 0x0000_FFFF_0000_0000L | v4 | (bytes[3] & 0xFF)};
    }
    long hi = 0;
    long lo = 0;
    for (int i = 0; i < 8; i++) {
      hi = (hi << 8) | (bytes[i] & 0xFF);
      lo = (lo << 8) | (bytes[i + 8] & 0xFF);
    }
    return new long[] {hi, lo};
  }
}
