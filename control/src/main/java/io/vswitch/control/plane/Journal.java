package io.vswitch.control.plane;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The journal of accepted changes: {@code journal.log} in the state directory, an append-only file
 * of length-prefixed, CRC32C-checked JSON records ({@link JournalFormat}, after OVSDB's log), plus
 * the {@link JournalMeta marker} of the last acknowledged change. {@link #append} returns only once
 * the record and then the marker are fsynced, so an acknowledged change survives kill -9 and power
 * loss. On start the daemon restores the last record's configuration; the records are the audit log
 * ({@code vswitchctl history}).
 *
 * <p>Opening tells apart the two ways a journal can end badly. A torn tail (the write in flight
 * when the process or the machine died: a record cut short, zeros, garbage) lies after the last
 * acknowledged change; it is cut off with a warning that says how many bytes went (and kept in
 * {@code journal.log.torn-*}), as OVSDB does. Anything that loses an acknowledged change (damage in
 * an earlier record, a journal shorter than the marker, missing, or replaced by another) is refused
 * with one line; {@link #setAside} moves the files away for an operator who chooses to start over.
 *
 * <p>This replaced Chronicle Queue, by experiment: Chronicle's records carry no checksum (a torn
 * record padded with zeros came back as the latest config, NULs and all), a journal truncated by
 * hundreds of bytes silently lost acknowledged records, a torn header could crash the reader
 * (StackOverflowError, UTFDataFormatRuntimeException) or rename files {@code .discard}, and none of
 * that can be controlled from outside. A plain file makes torn-tail recovery ours and readable.
 */
public final class Journal implements AutoCloseable {
  static final String LOG = "journal.log";
  static final String LOCK = "journal.lock";

  /** Where the journal lived when it was a Chronicle Queue: a directory of .cq4 files. */
  static final String OLD_CHRONICLE_DIR = "journal";

  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");

  private final Path dir;
  private final FileChannel lockChannel;
  private final FileChannel log;
  private final String recoveryWarning;
  private long end; // bytes of intact records
  private ChangeRecord last;
  private boolean failed; // a write failed and could not be undone: refuse further appends

  /**
   * Opens (or creates) the journal in {@code dir}, recovering a torn tail.
   *
   * @throws JournalException when it cannot be restored without losing acknowledged changes, or is
   *     in use by another process
   */
  public Journal(Path dir) {
    this.dir = dir;
    FileChannel lock = null;
    FileChannel channel = null;
    try {
      Files.createDirectories(dir);
      lock = lock(dir);
      JournalMeta meta = existingMetaOrCreate();
      channel =
          FileChannel.open(dir.resolve(LOG), StandardOpenOption.READ, StandardOpenOption.WRITE);
      byte[] bytes = readAll(channel, channel.size());
      JournalFormat.Scan scan = JournalFormat.scan(bytes, bytes.length);
      check(meta, scan, bytes);
      this.log = channel;
      this.end = scan.intactEnd();
      this.last = scan.entries().isEmpty() ? null : scan.entries().getLast().record();
      this.recoveryWarning = scan.damage() == null ? null : cutTornTail(scan, channel.size());
      if (scan.lastSequence() != meta.sequence()) {
        // The record was fsynced but the marker was not (kill -9 between the two): catch it up.
        new JournalMeta(scan.lastSequence(), end, lastCrc(scan)).write(dir);
      }
      this.lockChannel = lock;
    } catch (IOException e) {
      closeQuietly(channel);
      closeQuietly(lock);
      throw new JournalException("journal " + dir.resolve(LOG) + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeQuietly(channel);
      closeQuietly(lock);
      throw e;
    }
  }

  /** A warning to print when opening cut off a torn tail; empty when the journal was whole. */
  public Optional<String> recoveryWarning() {
    return Optional.ofNullable(recoveryWarning);
  }

  /**
   * Moves the journal's files in {@code dir} aside ({@code <name>.damaged-<UTC time>}), never
   * deleting them, so that the next open starts an empty journal. Returns where they went.
   */
  public static List<Path> setAside(Path dir) {
    String suffix = ".damaged-" + ZonedDateTime.now(ZoneOffset.UTC).format(STAMP);
    List<Path> moved = new ArrayList<>();
    try {
      for (String name : List.of(LOG, JournalMeta.FILE, OLD_CHRONICLE_DIR)) {
        Path from = dir.resolve(name);
        if (Files.exists(from)) {
          Path to = dir.resolve(name + suffix);
          Files.move(from, to);
          moved.add(to);
        }
      }
      JournalMeta.syncDirectory(dir);
    } catch (IOException e) {
      throw new JournalException("journal in " + dir + " cannot be set aside: " + e, e);
    }
    return moved;
  }

  /** Appends the change durably; returns its record (with its sequence number). */
  public synchronized ChangeRecord append(String source, String description, String config) {
    if (failed) {
      throw new JournalException(
          "journal " + dir.resolve(LOG) + " failed earlier; restart the switch to recover it");
    }
    long sequence = last == null ? 1 : last.sequence() + 1;
    ChangeRecord record =
        new ChangeRecord(sequence, System.currentTimeMillis(), source, description, config);
    byte[] bytes = JournalFormat.encode(record);
    try {
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      long at = end;
      while (buffer.hasRemaining()) {
        at += log.write(buffer, at);
      }
      log.force(false);
      new JournalMeta(sequence, end + bytes.length, JournalFormat.crcOf(bytes)).write(dir);
    } catch (IOException e) {
      undoPartialAppend();
      throw new JournalException("journal " + dir.resolve(LOG) + ": cannot write: " + e, e);
    }
    end += bytes.length;
    last = record;
    return record;
  }

  /** Bytes of intact records in the log. */
  public synchronized long sizeBytes() {
    return end;
  }

  /** True once a write failed and could not be undone: every further append is refused. */
  public synchronized boolean failed() {
    return failed;
  }

  /** The last accepted change, if any. */
  public synchronized Optional<ChangeRecord> latest() {
    return Optional.ofNullable(last);
  }

  /** Every change, oldest first (read back and checked again). */
  public synchronized List<ChangeRecord> history() {
    try {
      JournalFormat.Scan scan = scan(log, end);
      if (scan.damage() != null) {
        throw new JournalException(
            "journal "
                + dir.resolve(LOG)
                + ": "
                + scan.damage().describe()
                + " (damaged while running)");
      }
      return scan.entries().stream().map(JournalFormat.Entry::record).toList();
    } catch (IOException e) {
      throw new JournalException("journal " + dir.resolve(LOG) + ": cannot read: " + e, e);
    }
  }

  @Override
  public synchronized void close() {
    closeQuietly(log);
    closeQuietly(lockChannel);
  }

  private static FileChannel lock(Path dir) throws IOException {
    FileChannel channel =
        FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      channel.close();
      throw new JournalException(
          "journal in "
              + dir
              + " is in use by another process (another vswitch with this --state-dir?)");
    }
    return channel; // the lock lasts as long as the channel
  }

  /**
   * The marker, checked against the files present; a new journal gets its marker before its log, so
   * a log without a marker is never a fresh start.
   */
  private JournalMeta existingMetaOrCreate() throws IOException {
    Optional<JournalMeta> meta = JournalMeta.read(dir);
    boolean logExists = Files.exists(dir.resolve(LOG));
    if (logExists && meta.isEmpty()) {
      throw JournalException.lostChanges(
          "journal marker "
              + dir.resolve(JournalMeta.FILE)
              + " is missing, so whether "
              + LOG
              + " is whole cannot be told");
    }
    if (!logExists) {
      if (meta.isPresent() && meta.get().sequence() > 0) {
        throw JournalException.lostChanges(
            "journal "
                + dir.resolve(LOG)
                + " is missing; it held "
                + meta.get().sequence()
                + " acknowledged changes");
      }
      if (Files.isDirectory(dir.resolve(OLD_CHRONICLE_DIR))) {
        throw JournalException.lostChanges(
            "journal "
                + dir.resolve(OLD_CHRONICLE_DIR)
                + " is in the old Chronicle Queue format, which this version does not read");
      }
      if (meta.isEmpty()) {
        JournalMeta.EMPTY.write(dir);
      }
      Files.createFile(dir.resolve(LOG));
      JournalMeta.syncDirectory(dir);
    }
    return meta.orElse(JournalMeta.EMPTY);
  }

  /** Refuses what lost acknowledged changes; lets through a torn tail after them. */
  private void check(JournalMeta meta, JournalFormat.Scan scan, byte[] file) {
    String where = "journal " + dir.resolve(LOG);
    long size = file.length;
    if (scan.lastSequence() < meta.sequence()) {
      String why =
          scan.damage() != null
              ? scan.damage().describe()
              : "shorter than it was (" + size + " bytes, " + scan.lastSequence() + " records)";
      throw JournalException.lostChanges(
          where
              + ": "
              + why
              + "; the last acknowledged change was #"
              + meta.sequence()
              + " ("
              + JournalMeta.FILE
              + ")");
    }
    if (scan.damage() != null
        && JournalFormat.intactRecordAfter(file, file.length, scan.damage().offset())) {
      throw JournalException.lostChanges(
          where + ": " + scan.damage().describe() + ", and intact records follow it");
    }
    if (meta.sequence() > 0) {
      JournalFormat.Entry acked = scan.entries().get((int) meta.sequence() - 1);
      if (acked.crc() != meta.crc() || acked.end() != meta.length()) {
        throw JournalException.lostChanges(
            where
                + ": record #"
                + meta.sequence()
                + " is not the one acknowledged (checksum "
                + JournalFormat.hex(acked.crc())
                + ", "
                + JournalMeta.FILE
                + " says "
                + JournalFormat.hex(meta.crc())
                + "): the journal was replaced");
      }
    }
  }

  /** Saves the torn bytes beside the journal, cuts them off, and says so. */
  private String cutTornTail(JournalFormat.Scan scan, long size) throws IOException {
    long dropped = size - end;
    Path saved = dir.resolve(LOG + ".torn-" + ZonedDateTime.now(ZoneOffset.UTC).format(STAMP));
    try (FileChannel out =
        FileChannel.open(
            saved,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      log.transferTo(end, dropped, out);
      out.force(true);
    }
    log.truncate(end);
    log.force(true);
    JournalMeta.syncDirectory(dir);
    return "journal "
        + dir.resolve(LOG)
        + ": dropped a torn last record ("
        + dropped
        + " bytes: "
        + scan.damage().describe()
        + ", never acknowledged); restored up to #"
        + scan.lastSequence()
        + "; the dropped bytes are in "
        + saved.getFileName();
  }

  /** Cuts a half-written record off again, so that the file holds only acknowledged records. */
  private void undoPartialAppend() {
    try {
      log.truncate(end);
      log.force(true);
      new JournalMeta(last == null ? 0 : last.sequence(), end, lastCrcOnDisk()).write(dir);
    } catch (IOException | RuntimeException e) {
      failed = true;
    }
  }

  private int lastCrcOnDisk() throws IOException {
    return lastCrc(scan(log, end));
  }

  private static int lastCrc(JournalFormat.Scan scan) {
    return scan.entries().isEmpty() ? 0 : scan.entries().getLast().crc();
  }

  private static JournalFormat.Scan scan(FileChannel channel, long length) throws IOException {
    byte[] bytes = readAll(channel, length);
    return JournalFormat.scan(bytes, bytes.length);
  }

  private static byte[] readAll(FileChannel channel, long length) throws IOException {
    if (length > Integer.MAX_VALUE - 16) {
      throw new JournalException("journal is larger than 2 GB; compacting it is not supported");
    }
    byte[] bytes = new byte[(int) length];
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    while (buffer.hasRemaining() && channel.read(buffer, buffer.position()) >= 0) {
      // read until full
    }
    return bytes;
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c != null) {
      try {
        c.close();
      } catch (Exception e) {
        // closing after a failure: the failure is what gets reported
      }
    }
  }
}
