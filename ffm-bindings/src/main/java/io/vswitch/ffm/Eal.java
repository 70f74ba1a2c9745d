package io.vswitch.ffm;

import io.vswitch.ffm.raw.vswitch_shim_h;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * DPDK's Environment Abstraction Layer: initialised once per process, cleaned up once.
 *
 * <p>rte_eal_init pins the calling thread to the main lcore's core, and every thread that thread
 * starts afterwards would inherit that mask. We give the caller its own mask back afterwards, so
 * JVM-side threads keep running wherever the OS likes; workers pin themselves explicitly.
 */
public final class Eal {
  private static Eal instance;

  private final List<String> arguments;
  private final long tscHz;
  private boolean cleanedUp;

  private Eal(List<String> arguments) {
    this.arguments = List.copyOf(arguments);
    this.tscHz = vswitch_shim_h.vs_tsc_hz();
  }

  /**
   * Initialises EAL with {@code arguments} (argv[1..]; the program name is added). Fails with a
   * DpdkException carrying DPDK's reason. A second call returns the first instance when its
   * arguments are the same, because EAL cannot be initialised twice in one process.
   */
  public static synchronized Eal init(List<String> arguments) {
    if (instance != null) {
      if (!instance.arguments.equals(arguments)) {
        throw new IllegalStateException(
            "EAL already initialised with " + instance.arguments + ", not " + arguments);
      }
      return instance;
    }
    Shim.checkApiVersion();
    removeDeadProcessesRuntimeDirectories();
    BitSet callerCpus = CpuAffinity.current();
    int ret;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment argv = arena.allocate(ValueLayout.ADDRESS, arguments.size() + 2);
      argv.setAtIndex(ValueLayout.ADDRESS, 0, arena.allocateFrom("vswitch"));
      for (int i = 0; i < arguments.size(); i++) {
        argv.setAtIndex(ValueLayout.ADDRESS, i + 1, arena.allocateFrom(arguments.get(i)));
      }
      argv.setAtIndex(ValueLayout.ADDRESS, arguments.size() + 1, MemorySegment.NULL);
      ret = vswitch_shim_h.vs_eal_init(arguments.size() + 1, argv);
    } finally {
      CpuAffinity.set(callerCpus);
    }
    if (ret < 0) {
      throw DpdkException.of(
          "DPDK EAL init failed with " + String.join(" ", arguments),
          ret,
          "check the EAL options; without hugepages use --no-huge");
    }
    instance = new Eal(arguments);
    return instance;
  }

  /** The running EAL, or null. */
  public static synchronized Eal current() {
    return instance;
  }

  public List<String> arguments() {
    return arguments;
  }

  /** Ticks per second of the TSC that {@link #rdtsc()} reads. */
  public long tscHz() {
    return tscHz;
  }

  public static long rdtsc() {
    return vswitch_shim_h.vs_rdtsc();
  }

  /**
   * Releases EAL's memory and removes the runtime directory of a private file prefix. Ports and
   * pools must be closed first. EAL cannot start again.
   */
  public synchronized void cleanup() {
    if (!cleanedUp) {
      cleanedUp = true;
      vswitch_shim_h.vs_eal_cleanup();
      removeRuntimeDirectory();
    }
  }

  /**
   * Deletes /var/run/dpdk/PREFIX (or $XDG_RUNTIME_DIR/dpdk/PREFIX when not root) when this process
   * chose its own --file-prefix: EAL leaves it behind, and one per run would pile up.
   */
  public void removeRuntimeDirectory() {
    String prefix = null;
    for (String arg : arguments) {
      if (arg.startsWith("--file-prefix=")) {
        prefix = arg.substring("--file-prefix=".length());
      }
    }
    if (prefix == null || !prefix.startsWith("vswitch-")) {
      return;
    }
    deleteTree(runtimeBase().resolve(prefix));
  }

  /**
   * Removes the runtime directories of earlier vswitch processes that are gone (killed with -9, or
   * crashed) and so could not remove their own: vswitch-PID directories whose PID is dead.
   */
  static void removeDeadProcessesRuntimeDirectories() {
    Path base = runtimeBase();
    try (Stream<Path> dirs = Files.list(base)) {
      dirs.filter(d -> d.getFileName().toString().matches("vswitch-\\d+"))
          .filter(d -> ProcessHandle.of(pidOf(d)).map(p -> !p.isAlive()).orElse(true))
          .forEach(Eal::deleteTree);
    } catch (IOException | UncheckedIOException e) {
      // no runtime directory yet, or not ours to read
    }
  }

  private static long pidOf(Path dir) {
    return Long.parseLong(dir.getFileName().toString().substring("vswitch-".length()));
  }

  private static Path runtimeBase() {
    boolean root = "root".equals(System.getProperty("user.name"));
    String xdg = System.getenv("XDG_RUNTIME_DIR");
    return root || xdg == null ? Path.of("/var/run/dpdk") : Path.of(xdg, "dpdk");
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // Nothing to remove, or no right to: neither is worth failing a shutdown for.
    }
  }

  /**
   * Registers the calling (non-EAL) thread with DPDK so it gets an lcore id, and with it a mempool
   * per-core cache. Returns the lcore id.
   */
  public static int registerThread() {
    int lcore = vswitch_shim_h.vs_thread_register();
    if (lcore < 0) {
      throw DpdkException.of(
          "rte_thread_register failed", lcore, "too many threads for RTE_MAX_LCORE?");
    }
    return lcore;
  }

  public static void unregisterThread() {
    vswitch_shim_h.vs_thread_unregister();
  }

  /** The calling thread's lcore id; LCORE_ID_ANY (UINT32_MAX, so -1 here) if unregistered. */
  public static int lcoreId() {
    return vswitch_shim_h.vs_lcore_id();
  }
}
