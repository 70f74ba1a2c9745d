package io.vswitch.perf.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Heap bytes allocated by the switch's worker threads, from JFR's periodic
 * jdk.ThreadAllocationStatistics event (each thread's total allocated bytes, once a second). No
 * change to the switch: its JVM is started with a recording of that one event.
 */
public final class JfrAllocation {
  /** A JFR settings file that records only per-thread allocation totals, every second. */
  public static final String SETTINGS =
      """
      <?xml version="1.0" encoding="UTF-8"?>
      <configuration version="2.0" label="vswitch-alloc">
        <event name="jdk.ThreadAllocationStatistics">
          <setting name="enabled">true</setting>
          <setting name="period">1 s</setting>
        </event>
      </configuration>
      """;

  private JfrAllocation() {}

  /** One sample: when, and a thread's allocated bytes so far. */
  record Sample(long epochMillis, long allocated) {}

  /**
   * Bytes per packet on threads whose name starts with {@code threadPrefix}, from the samples that
   * fall in [fromMillis, toMillis], at {@code packetsPerSecond}. NaN when the recording is missing
   * or has fewer than two samples per thread in the window.
   */
  public static double bytesPerPacket(
      Path recording,
      String threadPrefix,
      long fromMillis,
      long toMillis,
      double packetsPerSecond) {
    if (!Files.isRegularFile(recording) || packetsPerSecond <= 0) {
      return Double.NaN;
    }
    Map<String, List<Sample>> byThread = new HashMap<>();
    try (RecordingFile file = new RecordingFile(recording)) {
      while (file.hasMoreEvents()) {
        RecordedEvent e = file.readEvent();
        if (!e.getEventType().getName().equals("jdk.ThreadAllocationStatistics")) {
          continue;
        }
        RecordedThread t = e.getThread("thread");
        String name = t == null ? null : t.getJavaName();
        if (name == null || !name.startsWith(threadPrefix)) {
          continue;
        }
        long at = e.getStartTime().toEpochMilli();
        if (at >= fromMillis && at <= toMillis) {
          byThread
              .computeIfAbsent(name, k -> new ArrayList<>())
              .add(new Sample(at, e.getLong("allocated")));
        }
      }
    } catch (IOException e) {
      return Double.NaN;
    }
    return bytesPerPacket(byThread, packetsPerSecond);
  }

  /** Sums each thread's allocation rate over its first and last sample; divides by the rate. */
  static double bytesPerPacket(Map<String, List<Sample>> byThread, double packetsPerSecond) {
    double bytesPerSecond = 0;
    boolean any = false;
    for (List<Sample> samples : byThread.values()) {
      if (samples.size() < 2) {
        continue;
      }
      Sample first = samples.get(0);
      Sample last = samples.get(samples.size() - 1);
      long millis = last.epochMillis() - first.epochMillis();
      if (millis <= 0) {
        continue;
      }
      bytesPerSecond += (last.allocated() - first.allocated()) * 1000.0 / millis;
      any = true;
    }
    return any ? bytesPerSecond / packetsPerSecond : Double.NaN;
  }
}
