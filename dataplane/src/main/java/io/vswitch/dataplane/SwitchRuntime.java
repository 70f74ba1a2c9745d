package io.vswitch.dataplane;

import io.vswitch.dataplane.port.DpdkPort;
import io.vswitch.dataplane.port.Port;
import io.vswitch.dataplane.port.PortDeviceStats;
import io.vswitch.dataplane.port.PortSpec;
import io.vswitch.dataplane.stats.CounterFile;
import io.vswitch.dataplane.stats.PortCounter;
import io.vswitch.dataplane.worker.IdleStrategy;
import io.vswitch.dataplane.worker.QueueAssignment;
import io.vswitch.dataplane.worker.RxQueue;
import io.vswitch.dataplane.worker.WorkerThread;
import io.vswitch.ffm.Mempool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The running data plane: one mbuf pool, the ports, the counter file and the worker threads. EAL
 * must already be up. Opening is all or nothing: if a port fails, everything opened before it is
 * closed again and the error propagates.
 *
 * <p>Lifecycle: {@link #open} (probe and configure) → {@link #start} (start ports, then workers) →
 * {@link #stop} (stop workers, then ports; every mbuf is back in the pool afterwards) → {@link
 * #close}.
 */
public final class SwitchRuntime implements AutoCloseable {
  private static final AtomicInteger INSTANCES = new AtomicInteger();
  private static final int MEMPOOL_CACHE = 256;

  private final RuntimeSpec spec;
  private final Mempool pool;
  private final List<Port> ports;
  private final CounterFile counters;
  private final List<WorkerThread> workers = new ArrayList<>();
  private final AgentFactory agents;
  private boolean started;
  private boolean closed;
  private int keptByDrivers;

  private SwitchRuntime(
      RuntimeSpec spec, Mempool pool, List<Port> ports, CounterFile counters, AgentFactory agents) {
    this.spec = spec;
    this.pool = pool;
    this.ports = List.copyOf(ports);
    this.counters = counters;
    this.agents = agents;
  }

  public static SwitchRuntime open(RuntimeSpec spec, AgentFactory agents) {
    int workers = spec.workerCores().size();
    int poolSize = spec.poolSize() > 0 ? spec.poolSize() : poolSizeFor(spec.ports(), workers);
    Mempool pool =
        Mempool.create(
            "vswitch" + INSTANCES.incrementAndGet(),
            poolSize,
            MEMPOOL_CACHE,
            Mempool.DEFAULT_DATA_ROOM);
    List<Port> opened = new ArrayList<>();
    try {
      for (PortSpec portSpec : spec.ports()) {
        opened.add(DpdkPort.open(portSpec, opened.size(), workers, pool));
      }
      List<String> names = spec.ports().stream().map(PortSpec::name).toList();
      CounterFile counters = CounterFile.create(spec.counterFile(), workers, names);
      return new SwitchRuntime(spec, pool, opened, counters, agents);
    } catch (RuntimeException e) {
      closeAll(opened);
      pool.close();
      throw e;
    }
  }

  /**
   * Enough mbufs to fill every rx and tx ring, every worker's cache and a burst in flight per
   * worker, with room to spare; rounded to 2^k - 1, the size rte_mempool uses best.
   */
  static int poolSizeFor(List<PortSpec> ports, int workers) {
    long rings = 0;
    for (PortSpec p : ports) {
      rings += (long) p.rxQueues() * p.rxDescriptors() + (long) workers * p.txDescriptors();
    }
    long needed = rings + (long) workers * (MEMPOOL_CACHE * 2L + 64) + 4096;
    long size = Long.highestOneBit(needed - 1) << 1;
    return (int) Math.min(size - 1, 1 << 20);
  }

  /** Starts every port, then one pinned, DPDK-registered worker per configured core. */
  public void start() {
    for (Port port : ports) {
      port.start();
    }
    started = true;
    keptByDrivers = ports.stream().mapToInt(Port::rxMbufsKeptAfterClose).sum();
    List<List<RxQueue>> assignment = QueueAssignment.assign(ports, spec.workerCores().size());
    for (int w = 0; w < assignment.size(); w++) {
      var agent =
          agents.create(
              new AgentFactory.WorkerContext(w, assignment.get(w), ports, counters, pool));
      var worker =
          new WorkerThread(
              "vswitch-worker" + w,
              agent,
              IdleStrategy.parse(spec.idleStrategy()),
              spec.workerCores().get(w),
              true);
      workers.add(worker);
      worker.start();
    }
  }

  /** Stops the workers (each frees what it holds), then the ports. Idempotent. */
  public void stop() {
    RuntimeException first = null;
    for (WorkerThread worker : workers) {
      try {
        worker.stop(Duration.ofSeconds(10));
      } catch (RuntimeException e) {
        first = first == null ? e : first;
      }
    }
    workers.clear();
    if (started) {
      started = false;
      for (Port port : ports) {
        try {
          port.stop();
        } catch (RuntimeException e) {
          first = first == null ? e : first;
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  public List<Port> ports() {
    return ports;
  }

  public List<WorkerThread> workers() {
    return List.copyOf(workers);
  }

  public CounterFile counters() {
    return counters;
  }

  /** The most mbufs drivers may keep past close (not a leak of the switch's). */
  public int keptByDrivers() {
    return keptByDrivers;
  }

  public Mempool pool() {
    return pool;
  }

  /** First failure of any worker, or null while all are healthy. */
  public Throwable workerFailure() {
    for (WorkerThread worker : workers) {
      if (worker.failure() != null) {
        return worker.failure();
      }
    }
    return null;
  }

  /** Per-port counters as the switch and the device see them. */
  public List<PortReport> report() {
    List<PortReport> reports = new ArrayList<>();
    for (Port port : ports) {
      int p = port.index();
      reports.add(
          new PortReport(
              port.name(),
              counters.sum(p, PortCounter.RX_PACKETS),
              counters.sum(p, PortCounter.TX_PACKETS),
              counters.drops(p),
              port.deviceStats()));
    }
    return reports;
  }

  /**
   * Stops if needed, closes every port, and only then counts the mbufs still out of the pool: some
   * drivers (AF_XDP's fill ring, a NIC's rx descriptors) hold mbufs until the device is closed, not
   * merely stopped. Returns the mbufs the switch lost: those out of the pool, less the most that
   * drivers known to keep their rx mbufs for good may hold (see {@link
   * Port#rxMbufsKeptAfterClose}). The pool and the counters are released either way.
   */
  public int closeAndCountLeaks() {
    closed = true;
    try {
      stop();
    } finally {
      closeAll(ports);
    }
    int leaked = Math.max(0, pool.inUse() - keptByDrivers);
    pool.close();
    counters.close();
    counters.delete();
    return leaked;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      closeAndCountLeaks();
    }
  }

  private static void closeAll(List<Port> ports) {
    for (int i = ports.size() - 1; i >= 0; i--) {
      try {
        ports.get(i).close();
      } catch (RuntimeException e) {
        System.err.println("vswitch: warning: closing port " + ports.get(i).name() + ": " + e);
      }
    }
  }

  /** One line of the exit report. */
  public record PortReport(
      String name, long rxPackets, long txPackets, long drops, PortDeviceStats device) {}
}
