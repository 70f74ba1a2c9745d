package io.vswitch.dataplane.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Reads and writes classic libpcap files (microsecond, Ethernet), enough for tests. */
public final class Pcap {
  private static final int MAGIC = 0xa1b2c3d4;

  /** The nanosecond-timestamp variant, which DPDK's net_pcap writes. */
  private static final int MAGIC_NANOS = 0xa1b23c4d;

  private static final int LINKTYPE_ETHERNET = 1;

  private Pcap() {}

  public static void write(Path file, List<byte[]> frames) {
    int size = 24 + frames.stream().mapToInt(f -> 16 + f.length).sum();
    ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    out.putInt(MAGIC).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0);
    out.putInt(65535).putInt(LINKTYPE_ETHERNET);
    for (int i = 0; i < frames.size(); i++) {
      byte[] frame = frames.get(i);
      out.putInt(i).putInt(0).putInt(frame.length).putInt(frame.length).put(frame);
    }
    try {
      Files.write(file, out.array());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static List<byte[]> read(Path file) {
    ByteBuffer in;
    try {
      in = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int magic = in.remaining() < 24 ? 0 : in.getInt();
    if (magic != MAGIC && magic != MAGIC_NANOS) {
      throw new IllegalArgumentException(file + " is not a little-endian pcap file");
    }
    in.position(24);
    List<byte[]> frames = new ArrayList<>();
    while (in.remaining() >= 16) {
      in.getInt();
      in.getInt();
      int captured = in.getInt();
      in.getInt();
      byte[] frame = new byte[captured];
      in.get(frame);
      frames.add(frame);
    }
    return frames;
  }

  /** Frames equal byte for byte, in the same order. */
  public static boolean sameFrames(List<byte[]> a, List<byte[]> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (!Arrays.equals(a.get(i), b.get(i))) {
        return false;
      }
    }
    return true;
  }
}
