package io.vswitch.dataplane.worker;

import io.vswitch.dataplane.port.Port;
import java.util.List;

/**
 * An agent whose ports can change while it runs. The control thread hands it a new plan (its
 * receive queues and the port of every index; null where there is none); the agent switches to it
 * at the start of its next pass, and counts its passes so the control thread can tell when every
 * worker has let go of a port (quiescent-state detection, as in RCU) before closing the device.
 */
public interface ReplannableAgent extends Agent {

  /** Control thread: publish a new plan; takes effect at the worker's next pass. */
  void replan(List<RxQueue> queues, Port[] portsByIndex);

  /** Passes completed so far; only ever grows. Read by the control thread. */
  long passes();
}
