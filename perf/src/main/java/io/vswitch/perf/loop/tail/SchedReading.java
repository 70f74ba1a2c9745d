package io.vswitch.perf.loop.tail;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What the kernel says about a trial, read before and after it: for the generator's thread and the
 * switch's worker, the time each ran and the time each waited runnable on its run queue (schedstat:
 * something else had the core), and each core's steal time (/proc/stat: the hypervisor ran another
 * guest). Time a thread waited is time frames sat in a ring unseen, so these tell preemption, by
 * the kernel or the hypervisor, from anything the JVM did.
 */
public record SchedReading(ThreadTime generator, ThreadTime worker, long[] stealNanos) {

  /** One thread's schedstat: ns on the cpu, ns waiting on a run queue, timeslices. */
  public record ThreadTime(long runNanos, long waitNanos, long slices) {
    public static final ThreadTime NONE = new ThreadTime(0, 0, 0);

    /** Parses /proc/.../schedstat ("run wait slices"). */
    public static ThreadTime parse(String schedstat) {
      String[] f = schedstat.trim().split("\\s+");
      return new ThreadTime(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]));
    }

    public ThreadTime minus(ThreadTime earlier) {
      return new ThreadTime(
          runNanos - earlier.runNanos, waitNanos - earlier.waitNanos, slices - earlier.slices);
    }
  }

  /** Per cpu, the steal column of /proc/stat's cpuN lines, in ns ({@code hz} ticks a second). */
  public static long[] steal(String procStat, int hz) {
    List<Long> out = new ArrayList<>();
    for (String line : procStat.split("\n")) {
      if (line.matches("cpu\\d+ .*")) {
        String[] f = line.trim().split("\\s+");
        out.add(f.length > 8 ? Long.parseLong(f[8]) * (1_000_000_000L / hz) : 0);
      }
    }
    return out.stream().mapToLong(Long::longValue).toArray();
  }

  /** Reads the calling thread's, the worker's (null path: none) and every cpu's steal now. */
  public static SchedReading now(Path workerSchedstat) {
    return new SchedReading(
        read(Path.of("/proc/thread-self/schedstat")),
        workerSchedstat == null ? ThreadTime.NONE : read(workerSchedstat),
        steal(readOrEmpty(Path.of("/proc/stat")), 100));
  }

  /**
   * The schedstat file of the thread of process {@code pid} whose name starts with {@code prefix}
   * (Linux keeps the first 15 characters of a Java thread's name), or null.
   */
  public static Path findThread(long pid, String prefix) {
    try (DirectoryStream<Path> tasks =
        Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
      for (Path task : tasks) {
        if (readOrEmpty(task.resolve("comm")).trim().startsWith(prefix)) {
          return task.resolve("schedstat");
        }
      }
    } catch (IOException e) {
      return null;
    }
    return null;
  }

  public SchedReading minus(SchedReading earlier) {
    long[] s = new long[Math.min(stealNanos.length, earlier.stealNanos.length)];
    for (int i = 0; i < s.length; i++) {
      s[i] = stealNanos[i] - earlier.stealNanos[i];
    }
    return new SchedReading(generator.minus(earlier.generator), worker.minus(earlier.worker), s);
  }

  /** One line for the report (of a difference of two readings). */
  public String describe() {
    StringBuilder steal = new StringBuilder();
    for (int i = 0; i < stealNanos.length; i++) {
      steal.append(String.format(Locale.ROOT, " cpu%d %.1f ms", i, stealNanos[i] / 1e6));
    }
    return String.format(
        Locale.ROOT,
        "  kernel: generator thread ran %.1f ms, waited runnable %.1f ms (%d slices); switch worker"
            + " ran %.1f ms, waited runnable %.1f ms (%d slices); hypervisor steal:%s",
        generator.runNanos / 1e6,
        generator.waitNanos / 1e6,
        generator.slices,
        worker.runNanos / 1e6,
        worker.waitNanos / 1e6,
        worker.slices,
        steal);
  }

  private static ThreadTime read(Path file) {
    String s = readOrEmpty(file);
    return s.isBlank() ? ThreadTime.NONE : ThreadTime.parse(s);
  }

  private static String readOrEmpty(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "";
    }
  }
}
