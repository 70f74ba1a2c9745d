package io.vswitch.dataplane.worker;

import io.vswitch.dataplane.port.Port;
import java.util.ArrayList;
import java.util.List;

/**
 * Spreads the receive queues of all ports over the workers. Each queue, port by port, goes to the
 * least-loaded worker, scanning from just after the previous pick: a port's RSS queues land on
 * different workers, and every worker gets within one queue of every other. Each worker polls only
 * its own queues; transmit queue i of every port belongs to worker i, so no queue is ever shared.
 */
public final class QueueAssignment {
  private QueueAssignment() {}

  /** Returns, for each of {@code workers} workers, the receive queues it polls. */
  public static List<List<RxQueue>> assign(List<? extends Port> ports, int workers) {
    if (workers < 1) {
      throw new IllegalArgumentException("need at least one worker");
    }
    List<List<RxQueue>> result = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      result.add(new ArrayList<>());
    }
    int next = 0;
    for (Port port : ports) {
      for (int q = 0; q < port.rxQueueCount(); q++) {
        int chosen = leastLoaded(result, next);
        result.get(chosen).add(new RxQueue(port, q));
        next = (chosen + 1) % workers;
      }
    }
    return result.stream().map(List::copyOf).toList();
  }

  private static int leastLoaded(List<List<RxQueue>> load, int from) {
    int best = from;
    for (int i = 1; i < load.size(); i++) {
      int w = (from + i) % load.size();
      if (load.get(w).size() < load.get(best).size()) {
        best = w;
      }
    }
    return best;
  }
}
