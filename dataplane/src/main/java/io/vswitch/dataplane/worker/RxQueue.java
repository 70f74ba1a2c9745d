package io.vswitch.dataplane.worker;

import io.vswitch.dataplane.port.Port;

/** One receive queue of one port: the unit of work given to a worker. */
public record RxQueue(Port port, int queue) {
  @Override
  public String toString() {
    return port.name() + "/" + queue;
  }
}
