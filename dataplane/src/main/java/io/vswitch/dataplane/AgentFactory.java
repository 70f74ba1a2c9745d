package io.vswitch.dataplane;

import io.vswitch.dataplane.port.Port;
import io.vswitch.dataplane.stats.CounterFile;
import io.vswitch.dataplane.worker.Agent;
import io.vswitch.dataplane.worker.RxQueue;
import io.vswitch.ffm.Mempool;
import java.util.List;

/** Makes the agent of one worker: what forwarding the switch does is chosen here. */
@FunctionalInterface
public interface AgentFactory {
  Agent create(WorkerContext context);

  /**
   * What one worker is given.
   *
   * @param worker the worker's index: its transmit queue on every port and its counter slots
   * @param queues the receive queues it polls
   * @param ports every port, by index
   * @param counters the shared counter file
   * @param pool the mbuf pool (for copies)
   */
  record WorkerContext(
      int worker, List<RxQueue> queues, List<Port> ports, CounterFile counters, Mempool pool) {}
}
