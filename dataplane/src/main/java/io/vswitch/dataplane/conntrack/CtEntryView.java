package io.vswitch.dataplane.conntrack;

/**
 * One live connection as the listing shows it, in its original direction (the side that opened it
 * first). A reused flyweight: valid only during {@link ConntrackTable.Visitor#visit}.
 */
public final class CtEntryView {
  public int entry;
  public int zone;
  public boolean ipv6;
  public int protocol;
  public long srcHi;
  public long srcLo;
  public long dstHi;
  public long dstLo;
  public int srcPort;
  public int dstPort;

  /** "SYN_SENT" ... "CLOSE" for TCP; "UNREPLIED" or "REPLIED" otherwise. */
  public String state;

  /** The ingress port of the packet that created it. */
  public int port;

  public long ageSeconds;
  public long expiresInSeconds;
  public long originalPackets;
  public long originalBytes;
  public long replyPackets;
  public long replyBytes;

  // The whole state, for moving a connection to another host (vMotion): what {@link
  // ConntrackTable#forEach} reports and {@link ConntrackTable#importConnection} takes. Direction
  // 0 is the original (the opener's), 1 the reply; the TCP fields are the tracker's windows.

  /** {@link #state} as the table's code (see {@link ConntrackTable#stateCode}). */
  public int stateCode;

  /** A packet went the reply way. */
  public boolean replied;

  /** Not established yet: counts against the embryonic budget. */
  public boolean embryonic;

  public long expiresInMillis;

  /** TCP: highest sequence sent plus its length (td_end), per direction. */
  public final int[] tcpEnd = new int[2];

  /** TCP: highest sequence the peer lets this side send (td_maxend). */
  public final int[] tcpMaxEnd = new int[2];

  /**
   * TCP: largest window advertised, scaled (td_maxwin); 0 until the side speaks after an import.
   */
  public final int[] tcpMaxWindow = new int[2];

  /** TCP: window scale shift (0..14). */
  public final int[] tcpScale = new int[2];

  /** TCP: the tracker's per-direction flags (window scale and SACK offered, FIN seen and acked). */
  public final int[] tcpFlags = new int[2];

  /** A copy of this view, to keep beyond {@link ConntrackTable.Visitor#visit}. */
  public CtEntryView copy() {
    CtEntryView c = new CtEntryView();
    c.entry = entry;
    c.zone = zone;
    c.ipv6 = ipv6;
    c.protocol = protocol;
    c.srcHi = srcHi;
    c.srcLo = srcLo;
    c.dstHi = dstHi;
    c.dstLo = dstLo;
    c.srcPort = srcPort;
    c.dstPort = dstPort;
    c.state = state;
    c.port = port;
    c.ageSeconds = ageSeconds;
    c.expiresInSeconds = expiresInSeconds;
    c.originalPackets = originalPackets;
    c.originalBytes = originalBytes;
    c.replyPackets = replyPackets;
    c.replyBytes = replyBytes;
    c.stateCode = stateCode;
    c.replied = replied;
    c.embryonic = embryonic;
    c.expiresInMillis = expiresInMillis;
    for (int d = 0; d < 2; d++) {
      c.tcpEnd[d] = tcpEnd[d];
      c.tcpMaxEnd[d] = tcpMaxEnd[d];
      c.tcpMaxWindow[d] = tcpMaxWindow[d];
      c.tcpScale[d] = tcpScale[d];
      c.tcpFlags[d] = tcpFlags[d];
    }
    return c;
  }

  /** An address half-pair as text (IPv4 for a mapped address of an IPv4 entry). */
  public String address(long hi, long lo) {
    byte[] b = new byte[ipv6 ? 16 : 4];
    if (ipv6) {
      for (int i = 0; i < 8; i++) {
        b[i] = (byte) (hi >>> (56 - 8 * i));
        b[i + 8] = (byte) (lo >>> (56 - 8 * i));
      }
    } else {
      for (int i = 0; i < 4; i++) {
        b[i] = (byte) (lo >>> (24 - 8 * i));
      }
    }
    try {
      return java.net.InetAddress.getByAddress(b).getHostAddress();
    } catch (java.net.UnknownHostException impossible) {
      throw new AssertionError(impossible);
    }
  }

  @Override
  public String toString() {
    return "zone="
        + zone
        + " proto="
        + protocol
        + " "
        + address(srcHi, srcLo)
        + ":"
        + srcPort
        + " -> "
        + address(dstHi, dstLo)
        + ":"
        + dstPort
        + " "
        + state
        + " port="
        + port
        + " age="
        + ageSeconds
        + "s expires="
        + expiresInSeconds
        + "s orig="
        + originalPackets
        + "/"
        + originalBytes
        + " reply="
        + replyPackets
        + "/"
        + replyBytes;
  }
}
