package io.vswitch.control;

import io.vswitch.dataplane.SwitchRuntime;
import io.vswitch.dataplane.worker.WorkerThread;
import io.vswitch.ffm.CpuAffinity;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Keeps the JVM's own threads off the worker cores, as OVS-DPDK keeps its non-PMD threads off the
 * PMD cores. GC, JIT compiler and other VM threads start before EAL and may run on any core; a
 * concurrent collector's marking thread preempting a busy-polling worker stops it as surely as a
 * pause does (measured: scripts/stall-bench.sh). Once the workers run, every other thread of the
 * process is restricted to the cores no worker uses; threads started later inherit that from their
 * creator (workers pin themselves).
 */
final class HousekeepingAffinity {
  private HousekeepingAffinity() {}

  /** Confines non-worker threads; returns the cores they got, or an empty set when skipped. */
  static BitSet confine(SwitchRuntime runtime, PrintStream err) {
    BitSet cores = new BitSet();
    for (int c = 0; c < CpuAffinity.onlineCpus(); c++) {
      cores.set(c);
    }
    cores.and(CpuAffinity.current()); // the main thread's set (EAL's main lcore)
    Set<Integer> workerTids = new HashSet<>();
    for (WorkerThread w : runtime.workers()) {
      if (w.core() == WorkerThread.ANY_CORE) {
        return new BitSet(); // unpinned workers (tests): nothing to keep free
      }
      cores.clear(w.core());
      workerTids.add(w.kernelThreadId());
    }
    if (cores.isEmpty()) {
      err.println("vswitch: warning: every core runs a worker; GC and JIT threads will share them");
      return cores;
    }
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        int tid = Integer.parseInt(task.getFileName().toString());
        if (!workerTids.contains(tid)) {
          try {
            CpuAffinity.setThread(tid, cores);
          } catch (IllegalStateException e) {
            // the thread ended since the listing: nothing to confine
          }
        }
      }
    } catch (IOException e) {
      err.println("vswitch: warning: cannot list threads to keep them off worker cores: " + e);
    }
    return cores;
  }
}
