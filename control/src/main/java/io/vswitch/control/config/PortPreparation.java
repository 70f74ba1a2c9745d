package io.vswitch.control.config;

import java.util.Collection;

/**
 * What the host must look like before a port's device opens, and what it gets back after it closes:
 * one place for the three moments a device opens (the switch starting, a port added live, a port's
 * device replaced live, or put back when the new one fails), so none of them misses a step.
 *
 * <p>Before opening, in this order: a vhost-user server socket a killed switch left behind is
 * removed ({@link HostChecks#removeStaleServerSocket}); an afpacket port whose fanout group another
 * process holds is refused with what to do ({@link FanoutGroups#requireFree}); an afpacket port on
 * a veth gets the XDP_PASS link that keeps GSO frames away ({@link VethSegmentation#prepare}). The
 * first two throw {@link ConfigException}: at start that is exit 2, live it refuses the change.
 */
public final class PortPreparation {
  private PortPreparation() {}

  /** Readies the host for {@code port}'s device; throws if it cannot open here. */
  public static void beforeOpen(SwitchConfig.Port port) {
    String devargs = PortTypes.devargs(port);
    HostChecks.removeStaleServerSocket(devargs);
    FanoutGroups.requireFree(port.name(), devargs);
    VethSegmentation.prepare(port.name(), devargs);
  }

  /**
   * What to report when opening {@code ports} failed with {@code failure}: an afpacket port whose
   * fanout group another process holds now (it took the group after {@link #beforeOpen} probed it
   * free: two switches starting at once) is refused as {@link FanoutGroups#requireFree} refuses it,
   * which says what to do where DPDK says "Operation not permitted". Otherwise {@code failure}.
   */
  public static RuntimeException explainFailedOpen(
      Collection<SwitchConfig.Port> ports, RuntimeException failure) {
    try {
      for (SwitchConfig.Port port : ports) {
        FanoutGroups.requireFree(port.name(), PortTypes.devargs(port));
      }
    } catch (ConfigException taken) {
      taken.addSuppressed(failure);
      return taken;
    }
    return failure;
  }

  /** Undoes {@link #beforeOpen} once the device of port {@code portName} has closed. */
  public static void afterClose(String portName) {
    VethSegmentation.release(portName);
  }
}
