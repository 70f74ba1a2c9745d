package io.vswitch.control;

import io.vswitch.dataplane.SwitchRuntime;
import io.vswitch.dataplane.port.DpdkPort;
import io.vswitch.dataplane.port.Port;
import io.vswitch.ffm.DpdkException;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reports each port's link as it changes, from the control thread (once a second): a vNIC's link is
 * up while a VM or peer process is attached, so this is how an operator sees a VM go and come back
 * (vhost-user reconnects by itself; nothing to do but watch). The data path never looks at it.
 * Ports are read from the runtime each time, so ports added or removed while running are followed.
 */
final class LinkWatcher {
  private final SwitchRuntime runtime;
  private final PrintStream out;
  private Map<String, Boolean> up = new LinkedHashMap<>();

  LinkWatcher(SwitchRuntime runtime, PrintStream out) {
    this.runtime = runtime;
    this.out = out;
  }

  /** Reads every link and prints one line per port whose state changed (all, the first time). */
  void poll() {
    Map<String, Boolean> now = new LinkedHashMap<>();
    List<Port> ports = runtime.ports();
    for (Port port : ports) {
      if (port instanceof DpdkPort dpdk) {
        boolean linkUp;
        try {
          linkUp = dpdk.link().up();
        } catch (DpdkException e) {
          continue; // removed by a change since ports() was read: it has no link to report
        }
        now.put(port.name(), linkUp);
        if (!Boolean.valueOf(linkUp).equals(up.get(port.name()))) {
          out.printf("vswitch: port %s: link %s%n", port.name(), linkUp ? "up" : "down");
          out.flush();
        }
      }
    }
    up = now;
  }

  /** "vm1 up, vm2 down" for the exit report: the state last seen. */
  String summary() {
    StringBuilder b = new StringBuilder();
    up.forEach(
        (name, linkUp) ->
            b.append(b.isEmpty() ? "" : ", ").append(name).append(linkUp ? " up" : " down"));
    return b.toString();
  }
}
