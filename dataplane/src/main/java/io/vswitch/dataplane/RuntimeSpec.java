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
 */
public record RuntimeSpec(
    List<PortSpec> ports,
    List<Integer> workerCores,
    String idleStrategy,
    Path counterFile,
    int poolSize) {

  public RuntimeSpec {
    ports = List.copyOf(ports);
    workerCores = List.copyOf(workerCores);
    if (workerCores.isEmpty()) {
      throw new IllegalArgumentException("need at least one worker core");
    }
  }
}
