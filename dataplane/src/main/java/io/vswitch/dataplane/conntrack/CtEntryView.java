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
