package io.vswitch.perf.jmh;

import io.vswitch.ffm.Eal;
import io.vswitch.ffm.EalOptions;
import io.vswitch.ffm.Hugepages;
import io.vswitch.ffm.Mempool;
import java.util.List;

/**
 * The one EAL and mbuf pool of a JMH fork. EAL can start once per process, and JMH runs every
 * benchmark of a fork in one JVM, so states share these. Hugepages when mounted and free (the
 * scripts reserve them), else --no-huge.
 */
public final class BenchEal {
  /** Enough for bursts, port rings and net_null's rx allocations; 2^k - 1. */
  public static final int POOL_SIZE = 16383;

  public static final int MEMORY_MB = 512;

  private static Mempool pool;

  private BenchEal() {}

  public static synchronized Eal eal() {
    Eal running = Eal.current();
    if (running != null) {
      return running;
    }
    boolean huge = Hugepages.usable(MEMORY_MB);
    // No telemetry socket: it would leave /var/run/dpdk/rte behind.
    Eal eal =
        Eal.init(
            new EalOptions(0, MEMORY_MB, huge, false, true, "warning", List.of("--no-telemetry"))
                .toArguments());
    Runtime.getRuntime().addShutdownHook(new Thread(eal::removeRuntimeDirectory));
    return eal;
  }

  /** The fork's mbuf pool (created on first use, never freed: the fork exits). */
  public static synchronized Mempool pool() {
    eal();
    if (pool == null) {
      pool = Mempool.create("jmh", POOL_SIZE, 256, Mempool.DEFAULT_DATA_ROOM);
    }
    return pool;
  }

  /**
   * Pins the calling (benchmark) thread to its core ({@link BenchCore}), then registers it with
   * DPDK so it has a mempool cache, unless it is already registered. Pinned first, as the worker
   * is: DPDK records the thread's CPU set when it registers.
   */
  public static void registerThread() {
    eal();
    BenchCore.pinCallingThread();
    if (Eal.lcoreId() == -1) {
      Eal.registerThread();
    }
  }
}
