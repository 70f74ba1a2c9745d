package io.vswitch.dataplane.acl;

import io.vswitch.dataplane.packet.PacketBatch;
import io.vswitch.ffm.NativeMemory;

/**
 * The classifier's input for a burst: per packet, {@link AclFields#COUNT} longs (one row per
 * packet, so one packet's key is contiguous, read through {@link #fullKeys}), its TCP flags and how
 * complete its L4 part is ({@link #l4}). Extracted once per burst and shared by the ingress and
 * egress ACLs. Allocated once per worker.
 *
 * <p>Every read is bounded by the bytes the first segment holds ({@code readable}) and by the IP
 * lengths: a header the frame does not carry is never read, it is reported through {@link #l4}.
 */
public final class AclKeys {
  /** The key is complete: every field the packet has is in it (also non-IP and portless L4). */
  public static final byte L4_OK = 0;

  /** A non-first IPv4/IPv6 fragment: no L4 header by nature; ports and flags absent. */
  public static final byte L4_FRAGMENT = 1;

  /**
   * The L4 header cannot be found or is cut short: an IPv6 extension chain that does not end inside
   * the packet (or is longer than {@link #MAX_EXTENSION_HEADERS}), TCP shorter than its 20-byte
   * header, UDP shorter than 8. Ports are in the key only when L4 bytes 0-3 exist.
   */
  public static final byte L4_UNKNOWN = 2;

  /**
   * What RFC 1858 / RFC 3128 tell a filter to drop: a TCP fragment at offset 1 (8 bytes, it can
   * overwrite the flags of the first), or a first fragment too short to carry the TCP flags (or the
   * UDP ports).
   */
  public static final byte L4_TINY_FRAGMENT = 3;

  /** IPv6 extension headers walked at most (RFC 8200 names six kinds; more is an attack). */
  public static final int MAX_EXTENSION_HEADERS = 8;

  /**
   * The full keys, one row of {@link AclFields#COUNT} per packet; read them through {@link
   * #fullKeys}. An IPv4 packet's row is written only when something asks for it: the flow cache
   * decides most packets from their two {@link V4FlowTable} words alone, so writing eleven fields
   * per packet for the few misses cost a store stream every packet paid.
   */
  private final long[] key = new long[PacketBatch.MAX_BURST * AclFields.COUNT];

  /** Bit i: packet i's row of {@link #key} is not written yet; its words hold the whole key. */
  private int fromWords;

  // The burst's parse results the last extraction read: an unwritten row is made from its words
  // and these (the MACs), within the same burst.
  private long[] srcMacs;
  private long[] dstMacs;

  public final int[] tcpFlags = new int[PacketBatch.MAX_BURST];

  /**
   * Bit i: packet i took the common IPv4 path, so its L4 status is {@link #L4_OK} and its L4 header
   * is at byte 20; {@link #l4} and {@link #l4Offset} are then not written for it. Nearly every
   * packet is such a packet, and its status and offset follow from the bit: storing them cost every
   * packet two stores that only conntrack and the fragments policy read.
   */
  private int common;

  private final byte[] l4 = new byte[PacketBatch.MAX_BURST];

  // Where the walk found the L4 header (see l4Offset(int)), for packets not in common.
  private final int[] l4Offset = new int[PacketBatch.MAX_BURST];

  /** The IP packet's length by its header (IPv4 total length, IPv6 40 + payload); 0 if not IP. */
  public final int[] ipLength = new int[PacketBatch.MAX_BURST];

  private static final int IPV4 = 0x0800;
  private static final int IPV6 = 0x86dd;
  private static final int HOP_BY_HOP = 0;
  private static final int ROUTING = 43;
  private static final int FRAGMENT = 44;
  private static final int AUTH = 51;
  private static final int DEST_OPTIONS = 60;
  private static final int TCP_HEADER = 20;
  private static final int TCP_FLAGS_END = 14; // the flags are byte 13
  private static final int UDP_HEADER = 8;

  /**
   * Per packet, its key in {@link V4FlowTable}'s two words when the key {@link V4FlowTable#fits}
   * (else {@link #NOT_V4} in {@link #v4Rest}): made here, where the fields are still in registers,
   * so the flow cache does not read eleven fields back and test them again for every packet.
   */
  final long[] v4Addresses = new long[PacketBatch.MAX_BURST];

  final long[] v4Rest = new long[PacketBatch.MAX_BURST];

  /** A {@link #v4Rest} no key has: the packet's key does not fit the IPv4 table. */
  static final long NOT_V4 = -1;

  // Result of the last IPv6 walk (one packet at a time, on the worker: plain fields, no
  // allocation).
  private int protocol;
  private long l4At;
  private int l4Length;
  private int ipTotal;
  private boolean firstFragment;
  private byte status;

  /**
   * Fills the keys of the packets in {@code packets} (a bit per packet), from the parse stage's
   * per-packet results. The IP header lengths were checked by the parse stage against the packet
   * length; {@code readable} (the first segment's length) bounds what is read here.
   *
   * <p>The loop is here and IPv4 is written out in it, not in a method per packet: C2 compiles a
   * method called per packet on its own first (FFM's checks made that 3.8 KB for this one), and
   * code that large is then never inlined into the loop, so every packet paid a call and C2
   * reloaded the loop's state after it. IPv6 and non-IP frames take the call.
   */
  public void extract(
      int packets,
      long[] frame,
      int[] readable,
      int[] etherType,
      long[] srcMac,
      long[] dstMac,
      int[] vlan,
      int[] l3Offset) {
    long[] k = key;
    if (srcMac != srcMacs || dstMac != dstMacs) {
      // Other parse arrays than last time (tests extract packet by packet): the rows still to be
      // made from words must take their MACs from the arrays they were extracted with.
      fullKeys(~packets);
    }
    srcMacs = srcMac;
    dstMacs = dstMac;
    int lazy = 0;
    int simple = 0;
    // A counted loop, not one over the mask's bits: C2 then proves every array index in range
    // once, before the loop, instead of a compare and branch per array per packet (fourteen
    // arrays, whose lengths otherwise take registers the loop needs).
    int end = PacketBatch.loopBound(packets);
    for (int i = 0; i < end; i++) {
      if ((packets & 1 << i) == 0) {
        continue;
      }
      int b = i * AclFields.COUNT;
      int type = etherType[i];
      int tag = vlan[i];
      long l3 = frame[i] + l3Offset[i];
      int l3Readable = readable[i] - l3Offset[i];
      if (type != IPV4) {
        writeL2(k, b, type, srcMac[i], dstMac[i], tag);
        other(k, b, i, l3, l3Readable, type);
        continue;
      }
      if ((tag & ~0xFFF) == 0) {
        // The common packet, from three loads: IPv4 without options, not a fragment, TCP or UDP
        // with its whole header in the packet and in the first segment.
        long w0 = NativeMemory.getLong(l3); // version+IHL, TOS, total length, id, flags+offset
        long w1 = NativeMemory.getLong(l3 + 8); // TTL, protocol, checksum, source
        int proto = (int) (w1 >>> 8) & 0xFF;
        int total = Short.toUnsignedInt(Short.reverseBytes((short) (w0 >>> 16)));
        int header = proto == AclFields.TCP ? TCP_HEADER : UDP_HEADER;
        if ((w0 & 0xFF) == 0x45
            && (w0 >>> 48 & 0xFF3F) == 0
            && (proto == AclFields.TCP || proto == AclFields.UDP)
            && total >= 20 + header
            && l3Readable >= 20 + header) {
          int dst = Integer.reverseBytes(NativeMemory.getInt(l3 + 16));
          int ports = NativeMemory.getInt(l3 + 20);
          int sport = Short.toUnsignedInt(Short.reverseBytes((short) ports));
          int dport = Short.toUnsignedInt(Short.reverseBytes((short) (ports >>> 16)));
          ipLength[i] = total;
          tcpFlags[i] = proto == AclFields.TCP ? NativeMemory.getByte(l3 + 33) & 0xFF : 0;
          v4Addresses[i] = V4FlowTable.addresses(Integer.reverseBytes((int) (w1 >>> 32)), dst);
          v4Rest[i] = V4FlowTable.rest(dport, sport, proto, tag, false);
          lazy |= 1 << i;
          simple |= 1 << i;
          continue;
        }
      }
      // IPv4: the L4 header follows the options unless this is a non-first fragment (RFC 791).
      int src = Integer.reverseBytes(NativeMemory.getInt(l3 + 12));
      int dst = Integer.reverseBytes(NativeMemory.getInt(l3 + 16));
      int ihl = (NativeMemory.getByte(l3) & 0x0F) * 4;
      int proto = NativeMemory.getByte(l3 + 9) & 0xFF;
      int total = NativeMemory.getShortBE(l3 + 2);
      int fragment = NativeMemory.getShortBE(l3 + 6);
      int offset = fragment & 0x1FFF;
      ipLength[i] = total;
      long ports;
      if (offset != 0) {
        l4Offset[i] = 0;
        byte status = offset == 1 && proto == AclFields.TCP ? L4_TINY_FRAGMENT : L4_FRAGMENT;
        ports = transport(i, proto, l3, 0, false, status);
      } else {
        l4Offset[i] = ihl;
        int l4Length = Math.min(total, l3Readable) - ihl;
        ports = transport(i, proto, l3 + ihl, l4Length, (fragment & 0x2000) != 0, L4_OK);
      }
      // Every IPv4 key fits the IPv4 table but one with a VLAN id out of 12 bits: its words are
      // the whole key, and the row waits until asked for. The one that does not fit is written.
      if ((tag & ~0xFFF) == 0) {
        v4Addresses[i] = V4FlowTable.addresses(src, dst);
        v4Rest[i] = V4FlowTable.rest((int) ports, (int) (ports >> 32), proto, tag, false);
        lazy |= 1 << i;
      } else {
        v4Rest[i] = NOT_V4;
        writeL2(k, b, type, srcMac[i], dstMac[i], tag);
        writeV4(k, b, src, dst, proto, (int) (ports >> 32), (int) ports);
      }
    }
    fromWords = fromWords & ~packets | lazy;
    common = common & ~packets | simple;
  }

  /** Packet i's {@code L4_*} status: how complete the L4 part of its key is. */
  public byte l4(int i) {
    return (common & 1 << i) != 0 ? L4_OK : l4[i];
  }

  /**
   * The packets of {@code packets} whose {@link #l4} status is not {@link #L4_OK} (fragments, cut
   * or unseen L4 headers): the few an ACL judges by its fragments policy before its rules.
   */
  public int incomplete(int packets) {
    int odd = 0;
    for (int m = packets & ~common; m != 0; m &= m - 1) {
      int i = Integer.numberOfTrailingZeros(m);
      odd |= l4[i] != L4_OK ? 1 << i : 0;
    }
    return odd;
  }

  /**
   * Where the walk found packet i's L4 header, in bytes from the L3 header (IPv4 options, IPv6
   * extension headers skipped); meaningful when its {@link #l4} status is {@link #L4_OK} and the
   * packet is IP. Kept so that conntrack ({@code CtParser.parse(CtPacket, long, int, AclKeys,
   * int)}) does not walk the same headers again.
   */
  public int l4Offset(int i) {
    return (common & 1 << i) != 0 ? 20 : l4Offset[i];
  }

  /**
   * The full keys, with the rows of the packets in {@code packets} written: a row the extraction
   * left to its words is made from them now (and stays written until the next extraction of that
   * packet). Every reader of a key field calls this first, with the packets it reads.
   */
  public long[] fullKeys(int packets) {
    int missing = packets & fromWords;
    if (missing != 0) {
      fromWords &= ~missing;
      for (; missing != 0; missing &= missing - 1) {
        writeFromWords(Integer.numberOfTrailingZeros(missing));
      }
    }
    return key;
  }

  /**
   * Packet i's row from its two words, which an IPv4 packet's extraction left as its whole key: the
   * words hold the addresses, ports + 1, protocol + 1 and VLAN ({@link V4FlowTable#rest}), and the
   * MACs are the parse's.
   */
  private void writeFromWords(int i) {
    long addresses = v4Addresses[i];
    long rest = v4Rest[i];
    int b = i * AclFields.COUNT;
    int tag = (int) (rest >>> 43) & 0xFFF;
    writeL2(key, b, IPV4, srcMacs[i], dstMacs[i], tag);
    writeV4(
        key,
        b,
        (int) (addresses >>> 32),
        (int) addresses,
        (int) (rest >>> 34 & 0x1FF) - 1,
        (int) (rest >>> 17 & 0x1FFFF) - 1,
        (int) (rest & 0x1FFFF) - 1);
  }

  private static void writeL2(long[] k, int b, int etherType, long src, long dst, int vlan) {
    k[b + AclFields.ETHER_TYPE] = etherType;
    k[b + AclFields.SRC_MAC] = src;
    k[b + AclFields.DST_MAC] = dst;
    k[b + AclFields.VLAN] = vlan;
  }

  private static void writeV4(
      long[] k, int b, int src, int dst, int protocol, int srcPort, int dstPort) {
    k[b + AclFields.SRC_HI] = Long.MIN_VALUE;
    k[b + AclFields.SRC_LO] = v4(src);
    k[b + AclFields.DST_HI] = Long.MIN_VALUE;
    k[b + AclFields.DST_LO] = v4(dst);
    k[b + AclFields.PROTOCOL] = protocol;
    k[b + AclFields.SRC_PORT] = srcPort;
    k[b + AclFields.DST_PORT] = dstPort;
  }

  /** IPv6 and everything else, through the fields of the walk. */
  private void other(long[] k, int b, int i, long l3, int readable, int etherType) {
    protocol = -1;
    l4Length = 0;
    l4At = l3;
    ipTotal = 0;
    firstFragment = false;
    status = L4_OK;
    if (etherType == IPV6) {
      k[b + AclFields.SRC_HI] = AclFields.unsigned(Long.reverseBytes(NativeMemory.getLong(l3 + 8)));
      k[b + AclFields.SRC_LO] =
          AclFields.unsigned(Long.reverseBytes(NativeMemory.getLong(l3 + 16)));
      k[b + AclFields.DST_HI] =
          AclFields.unsigned(Long.reverseBytes(NativeMemory.getLong(l3 + 24)));
      k[b + AclFields.DST_LO] =
          AclFields.unsigned(Long.reverseBytes(NativeMemory.getLong(l3 + 32)));
      ipv6(l3, readable);
    } else {
      k[b + AclFields.SRC_HI] = 0;
      k[b + AclFields.SRC_LO] = 0;
      k[b + AclFields.DST_HI] = 0;
      k[b + AclFields.DST_LO] = 0;
    }
    long ports = transport(i, protocol, l4At, l4Length, firstFragment, status);
    k[b + AclFields.PROTOCOL] = protocol;
    k[b + AclFields.SRC_PORT] = (int) (ports >> 32);
    k[b + AclFields.DST_PORT] = (int) ports;
    l4Offset[i] = (int) (l4At - l3);
    ipLength[i] = ipTotal;
    fillV4Words(k, b, i);
  }

  /** The IPv4 table's words of a key already in {@link #key}, or {@link #NOT_V4}. */
  private void fillV4Words(long[] k, int b, int i) {
    if (V4FlowTable.fits(k, b)) {
      v4Addresses[i] = V4FlowTable.addresses(k, b);
      v4Rest[i] = V4FlowTable.rest(k, b);
    } else {
      v4Rest[i] = NOT_V4;
    }
  }

  /**
   * IPv6: walks hop-by-hop, routing, fragment, destination options and AH headers (at most {@link
   * #MAX_EXTENSION_HEADERS}) to the upper-layer header. A chain that leaves the payload (or the
   * first segment) or does not end in time is {@link #L4_UNKNOWN}.
   */
  private void ipv6(long l3, int readable) {
    ipTotal = 40 + NativeMemory.getShortBE(l3 + 4);
    int end = Math.min(ipTotal, readable);
    int next = NativeMemory.getByte(l3 + 6) & 0xFF;
    int at = 40;
    for (int n = 0; isExtension(next); n++) {
      if (n == MAX_EXTENSION_HEADERS || at + 8 > end) {
        status = L4_UNKNOWN;
        protocol = next;
        return;
      }
      long h = l3 + at;
      int following = NativeMemory.getByte(h) & 0xFF;
      if (next == FRAGMENT) {
        int word = NativeMemory.getShortBE(h + 2);
        int offset = word >>> 3;
        if (offset != 0) {
          protocol = following;
          status = offset == 1 && following == AclFields.TCP ? L4_TINY_FRAGMENT : L4_FRAGMENT;
          return;
        }
        firstFragment = (word & 1) != 0; // offset 0 and M clear: an atomic fragment, whole
        at += 8;
      } else if (next == AUTH) {
        at += ((NativeMemory.getByte(h + 1) & 0xFF) + 2) * 4;
      } else {
        at += ((NativeMemory.getByte(h + 1) & 0xFF) + 1) * 8;
      }
      next = following;
    }
    protocol = next;
    if (at > end) {
      status = L4_UNKNOWN;
      return;
    }
    l4At = l3 + at;
    l4Length = end - at;
  }

  private static boolean isExtension(int next) {
    return next == HOP_BY_HOP
        || next == ROUTING
        || next == FRAGMENT
        || next == DEST_OPTIONS
        || next == AUTH;
  }

  /**
   * Ports when L4 bytes 0-3 exist, TCP flags when byte 13 does; decides the L4 status from the one
   * the L3 walk left. Returns the ports as {@code source << 32 | destination} (-1 each when
   * absent).
   */
  private long transport(
      int i, int protocol, long l4At, int l4Length, boolean firstFragment, byte status) {
    int sport = -1;
    int dport = -1;
    int flags = 0;
    boolean tcp = protocol == AclFields.TCP;
    if ((tcp || protocol == AclFields.UDP) && status == L4_OK) {
      if (l4Length >= 4) {
        sport = NativeMemory.getShortBE(l4At);
        dport = NativeMemory.getShortBE(l4At + 2);
      }
      if (tcp && l4Length >= TCP_FLAGS_END) {
        flags = NativeMemory.getByte(l4At + 13) & 0xFF;
      }
      if (firstFragment) {
        // More fragments follow, so a short header is not cut off, but RFC 1858 still wants the
        // first to carry what filters look at.
        status = l4Length < (tcp ? TCP_FLAGS_END : 4) ? L4_TINY_FRAGMENT : L4_OK;
      } else if (l4Length < (tcp ? TCP_HEADER : UDP_HEADER)) {
        status = L4_UNKNOWN;
      }
    }
    tcpFlags[i] = flags;
    l4[i] = status;
    return (long) sport << 32 | dport & 0xFFFF_FFFFL;
  }

  /** An IPv4 address (host order) as its IPv4-mapped IPv6 key field. */
  private static long v4(int address) {
    return AclFields.unsigned(AclFields.V4_MAPPED | (address & 0xFFFF_FFFFL));
  }

  /** Sets packet {@code i}'s key directly (tests and benchmarks); its L4 part is complete. */
  public void set(int i, long[] fields, int flags) {
    System.arraycopy(fields, 0, key, i * AclFields.COUNT, AclFields.COUNT);
    tcpFlags[i] = flags;
    l4[i] = L4_OK;
    l4Offset[i] = 0;
    ipLength[i] = 0;
    fillV4Words(key, i * AclFields.COUNT, i);
    fromWords &= ~(1 << i);
    common &= ~(1 << i);
  }
}
