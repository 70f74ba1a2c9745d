package io.vswitch.perf.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * How long a process's forwarding threads really ran: the first field of Linux's {@code
 * /proc/PID/task/TID/schedstat} (nanoseconds on a CPU), summed over the threads whose name ({@code
 * comm}) matches. Two samples give the cores those threads got over the interval: 1.00 for a
 * busy-spinning thread nobody preempted, less on a core shared with other processes, which is why
 * the bench's cycles per packet use it rather than the wall clock.
 */
final class ThreadCpu {
  static final Path PROC = Path.of("/proc");

  /** The forwarding threads of each program, by the name it gives them. */
  static final Predicate<String> VSWITCH_WORKERS = n -> n.startsWith("vswitch-worker");

  /**
   * DPDK names its worker lcore threads (testpmd's forwarding lcores) rte-worker-N in 22.11 and
   * lcore-worker-N in 20.11 to 22.07; the main lcore is the process's main thread.
   */
  static final Predicate<String> DPDK_LCORES =
      n -> n.startsWith("rte-worker-") || n.startsWith("lcore-worker-");

  /** OVS names a PMD thread pmd-cNN/id:M (core NN). */
  static final Predicate<String> OVS_PMDS = n -> n.startsWith("pmd-c");

  private ThreadCpu() {}

  /** A reading: when, the matched threads' summed on-CPU nanoseconds, and how many matched. */
  record Sample(long wallNanos, long cpuNanos, int threads) {
    /** Cores used between {@code earlier} and this; NaN when the threads are not the same. */
    double coresSince(Sample earlier) {
      if (earlier == null || threads == 0 || threads != earlier.threads) {
        return Double.NaN;
      }
      long wall = wallNanos - earlier.wallNanos;
      return wall <= 0 ? Double.NaN : (double) (cpuNanos - earlier.cpuNanos) / wall;
    }
  }

  static Sample sample(long pid, Predicate<String> name) {
    return sample(PROC, pid, name, System.nanoTime());
  }

  /**
   * Reads under {@code proc} (a test gives its own tree); threads that end meanwhile are skipped.
   */
  static Sample sample(Path proc, long pid, Predicate<String> name, long wallNanos) {
    long cpu = 0;
    int threads = 0;
    try (Stream<Path> tasks = Files.list(proc.resolve(Long.toString(pid)).resolve("task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        try {
          if (!name.test(Files.readString(task.resolve("comm")).strip())) {
            continue;
          }
          String schedstat = Files.readString(task.resolve("schedstat")).strip();
          cpu += Long.parseLong(schedstat.split("\\s+")[0]);
          threads++;
        } catch (IOException | NumberFormatException e) {
          // the thread ended between the listing and the read
        }
      }
    } catch (IOException e) {
      return new Sample(wallNanos, 0, 0);
    }
    return new Sample(wallNanos, cpu, threads);
  }
}
