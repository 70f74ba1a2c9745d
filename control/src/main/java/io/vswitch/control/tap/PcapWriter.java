package io.vswitch.control.tap;

import java.io.ByteArrayOutputStream;

/**
 * Classic pcap (the libpcap file format, nanosecond timestamps, Ethernet), written little-endian:
 * the file header once, then a record per frame. What tcpdump, tshark and Wireshark read.
 */
public final class PcapWriter {
  /** The nanosecond-resolution magic; readers byte-swap it to learn the order. */
  static final int MAGIC_NANOS = 0xa1b23c4d;

  static final int LINKTYPE_ETHERNET = 1;
  static final int HEADER_BYTES = 24;
  static final int RECORD_HEADER_BYTES = 16;

  private PcapWriter() {}

  /** The file header for frames of at most {@code snaplen} bytes. */
  public static void header(ByteArrayOutputStream out, int snaplen) {
    int32(out, MAGIC_NANOS);
    int16(out, 2);
    int16(out, 4);
    int32(out, 0); // thiszone
    int32(out, 0); // sigfigs
    int32(out, snaplen);
    int32(out, LINKTYPE_ETHERNET);
  }

  /** One frame: {@code captured} of its {@code length} bytes, at wall-clock {@code nanos}. */
  public static void record(
      ByteArrayOutputStream out, byte[] data, int offset, int captured, int length, long nanos) {
    int32(out, (int) (nanos / 1_000_000_000L));
    int32(out, (int) (nanos % 1_000_000_000L));
    int32(out, captured);
    int32(out, length);
    out.write(data, offset, captured);
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
