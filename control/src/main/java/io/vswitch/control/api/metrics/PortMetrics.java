package io.vswitch.control.api.metrics;

import io.vswitch.dataplane.SwitchRuntime;
import io.vswitch.dataplane.port.DpdkPort;
import io.vswitch.dataplane.port.Port;
import io.vswitch.dataplane.port.PortDeviceStats;
import io.vswitch.dataplane.stats.CounterFile;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.stats.PortCounter;
import java.util.ArrayList;
import java.util.List;

/**
 * Per-port families: the switch's own counters (summed over workers from the shared counter file),
 * drops by reason, and the device's view (DPDK ethdev stats, link state). Every drop reason is
 * exported for every port, zeros included, so that rate() and alerts see a series from the start
 * rather than only after the first drop.
 */
public final class PortMetrics implements MetricSource {
  private final SwitchRuntime runtime;

  public PortMetrics(SwitchRuntime runtime) {
    this.runtime = runtime;
  }

  @Override
  public void render(Exposition out) {
    CounterFile counters = runtime.counters();
    List<Port> ports = runtime.ports();
    out.family(MetricFamily.PORT_PACKETS);
    for (Port port : ports) {
      out.sample(
          MetricFamily.PORT_PACKETS,
          sum(counters, port, PortCounter.RX_PACKETS),
          port.name(),
          "rx");
      out.sample(
          MetricFamily.PORT_PACKETS,
          sum(counters, port, PortCounter.TX_PACKETS),
          port.name(),
          "tx");
    }
    out.family(MetricFamily.PORT_BYTES);
    for (Port port : ports) {
      out.sample(
          MetricFamily.PORT_BYTES, sum(counters, port, PortCounter.RX_BYTES), port.name(), "rx");
      out.sample(
          MetricFamily.PORT_BYTES, sum(counters, port, PortCounter.TX_BYTES), port.name(), "tx");
    }
    out.family(MetricFamily.PORT_DELIVERED);
    for (Port port : ports) {
      out.sample(
          MetricFamily.PORT_DELIVERED,
          sum(counters, port, PortCounter.TX_UNICAST),
          port.name(),
          "unicast");
      out.sample(
          MetricFamily.PORT_DELIVERED,
          sum(counters, port, PortCounter.TX_FLOOD),
          port.name(),
          "flood");
      out.sample(
          MetricFamily.PORT_DELIVERED,
          sum(counters, port, PortCounter.MIRROR_PACKETS),
          port.name(),
          "mirror");
    }
    out.family(MetricFamily.PORT_DROPPED);
    for (Port port : ports) {
      for (DropReason reason : DropReason.values()) {
        out.sample(
            MetricFamily.PORT_DROPPED,
            counters.sum(port.index(), reason),
            port.name(),
            reason.label());
      }
    }
    device(out, ports);
  }

  private static long sum(CounterFile counters, Port port, PortCounter counter) {
    return counters.sum(port.index(), counter);
  }

  /** The device's own counters; a device that cannot answer now is left out of this scrape. */
  private static void device(Exposition out, List<Port> ports) {
    List<Port> named = new ArrayList<>();
    List<PortDeviceStats> stats = new ArrayList<>();
    for (Port port : ports) {
      try {
        stats.add(port.deviceStats());
        named.add(port);
      } catch (RuntimeException e) {
        // a port being added or removed: its device is not there to ask
      }
    }
    out.family(MetricFamily.PORT_DEVICE_PACKETS);
    for (int i = 0; i < named.size(); i++) {
      String name = named.get(i).name();
      out.sample(MetricFamily.PORT_DEVICE_PACKETS, stats.get(i).rxPackets(), name, "rx");
      out.sample(MetricFamily.PORT_DEVICE_PACKETS, stats.get(i).txPackets(), name, "tx");
    }
    out.family(MetricFamily.PORT_DEVICE_ERRORS);
    for (int i = 0; i < named.size(); i++) {
      String name = named.get(i).name();
      out.sample(MetricFamily.PORT_DEVICE_ERRORS, stats.get(i).rxErrors(), name, "rx");
      out.sample(MetricFamily.PORT_DEVICE_ERRORS, stats.get(i).txErrors(), name, "tx");
    }
    out.family(MetricFamily.PORT_DEVICE_RX_MISSED);
    for (int i = 0; i < named.size(); i++) {
      out.sample(MetricFamily.PORT_DEVICE_RX_MISSED, stats.get(i).rxMissed(), named.get(i).name());
    }
    out.family(MetricFamily.PORT_DEVICE_RX_NO_MBUF);
    for (int i = 0; i < named.size(); i++) {
      out.sample(MetricFamily.PORT_DEVICE_RX_NO_MBUF, stats.get(i).rxNoMbuf(), named.get(i).name());
    }
    out.family(MetricFamily.PORT_LINK_UP);
    for (Port port : ports) {
      if (port instanceof DpdkPort dpdk) {
        try {
          out.sample(MetricFamily.PORT_LINK_UP, dpdk.link().up() ? 1 : 0, port.name());
        } catch (RuntimeException e) {
          // as above: no device to ask
        }
      }
    }
  }
}
