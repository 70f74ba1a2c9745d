package io.vswitch.control.ipfix;

import io.vswitch.dataplane.flow.FlowRecord;
import java.nio.ByteBuffer;

/**
 * Builds IPFIX messages (RFC 7011) of flow records in one reused buffer: a 16-byte message header,
 * then Sets (a 4-byte set header each; set 2 holds the templates, 256 and 257 the IPv4 and IPv6
 * data records), each padded with zeros to a multiple of 4 bytes (section 3.3.1: padding is counted
 * in the set's length and shorter than a record). A message never exceeds the size given, so with
 * 1400 bytes it fits a 1500-byte path MTU with its IP and UDP headers.
 *
 * <pre>
 *  message header  version 10 | length | export time (s) | sequence number | observation domain
 *  template 256    8 srcIPv4 4, 12 dstIPv4 4, 7 srcPort 2, 11 dstPort 2, 4 protocol 1,
 *                  6 tcpControlBits 2, 58 vlanId 2, 10 ingressInterface 4, 14 egressInterface 4,
 *                  2 packetDeltaCount 8, 1 octetDeltaCount 8, 152 flowStartMilliseconds 8,
 *                  153 flowEndMilliseconds 8, 136 flowEndReason 1           = 58 bytes a record
 *  template 257    the same with 27 srcIPv6 16, 28 dstIPv6 16              = 82 bytes a record
 * </pre>
 */
public final class IpfixWriter {
  public static final int VERSION = 10;
  public static final int HEADER = 16;
  public static final int SET_HEADER = 4;
  public static final int TEMPLATE_SET = 2;
  public static final int TEMPLATE_IPV4 = 256;
  public static final int TEMPLATE_IPV6 = 257;

  /** The path-MTU-safe default: 1500 less 20 (IPv4) or 40 (IPv6) and 8 (UDP), with room left. */
  public static final int DEFAULT_MESSAGE_SIZE = 1400;

  /** Information elements (RFC 7012 ids) and their lengths, after the two addresses. */
  private static final int[][] COMMON = {
    {7, 2}, {11, 2}, {4, 1}, {6, 2}, {58, 2}, {10, 4}, {14, 4}, {2, 8}, {1, 8}, {152, 8}, {153, 8},
    {136, 1}
  };

  private static final int COMMON_LENGTH = 2 + 2 + 1 + 2 + 2 + 4 + 4 + 8 + 8 + 8 + 8 + 1;
  public static final int RECORD_IPV4 = 4 + 4 + COMMON_LENGTH;
  public static final int RECORD_IPV6 = 16 + 16 + COMMON_LENGTH;

  private final ByteBuffer buf;
  private int setStart = -1;
  private int setId;
  private int records;

  public IpfixWriter(int maxMessage) {
    if (maxMessage < HEADER + templateSetLength() || maxMessage > 65_535) {
      throw new IllegalArgumentException("IPFIX message size " + maxMessage);
    }
    buf = ByteBuffer.allocate(maxMessage);
  }

  /** Bytes of the template set (both templates). */
  public static int templateSetLength() {
    return SET_HEADER + 2 * (4 + 4 * (2 + COMMON.length));
  }

  /** Starts a message (the header is written by {@link #finish}). */
  public void begin() {
    buf.clear();
    buf.position(HEADER);
    setStart = -1;
    records = 0;
  }

  /** Adds the template set; it must come first in the message (the writer has room for it). */
  public void templates() {
    closeSet();
    int start = buf.position();
    buf.putShort((short) TEMPLATE_SET).putShort((short) templateSetLength());
    template(TEMPLATE_IPV4, 8, 12, 4);
    template(TEMPLATE_IPV6, 27, 28, 16);
    if (buf.position() - start != templateSetLength()) {
      throw new IllegalStateException("template set length");
    }
  }

  private void template(int id, int src, int dst, int addressLength) {
    buf.putShort((short) id).putShort((short) (2 + COMMON.length));
    buf.putShort((short) src).putShort((short) addressLength);
    buf.putShort((short) dst).putShort((short) addressLength);
    for (int[] field : COMMON) {
      buf.putShort((short) field[0]).putShort((short) field[1]);
    }
  }

  /**
   * Adds one flow record ({@link FlowRecord} layout) as a data record; {@code epochOffset} turns
   * its CtClock times into milliseconds since the epoch. Returns false, writing nothing, when the
   * message has no room for it (finish this one and begin another).
   */
  public boolean add(long[] r, long epochOffset) {
    long key = r[FlowRecord.KEY];
    boolean v6 = FlowRecord.ipv6(key);
    int id = v6 ? TEMPLATE_IPV6 : TEMPLATE_IPV4;
    int length = v6 ? RECORD_IPV6 : RECORD_IPV4;
    int needed = length + (id == setId && setStart >= 0 ? 0 : SET_HEADER);
    // Room for the record and the padding of two sets (the one closed here, and this one).
    if (buf.position() + needed + 6 > buf.capacity()) {
      return false;
    }
    if (id != setId || setStart < 0) {
      closeSet();
      setStart = buf.position();
      setId = id;
      buf.putShort((short) id).putShort((short) 0);
    }
    if (v6) {
      buf.putLong(FlowRecord.raw(r[FlowRecord.SRC_HI]))
          .putLong(FlowRecord.raw(r[FlowRecord.SRC_LO]));
      buf.putLong(FlowRecord.raw(r[FlowRecord.DST_HI]))
          .putLong(FlowRecord.raw(r[FlowRecord.DST_LO]));
    } else {
      buf.putInt((int) FlowRecord.raw(r[FlowRecord.SRC_LO]));
      buf.putInt((int) FlowRecord.raw(r[FlowRecord.DST_LO]));
    }
    long extra = r[FlowRecord.EXTRA];
    buf.putShort((short) FlowRecord.sourcePort(key));
    buf.putShort((short) FlowRecord.destinationPort(key));
    buf.put((byte) FlowRecord.protocol(key));
    buf.putShort((short) FlowRecord.tcpFlags(extra));
    buf.putShort((short) FlowRecord.vlan(key));
    buf.putInt(FlowRecord.inPort(key) + 1);
    buf.putInt(FlowRecord.egress(extra));
    buf.putLong(r[FlowRecord.PACKETS]);
    buf.putLong(r[FlowRecord.BYTES]);
    buf.putLong(r[FlowRecord.FIRST] + epochOffset);
    buf.putLong(r[FlowRecord.LAST] + epochOffset);
    buf.put((byte) FlowRecord.endReason(extra));
    records++;
    return true;
  }

  private void closeSet() {
    if (setStart < 0) {
      return;
    }
    while ((buf.position() - setStart) % 4 != 0) {
      buf.put((byte) 0);
    }
    buf.putShort(setStart + 2, (short) (buf.position() - setStart));
    setStart = -1;
  }

  /** Data records in the message so far. */
  public int records() {
    return records;
  }

  /** Whether anything (a set) follows the header. */
  public boolean isEmpty() {
    return buf.position() == HEADER;
  }

  /**
   * Closes the last set and writes the header; returns the message (position 0, limit its length).
   * The sequence number is per collector: {@link #sequence} rewrites it before each send.
   */
  public ByteBuffer finish(long exportSeconds, long domain) {
    closeSet();
    int length = buf.position();
    buf.putShort(0, (short) VERSION);
    buf.putShort(2, (short) length);
    buf.putInt(4, (int) exportSeconds);
    buf.putInt(8, 0);
    buf.putInt(12, (int) domain);
    buf.flip();
    return buf;
  }

  /** Sets the finished message's sequence number (data records sent before it, modulo 2^32). */
  public static void sequence(ByteBuffer message, long sequence) {
    message.putInt(8, (int) sequence);
  }
}
