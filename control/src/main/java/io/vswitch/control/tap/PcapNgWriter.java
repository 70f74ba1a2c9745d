package io.vswitch.control.tap;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * pcapng (draft-ietf-opsawg-pcapng), little-endian: a section header, one interface description
 * carrying the port's name and nanosecond timestamps, then an enhanced packet block per frame with
 * its direction in {@code epb_flags}. For readers that show the interface (Wireshark, tshark;
 * tcpdump reads it too).
 */
public final class PcapNgWriter {
  static final int SECTION_HEADER = 0x0A0D0D0A;
  static final int INTERFACE_DESCRIPTION = 1;
  static final int ENHANCED_PACKET = 6;
  static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;

  private PcapNgWriter() {}

  /** The section header and the interface (the port) whose frames follow. */
  public static void header(ByteArrayOutputStream out, String portName, int snaplen) {
    int32(out, SECTION_HEADER);
    int32(out, 28);
    int32(out, BYTE_ORDER_MAGIC);
    int16(out, 1);
    int16(out, 0);
    int32(out, -1); // section length unknown: 64 bits of -1
    int32(out, -1);
    int32(out, 28);

    byte[] name = portName.getBytes(StandardCharsets.UTF_8);
    int nameOption = 4 + padded(name.length);
    int length = 20 + nameOption + 8 + 4;
    int32(out, INTERFACE_DESCRIPTION);
    int32(out, length);
    int16(out, PcapWriter.LINKTYPE_ETHERNET);
    int16(out, 0);
    int32(out, snaplen);
    int16(out, 2); // if_name
    int16(out, name.length);
    out.write(name, 0, name.length);
    pad(out, name.length);
    int16(out, 9); // if_tsresol: 10^-9
    int16(out, 1);
    int32(out, 9);
    int32(out, 0); // opt_endofopt
    int32(out, length);
  }

  /** One frame; {@code inbound}: received on the port, else sent out of it. */
  public static void record(
      ByteArrayOutputStream out,
      byte[] data,
      int offset,
      int captured,
      int length,
      long nanos,
      boolean inbound) {
    int total = 28 + padded(captured) + 8 + 4 + 4;
    int32(out, ENHANCED_PACKET);
    int32(out, total);
    int32(out, 0); // interface 0: the port
    int32(out, (int) (nanos >>> 32));
    int32(out, (int) nanos);
    int32(out, captured);
    int32(out, length);
    out.write(data, offset, captured);
    pad(out, captured);
    int16(out, 2); // epb_flags: bits 0-1 the direction, 1 inbound, 2 outbound
    int16(out, 4);
    int32(out, inbound ? 1 : 2);
    int32(out, 0); // opt_endofopt
    int32(out, total);
  }

  private static int padded(int n) {
    return (n + 3) & ~3;
  }

  private static void pad(ByteArrayOutputStream out, int n) {
    for (int i = n; i < padded(n); i++) {
      out.write(0);
    }
  }

  private static void int32(ByteArrayOutputStream out, int v) {
    out.write(v);
    out.write(v >>> 8);
    out.write(v >>> 16);
    out.write(v >>> 24);
  }

  private static void int16(ByteArrayOutputStream out, int v) {
    out.write(v);
    out.write(v >>> 8);
  }
}
