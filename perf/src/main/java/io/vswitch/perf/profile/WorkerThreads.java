package io.vswitch.perf.profile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The switch's worker threads as the kernel sees them: their thread ids (HotSpot gives each Java
 * thread its name, cut to 15 characters, as the native name in /proc/PID/task/TID/comm) and the
 * time they spent on a CPU (the first field of schedstat, in ns). On-CPU time is what turns
 * "packets per second" into "cycles per packet" honestly on a machine shared with other work: a
 * busy-spinning worker that was preempted for 10% of the window did not spend those cycles.
 */
final class WorkerThreads {
  /** The native-name prefix of the worker threads (SwitchRuntime names them vswitch-workerN). */
  static final String PREFIX = "vswitch-worker";

  private final long pid;
  private final List<Long> tids;

  private WorkerThreads(long pid, List<Long> tids) {
    this.pid = pid;
    this.tids = List.copyOf(tids);
  }

  static WorkerThreads of(long pid) {
    List<Long> tids = new ArrayList<>();
    try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        String comm = Files.readString(task.resolve("comm")).trim();
        if (comm.startsWith(PREFIX)) {
          tids.add(Long.parseLong(task.getFileName().toString()));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the threads of pid " + pid, e);
    }
    if (tids.isEmpty()) {
      throw new IllegalStateException("the switch (pid " + pid + ") has no " + PREFIX + " thread");
    }
    tids.sort(null);
    return new WorkerThreads(pid, tids);
  }

  List<Long> tids() {
    return tids;
  }

  /** Nanoseconds all worker threads have spent on a CPU since they started. */
  long onCpuNanos() {
    long total = 0;
    for (long tid : tids) {
      Path schedstat =
          Path.of("/proc", Long.toString(pid), "task", Long.toString(tid), "schedstat");
      try {
        total += Long.parseLong(Files.readString(schedstat).trim().split("\\s+")[0]);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + schedstat, e);
      }
    }
    return total;
  }
}
