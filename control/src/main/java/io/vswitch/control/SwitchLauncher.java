package io.vswitch.control;

import io.vswitch.control.config.SwitchConfig;
import io.vswitch.dataplane.RuntimeSpec;
import io.vswitch.dataplane.SwitchRuntime;
import io.vswitch.dataplane.port.Port;
import io.vswitch.dataplane.port.PortSpec;
import io.vswitch.dataplane.xconnect.CrossConnectAgent;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Builds the data-plane runtime a validated config describes. */
final class SwitchLauncher {
  private SwitchLauncher() {}

  static RuntimeSpec runtimeSpec(SwitchConfig config, Path counterFile) {
    List<PortSpec> ports =
        config.ports().stream()
            .map(
                p ->
                    new PortSpec(
                        p.name(), p.devargs(), p.rxQueues(), p.rxDescriptors(), p.txDescriptors()))
            .toList();
    return new RuntimeSpec(
        ports, config.workers().cores(), config.workers().idle(), counterFile, 0);
  }

  /** Opens the runtime with cross-connect forwarding between the configured pairs. */
  static SwitchRuntime open(SwitchConfig config, Path counterFile) {
    Map<String, String> peerName = new HashMap<>();
    for (List<String> pair : config.crossConnect()) {
      peerName.put(pair.get(0), pair.get(1));
      peerName.put(pair.get(1), pair.get(0));
    }
    return SwitchRuntime.open(
        runtimeSpec(config, counterFile),
        (worker, queues, ports, counters) ->
            new CrossConnectAgent(worker, queues, peers(ports, peerName), counters));
  }

  private static List<Port> peers(List<Port> ports, Map<String, String> peerName) {
    Map<String, Port> byName = new HashMap<>();
    ports.forEach(p -> byName.put(p.name(), p));
    List<Port> peerOf = new ArrayList<>();
    for (Port port : ports) {
      peerOf.add(byName.get(peerName.get(port.name())));
    }
    return peerOf;
  }

  /** The exit report: the switch's counters and the devices' own, one line per port. */
  static void printReport(SwitchRuntime runtime, PrintStream out) {
    out.printf(
        "%-16s %14s %14s %10s %14s %14s %10s%n",
        "port", "rx_packets", "tx_packets", "drops", "dev_rx", "dev_tx", "dev_missed");
    for (SwitchRuntime.PortReport r : runtime.report()) {
      out.printf(
          "%-16s %14d %14d %10d %14d %14d %10d%n",
          r.name(),
          r.rxPackets(),
          r.txPackets(),
          r.drops(),
          r.device().rxPackets(),
          r.device().txPackets(),
          r.device().rxMissed());
    }
  }
}
