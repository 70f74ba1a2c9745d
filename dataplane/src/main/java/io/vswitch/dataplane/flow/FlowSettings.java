package io.vswitch.dataplane.flow;

/**
 * What the workers need of the flow-export config, published whole (a volatile reference each cache
 * reads once per burst and once per sweep): a flow is exported when it has been idle for {@code
 * idleMillis} or has lasted {@code activeMillis}; one IP packet in {@code sampling} is accounted
 * (1: every packet).
 */
public record FlowSettings(long activeMillis, long idleMillis, int sampling) {
  public FlowSettings {
    if (activeMillis < 1 || idleMillis < 1 || sampling < 1) {
      throw new IllegalArgumentException("flow timeouts and sampling must be positive");
    }
  }
}
