package io.vswitch.dataplane;

import io.vswitch.dataplane.port.Port;
import io.vswitch.dataplane.stats.CounterFile;
import io.vswitch.dataplane.worker.Agent;
import io.vswitch.dataplane.worker.RxQueue;
import java.util.List;

/** Makes the agent of one worker: what forwarding the switch does is chosen here. */
@FunctionalInterface
public interface AgentFactory {
  Agent create(int worker, List<RxQueue> queues, List<Port> ports, CounterFile counters);
}
