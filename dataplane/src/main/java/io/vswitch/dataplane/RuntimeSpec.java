package io.vswitch.dataplane;

import io.vswitch.dataplane.port.PortSpec;
import java.nio.file.Path;
import java.util.List;

/**
 * Everything the data-plane runtime needs, already validated by the control plane.
 *
 * @param ports ports in index order
 * @param workerCores one entry per worker: its core, or WorkerThread.ANY_CORE
 * @param idleStrategy "busy-spin" or "backoff"
 * @param counterFile where the shared counters live
 * @param poolSize mbufs in the pool; 0 sizes it from the rings
 * @param portCapacity the most ports the runtime may ever hold (ports can be added while it runs
 *     when its agents are {@link io.vswitch.dataplane.worker.ReplannableAgent}s); 0 means exactly
 *     the ports given
 */
public record RuntimeSpec(
    List<PortSpec> ports,
    List<Integer> workerCores,
    String idleStrategy,
    Path counterFile,
    int poolSize,
    int portCapacity) {

  public RuntimeSpec(
      List<PortSpec> ports,
      List<Integer> workerCores,
      String idleStrategy,
      Path counterFile,
      int poolSize) {
    this(ports, workerCores, idleStrategy, counterFile, poolSize, 0);
  }

  /** The number of port slots: the capacity, or the initial ports when none was set. */
  public int slots() {
    return Math.max(portCapacity, ports.size());
  }

  public RuntimeSpec {
    ports = List.copyOf(ports);
    workerCores = List.copyOf(workerCores);
    if (workerCores.isEmpty()) {
      throw new IllegalArgumentException("need at least one worker core");
    }
  }
}
