package io.vswitch.control.plane;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.TailerDirection;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;

/**
 * The journal of accepted changes, in a Chronicle Queue under the state directory. A change is
 * appended before the client is told it was accepted; Chronicle writes into memory-mapped files, so
 * once {@link #append} returns the record survives a kill -9 of this process (it is in the page
 * cache; surviving power loss would need an fsync, which we do not do per change). On start the
 * daemon reads the last record back and comes up with the same configuration. The same records are
 * the audit log.
 */
public final class Journal implements AutoCloseable {
  private final ChronicleQueue queue;
  private long lastSequence;

  public Journal(Path directory) {
    this.queue = SingleChronicleQueueBuilder.single(directory.toFile()).build();
    this.lastSequence = latest().map(ChangeRecord::sequence).orElse(0L);
  }

  /** Appends the change; returns its record (with its sequence number). */
  public synchronized ChangeRecord append(String source, String description, String config) {
    ChangeRecord record =
        new ChangeRecord(lastSequence + 1, System.currentTimeMillis(), source, description, config);
    // An appender belongs to one thread; changes come from the main thread at start and from the
    // control thread later, and are rare, so each append takes its own.
    try (ExcerptAppender appender = queue.createAppender()) {
      append(appender, record);
    }
    lastSequence = record.sequence();
    return record;
  }

  private static void append(ExcerptAppender appender, ChangeRecord record) {
    appender.writeDocument(
        w ->
            w.write("sequence")
                .int64(record.sequence())
                .write("time")
                .int64(record.timeMillis())
                .write("source")
                .text(record.source())
                .write("description")
                .text(record.description())
                .write("config")
                .text(record.config()));
  }

  /** The last accepted change, if any. */
  public synchronized Optional<ChangeRecord> latest() {
    ExcerptTailer tailer = queue.createTailer().direction(TailerDirection.BACKWARD).toEnd();
    ChangeRecord[] found = new ChangeRecord[1];
    tailer.readDocument(w -> found[0] = read(w));
    return Optional.ofNullable(found[0]);
  }

  /** Every change, oldest first. */
  public synchronized List<ChangeRecord> history() {
    List<ChangeRecord> records = new ArrayList<>();
    ExcerptTailer tailer = queue.createTailer();
    while (tailer.readDocument(w -> records.add(read(w)))) {
      // each call reads one record
    }
    return records;
  }

  private static ChangeRecord read(net.openhft.chronicle.wire.WireIn w) {
    return new ChangeRecord(
        w.read("sequence").int64(),
        w.read("time").int64(),
        w.read("source").text(),
        w.read("description").text(),
        w.read("config").text());
  }

  @Override
  public synchronized void close() {
    queue.close();
  }
}
