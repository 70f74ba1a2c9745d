package io.vswitch.dataplane.stats;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Per-port counters in a memory-mapped file (normally under /dev/shm) that any process can read
 * while the switch runs, as Snabb's shared-memory counters.
 *
 * <p>Each worker owns one slot per port and is its only writer, so increments are plain
 * load-add-store with no atomics; an aligned 8-byte store is never torn on x86-64, so a reader sees
 * each counter's old or new value. Readers sum a port's slots over all workers.
 *
 * <pre>
 * offset  0        8        16       24       32       40       48       56       64
 *         +--------+--------+--------+--------+--------+--------+--------+--------+
 * header  | magic  |version |workers | ports  |counters|slotSize|  (reserved)     |
 *         +--------+--------+--------+--------+--------+--------+--------+--------+
 * names   | port 0 name, 64 bytes, NUL-padded UTF-8 | port 1 name | ...            |
 *         +-----------------------------------------------------------------------+
 * slots   | worker 0 port 0: PortCounter values, then DropReason values, 8 bytes   |
 *         | each, padded to a multiple of 64 bytes (no false sharing between slots)|
 *         | worker 0 port 1 | ... | worker 1 port 0 | ...                          |
 *         +-----------------------------------------------------------------------+
 * </pre>
 */
public final class CounterFile implements AutoCloseable {
  public static final long MAGIC = 0x31544e4357535643L; // "CVSWCNT1" little-endian
  public static final long VERSION = 1;
  static final int HEADER_BYTES = 64;
  static final int NAME_BYTES = 64;
  public static final int COUNTERS_PER_SLOT =
      PortCounter.values().length + DropReason.values().length;
  static final int SLOT_BYTES = (COUNTERS_PER_SLOT * 8 + 63) / 64 * 64;

  private final Arena arena;
  private final MemorySegment segment;
  private final int workers;
  private final int capacity;
  private final Path path;

  private CounterFile(Arena arena, MemorySegment segment, int workers, int capacity, Path path) {
    this.arena = arena;
    this.segment = segment;
    this.workers = workers;
    this.capacity = capacity;
    this.path = path;
  }

  /** Creates (or truncates) the file at {@code path} for {@code workers} and the named ports. */
  public static CounterFile create(Path path, int workers, List<String> portNames) {
    CounterFile file = create(path, workers, portNames.size());
    for (int p = 0; p < portNames.size(); p++) {
      file.setPortName(p, portNames.get(p));
    }
    return file;
  }

  /**
   * Creates (or truncates) the file for {@code workers} and up to {@code capacity} ports, named as
   * they are added ({@link #setPortName}); unused slots have an empty name.
   */
  public static CounterFile create(Path path, int workers, int capacity) {
    long size =
        HEADER_BYTES + (long) NAME_BYTES * capacity + (long) SLOT_BYTES * workers * capacity;
    Arena arena = Arena.ofShared();
    try (FileChannel channel =
        FileChannel.open(
            path,
            StandardOpenOption.CREATE,
            StandardOpenOption.READ,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      MemorySegment segment = channel.map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
      segment.fill((byte) 0);
      segment.set(ValueLayout.JAVA_LONG, 8, VERSION);
      segment.set(ValueLayout.JAVA_LONG, 16, workers);
      segment.set(ValueLayout.JAVA_LONG, 24, capacity);
      segment.set(ValueLayout.JAVA_LONG, 32, COUNTERS_PER_SLOT);
      segment.set(ValueLayout.JAVA_LONG, 40, SLOT_BYTES);
      segment.set(ValueLayout.JAVA_LONG, 0, MAGIC); // last: readers wait for the magic
      return new CounterFile(arena, segment, workers, capacity, path);
    } catch (IOException e) {
      arena.close();
      throw new UncheckedIOException("cannot create counter file " + path + ": " + e, e);
    }
  }

  /** Names slot {@code port} (a port was added there). Control thread. */
  public void setPortName(int port, String name) {
    MemorySegment slot = segment.asSlice(HEADER_BYTES + (long) NAME_BYTES * port, NAME_BYTES);
    slot.fill((byte) 0);
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    MemorySegment.copy(
        bytes, 0, slot, ValueLayout.JAVA_BYTE, 0, Math.min(bytes.length, NAME_BYTES - 1));
  }

  /**
   * Unnames slot {@code port} and zeroes its counters, for a port that was removed. Only once no
   * worker writes to it any more (after the switch waited for every worker to move on).
   */
  public void clearPort(int port) {
    setPortName(port, "");
    for (int w = 0; w < workers; w++) {
      segment.asSlice(slotOffset(w, port), SLOT_BYTES).fill((byte) 0);
    }
  }

  /** Maps an existing counter file read-only, for a reader in another process. */
  public static CounterFile open(Path path) {
    Arena arena = Arena.ofShared();
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      MemorySegment segment = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
      if (segment.byteSize() < HEADER_BYTES || segment.get(ValueLayout.JAVA_LONG, 0) != MAGIC) {
        throw new IllegalStateException(path + " is not a vswitch counter file (yet)");
      }
      int workers = (int) segment.get(ValueLayout.JAVA_LONG, 16);
      int ports = (int) segment.get(ValueLayout.JAVA_LONG, 24);
      return new CounterFile(arena, segment, workers, ports, path);
    } catch (IOException e) {
      arena.close();
      throw new UncheckedIOException("cannot open counter file " + path + ": " + e, e);
    } catch (RuntimeException e) {
      arena.close();
      throw e;
    }
  }

  public Path path() {
    return path;
  }

  /** Names by slot; "" where no port is. */
  public List<String> portNames() {
    List<String> names = new ArrayList<>();
    for (int p = 0; p < capacity; p++) {
      names.add(segment.asSlice(HEADER_BYTES + (long) NAME_BYTES * p, NAME_BYTES).getString(0));
    }
    return names;
  }

  public int capacity() {
    return capacity;
  }

  public int workers() {
    return workers;
  }

  /** The writable slot of {@code worker} for port {@code port}: that worker's only. */
  public CounterSlot slot(int worker, int port) {
    long offset = slotOffset(worker, port);
    return new CounterSlot(segment.asSlice(offset, SLOT_BYTES));
  }

  private long slotOffset(int worker, int port) {
    return HEADER_BYTES
        + (long) NAME_BYTES * capacity
        + (long) SLOT_BYTES * ((long) worker * capacity + port);
  }

  /** A port's counter summed over all workers. */
  public long sum(int port, PortCounter counter) {
    return sumIndex(port, counter.ordinal());
  }

  public long sum(int port, DropReason reason) {
    return sumIndex(port, PortCounter.values().length + reason.ordinal());
  }

  /** All drops of a port, whatever the reason. */
  public long drops(int port) {
    long total = 0;
    for (DropReason reason : DropReason.values()) {
      total += sum(port, reason);
    }
    return total;
  }

  private long sumIndex(int port, int index) {
    long total = 0;
    for (int w = 0; w < workers; w++) {
      total += segment.get(ValueLayout.JAVA_LONG, slotOffset(w, port) + 8L * index);
    }
    return total;
  }

  @Override
  public void close() {
    arena.close();
  }

  /** Deletes the file; the mapping stays valid until {@link #close()}. */
  public void delete() {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
