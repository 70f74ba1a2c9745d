package io.vswitch.dataplane;

import io.vswitch.dataplane.port.Port;
import io.vswitch.dataplane.port.PortDeviceStats;
import io.vswitch.dataplane.port.PortFactory;
import io.vswitch.dataplane.port.PortRegistry;
import io.vswitch.dataplane.port.PortSpec;
import io.vswitch.dataplane.stats.CounterFile;
import io.vswitch.dataplane.stats.PortCounter;
import io.vswitch.dataplane.worker.Agent;
import io.vswitch.dataplane.worker.IdleStrategy;
import io.vswitch.dataplane.worker.QueueAssignment;
import io.vswitch.dataplane.worker.ReplannableAgent;
import io.vswitch.dataplane.worker.RxQueue;
import io.vswitch.dataplane.worker.WorkerThread;
import io.vswitch.ffm.Mempool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The running data plane: one mbuf pool, the ports, the counter file and the worker threads. EAL
 * must already be up. Opening is all or nothing: if a port fails, everything opened before it is
 * closed again and the error propagates.
 *
 * <p>Lifecycle: {@link #open} (probe and configure) → {@link #start} (start ports, then workers) →
 * {@link #stop} (stop workers, then ports; every mbuf is back in the pool afterwards) → {@link
 * #close}. While running, {@link #addPort} and {@link #removePort} change the ports under
 * replannable agents: ports live in fixed slots (their index), and a removed port is closed only
 * after every worker has finished the pass in which it might still have used it.
 *
 * <p>Ports are opened through a {@link PortFactory}, at start-up and when added, so the runtime
 * holds any kind of port its {@link PortRegistry} knows, not only DPDK ethdevs.
 */
public final class SwitchRuntime implements AutoCloseable {
  private static final AtomicInteger INSTANCES = new AtomicInteger();
  private static final int MEMPOOL_CACHE = 256;

  private final RuntimeSpec spec;
  private final Mempool pool;
  private final Port[] slots;
  private final CounterFile counters;
  private final List<WorkerThread> workers = new ArrayList<>();
  private final List<Agent> agentsByWorker = new ArrayList<>();
  private final AgentFactory agents;
  private final PortFactory portFactory;
  private boolean started;
  private boolean closed;
  private int keptByDrivers;

  private SwitchRuntime(
      RuntimeSpec spec,
      Mempool pool,
      Port[] slots,
      CounterFile counters,
      AgentFactory agents,
      PortFactory portFactory) {
    this.spec = spec;
    this.pool = pool;
    this.slots = slots;
    this.counters = counters;
    this.agents = agents;
    this.portFactory = portFactory;
  }

  /** Opens a switch of DPDK ports ({@link PortRegistry#DEFAULT}). */
  public static SwitchRuntime open(RuntimeSpec spec, AgentFactory agents) {
    return open(spec, agents, PortRegistry.DEFAULT);
  }

  /** Opens a switch whose ports, now and added later, {@code portFactory} opens. */
  public static SwitchRuntime open(RuntimeSpec spec, AgentFactory agents, PortFactory portFactory) {
    int workers = spec.workerCores().size();
    int poolSize = spec.poolSize() > 0 ? spec.poolSize() : poolSizeFor(spec.ports(), workers);
    Mempool pool =
        Mempool.create(
            "vswitch" + INSTANCES.incrementAndGet(),
            poolSize,
            MEMPOOL_CACHE,
            dataRoomFor(spec.ports()));
    Port[] slots = new Port[spec.slots()];
    try {
      for (PortSpec portSpec : spec.ports()) {
        int index = indexOf(slots, null);
        slots[index] = portFactory.open(portSpec, index, workers, pool);
      }
      CounterFile counters = CounterFile.create(spec.counterFile(), workers, slots.length);
      for (Port port : slots) {
        if (port != null) {
          counters.setPortName(port.index(), port.name());
        }
      }
      return new SwitchRuntime(spec, pool, slots, counters, agents, portFactory);
    } catch (RuntimeException e) {
      closeAll(Arrays.asList(slots));
      pool.close();
      throw e;
    }
  }

  private static int indexOf(Port[] slots, Port wanted) {
    for (int i = 0; i < slots.length; i++) {
      if (slots[i] == wanted) {
        return i;
      }
    }
    throw new IllegalStateException("no free port slot: the switch holds " + slots.length);
  }

  /**
   * One mbuf holds a whole frame of the largest configured MTU (Ethernet, one tag, 4 bytes spare),
   * so jumbo frames arrive in one segment where the driver fills one mbuf per frame; at least the
   * default 2 KB. Ports added later with a larger MTU get multi-segment frames (or none, where the
   * driver does not chain), which the parse stage reads within the first segment.
   */
  static int dataRoomFor(List<PortSpec> ports) {
    int mtu = ports.stream().mapToInt(PortSpec::mtu).max().orElse(PortSpec.DEFAULT_MTU);
    return Math.max(Mempool.DEFAULT_DATA_ROOM, mtu + 14 + 4 + 4);
  }

  /**
   * Enough mbufs to fill every rx and tx ring, every worker's cache and a burst in flight per
   * worker, with room to spare for ports added later; rounded to 2^k - 1, the size rte_mempool uses
   * best.
   */
  static int poolSizeFor(List<PortSpec> ports, int workers) {
    long rings = 0;
    for (PortSpec p : ports) {
      rings += (long) p.rxQueues() * p.rxDescriptors() + (long) workers * p.txDescriptors();
    }
    long needed = rings + (long) workers * (MEMPOOL_CACHE * 2L + 64) + 8192;
    long size = Long.highestOneBit(needed - 1) << 1;
    return (int) Math.min(size - 1, 1 << 20);
  }

  /** Starts every port, then one pinned, DPDK-registered worker per configured core. */
  public synchronized void start() {
    for (Port port : ports()) {
      port.start();
    }
    started = true;
    keptByDrivers = ports().stream().mapToInt(Port::rxMbufsKeptAfterClose).sum();
    List<List<RxQueue>> assignment = QueueAssignment.assign(ports(), spec.workerCores().size());
    for (int w = 0; w < assignment.size(); w++) {
      Agent agent =
          agents.create(
              new AgentFactory.WorkerContext(w, assignment.get(w), ports(), counters, pool));
      var worker =
          new WorkerThread(
              "vswitch-worker" + w,
              agent,
              IdleStrategy.parse(spec.idleStrategy()),
              spec.workerCores().get(w),
              true);
      agentsByWorker.add(agent);
      workers.add(worker);
      worker.start();
    }
  }

  /**
   * Opens, starts and hands to the workers a new port in the lowest free slot. Control thread.
   * Returns the port; on failure nothing has changed.
   */
  public synchronized Port addPort(PortSpec portSpec) {
    requireReplannable();
    int index = indexOf(slots, null);
    Port port = portFactory.open(portSpec, index, spec.workerCores().size(), pool);
    try {
      if (started) {
        port.start();
      }
    } catch (RuntimeException e) {
      port.close();
      throw e;
    }
    counters.setPortName(index, port.name());
    keptByDrivers += port.rxMbufsKeptAfterClose();
    slots[index] = port;
    replan();
    return port;
  }

  /**
   * Takes the port out of every worker's plan, waits until each worker has finished a pass with the
   * new plan, then stops and closes the device. Control thread.
   */
  public synchronized void removePort(int index) {
    requireReplannable();
    Port port = Objects.requireNonNull(slots[index], "no port in slot " + index);
    slots[index] = null;
    replan();
    awaitQuiescence();
    try {
      port.close();
    } finally {
      counters.clearPort(index);
    }
  }

  private void requireReplannable() {
    for (Agent agent : agentsByWorker) {
      if (!(agent instanceof ReplannableAgent)) {
        throw new IllegalStateException(
            "ports cannot change while a " + agent.roleName() + " switch runs; restart it");
      }
    }
  }

  /** Recomputes the queue assignment and publishes each worker's new plan. */
  private void replan() {
    if (agentsByWorker.isEmpty()) {
      return; // not started yet: start() plans from scratch
    }
    List<List<RxQueue>> assignment = QueueAssignment.assign(ports(), agentsByWorker.size());
    Port[] byIndex = slots.clone();
    for (int w = 0; w < agentsByWorker.size(); w++) {
      ((ReplannableAgent) agentsByWorker.get(w)).replan(assignment.get(w), byIndex);
    }
  }

  /**
   * Waits until every live worker has completed two passes since now: the pass in flight (which may
   * have read the old plan) and one that certainly started with the new one.
   */
  private void awaitQuiescence() {
    long[] seen = new long[agentsByWorker.size()];
    for (int w = 0; w < seen.length; w++) {
      seen[w] = ((ReplannableAgent) agentsByWorker.get(w)).passes();
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    for (int w = 0; w < seen.length; w++) {
      var agent = (ReplannableAgent) agentsByWorker.get(w);
      while (agent.passes() < seen[w] + 2 && workers.get(w).isRunning()) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(workers.get(w).name() + " made no progress in 10 s");
        }
        Thread.onSpinWait();
      }
    }
  }

  /** Stops the workers (each frees what it holds), then the ports. Idempotent. */
  public synchronized void stop() {
    RuntimeException first = null;
    for (WorkerThread worker : workers) {
      try {
        worker.stop(Duration.ofSeconds(10));
      } catch (RuntimeException e) {
        first = first == null ? e : first;
      }
    }
    workers.clear();
    agentsByWorker.clear();
    if (started) {
      started = false;
      for (Port port : ports()) {
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

  /** The ports in slot order. */
  public synchronized List<Port> ports() {
    List<Port> live = new ArrayList<>();
    for (Port port : slots) {
      if (port != null) {
        live.add(port);
      }
    }
    return live;
  }

  /** The port named {@code name}, or null. */
  public synchronized Port port(String name) {
    for (Port port : slots) {
      if (port != null && port.name().equals(name)) {
        return port;
      }
    }
    return null;
  }

  public int portCapacity() {
    return slots.length;
  }

  public synchronized List<WorkerThread> workers() {
    return List.copyOf(workers);
  }

  /** The workers' agents, by worker index. */
  public synchronized List<Agent> agents() {
    return List.copyOf(agentsByWorker);
  }

  public CounterFile counters() {
    return counters;
  }

  public Mempool pool() {
    return pool;
  }

  /** The most mbufs drivers may keep past close (not a leak of the switch's). */
  public int keptByDrivers() {
    return keptByDrivers;
  }

  /** First failure of any worker, or null while all are healthy. */
  public synchronized Throwable workerFailure() {
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
    for (Port port : ports()) {
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
  public synchronized int closeAndCountLeaks() {
    closed = true;
    try {
      stop();
    } finally {
      closeAll(ports());
      Arrays.fill(slots, null);
    }
    int leaked = Math.max(0, pool.inUse() - keptByDrivers);
    pool.close();
    counters.close();
    counters.delete();
    return leaked;
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closeAndCountLeaks();
    }
  }

  private static void closeAll(List<Port> ports) {
    for (int i = ports.size() - 1; i >= 0; i--) {
      Port port = ports.get(i);
      if (port == null) {
        continue;
      }
      try {
        port.close();
      } catch (RuntimeException e) {
        System.err.println("vswitch: warning: closing port " + port.name() + ": " + e);
      }
    }
  }

  /** One line of the exit report. */
  public record PortReport(
      String name, long rxPackets, long txPackets, long drops, PortDeviceStats device) {}
}
