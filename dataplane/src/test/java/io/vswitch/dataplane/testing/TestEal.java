package io.vswitch.dataplane.testing;

import io.vswitch.ffm.Eal;
import io.vswitch.ffm.EalOptions;

/**
 * The one EAL of a test JVM. EAL can be initialised once per process, so every test class in a
 * module shares it; tests that need an EAL of their own start the real switch as a process.
 */
public final class TestEal {
  private TestEal() {}

  public static synchronized Eal get() {
    Eal running = Eal.current();
    if (running != null) {
      return running;
    }
    Eal eal = Eal.init(EalOptions.virtualOnly(512).toArguments());
    // No rte_eal_cleanup at JVM exit (workers may still be polling); just leave nothing behind.
    Runtime.getRuntime().addShutdownHook(new Thread(eal::removeRuntimeDirectory));
    return eal;
  }

  /** A core for a worker: the last one, so the test thread keeps core 0 on a 2-core machine. */
  public static int workerCore() {
    int cpus = Runtime.getRuntime().availableProcessors();
    return cpus > 1 ? cpus - 1 : io.vswitch.dataplane.worker.WorkerThread.ANY_CORE;
  }
}
