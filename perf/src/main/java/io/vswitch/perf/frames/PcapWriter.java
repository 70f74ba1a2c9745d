package io.vswitch.perf.frames;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/** Writes classic little-endian libpcap files (microsecond timestamps, Ethernet link type). */
public final class PcapWriter {
  private static final int MAGIC = 0xa1b2c3d4;
  private static final int LINKTYPE_ETHERNET = 1;

  private PcapWriter() {}

  /** Writes {@code frames} to {@code file} atomically (a temporary file, then a rename). */
  public static void write(Path file, List<byte[]> frames) {
    write(file, frames.size(), frames::get);
  }

  /**
   * Writes {@code count} frames, frame {@code i} made by {@code frame} as it is written (a capture
   * of millions of frames never held in memory whole), to {@code file} atomically.
   */
  public static void write(Path file, int count, java.util.function.IntFunction<byte[]> frame) {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
      ByteBuffer header = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
      header.putInt(MAGIC).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0);
      header.putInt(65535).putInt(LINKTYPE_ETHERNET);
      out.write(header.array());
      ByteBuffer record = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < count; i++) {
        byte[] bytes = frame.apply(i);
        record.clear();
        record.putInt(i / 1_000_000).putInt(i % 1_000_000).putInt(bytes.length);
        record.putInt(bytes.length);
        out.write(record.array());
        out.write(bytes);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
    try {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
