package io.vswitch.control.plane;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code journal.meta}: how far the journal reached when the last change was acknowledged (its
 * sequence, the journal's length then, and that record's checksum). A journal shorter than this,
 * missing, or with another record in that place lost acknowledged changes; without the marker a
 * truncated journal would look like a shorter, intact one. Replaced atomically (write a temporary
 * file, fsync, rename, fsync the directory), so a crash leaves the old marker or the new one.
 *
 * @param sequence the last acknowledged change (0: none yet)
 * @param length the journal's length in bytes after it
 * @param crc that record's payload checksum (0 when there is none)
 */
record JournalMeta(long sequence, long length, int crc) {
  static final String FILE = "journal.meta";
  private static final Pattern LINE =
      Pattern.compile(
          "vswitch-journal-meta 1 sequence=([0-9]{1,18}) length=([0-9]{1,18})"
              + " crc=([0-9a-f]{8}) check=([0-9a-f]{8})\n");

  static final JournalMeta EMPTY = new JournalMeta(0, 0, 0);

  /** The marker in {@code dir}, empty when there is none. */
  static Optional<JournalMeta> read(Path dir) {
    Path file = dir.resolve(FILE);
    String text;
    try {
      byte[] bytes = Files.readAllBytes(file);
      text = bytes.length > 256 ? "" : new String(bytes, StandardCharsets.ISO_8859_1);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new JournalException("journal marker " + file + " cannot be read: " + e.getMessage());
    }
    Matcher m = LINE.matcher(text);
    if (!m.matches() || !m.group(4).equals(check(body(m)))) {
      throw JournalException.lostChanges("journal marker " + file + " is damaged");
    }
    return Optional.of(
        new JournalMeta(
            Long.parseLong(m.group(1)),
            Long.parseLong(m.group(2)),
            (int) Long.parseLong(m.group(3), 16)));
  }

  /** Replaces the marker in {@code dir} durably. */
  void write(Path dir) throws IOException {
    String body =
        "vswitch-journal-meta 1 sequence="
            + sequence
            + " length="
            + length
            + " crc="
            + JournalFormat.hex(crc);
    byte[] line = (body + " check=" + check(body) + "\n").getBytes(StandardCharsets.ISO_8859_1);
    Path tmp = dir.resolve(FILE + ".tmp");
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer buffer = ByteBuffer.wrap(line);
      while (buffer.hasRemaining()) {
        ch.write(buffer);
      }
      ch.force(true);
    }
    Files.move(
        tmp,
        dir.resolve(FILE),
        StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
    syncDirectory(dir);
  }

  /** Makes a rename or a new file in {@code dir} durable (Linux: fsync on the directory). */
  static void syncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  private static String body(Matcher m) {
    return "vswitch-journal-meta 1 sequence="
        + m.group(1)
        + " length="
        + m.group(2)
        + " crc="
        + m.group(3);
  }

  private static String check(String body) {
    byte[] b = body.getBytes(StandardCharsets.ISO_8859_1);
    return JournalFormat.hex(JournalFormat.crc(b, 0, b.length));
  }
}
