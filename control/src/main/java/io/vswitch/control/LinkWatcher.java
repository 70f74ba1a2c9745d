package io.vswitch.control;

import io.vswitch.dataplane.port.DpdkPort;
import io.vswitch.dataplane.port.Port;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Reports each port's link as it changes, from the control thread (once a second): a vNIC's link is
 * up while a VM or peer process is attached, so this is how an operator sees a VM go and come back
 * (vhost-user reconnects by itself; nothing to do but watch). The data path never looks at it.
 */
final class LinkWatcher {
  private final List<DpdkPort> ports = new ArrayList<>();
  private final Boolean[] up;
  private final PrintStream out;

  LinkWatcher(List<Port> all, PrintStream out) {
    for (Port port : all) {
      if (port instanceof DpdkPort dpdk) {
        ports.add(dpdk);
      }
    }
    this.up = new Boolean[ports.size()];
    this.out = out;
  }

  /** Reads every link and prints one line per port whose state changed (all, the first time). */
  void poll() {
    for (int i = 0; i < ports.size(); i++) {
      boolean now = ports.get(i).link().up();
      if (up[i] == null || up[i] != now) {
        up[i] = now;
        out.printf("vswitch: port %s: link %s%n", ports.get(i).name(), now ? "up" : "down");
        out.flush();
      }
    }
  }

  /** "vm1 up, vm2 down" for the exit report: the state last seen. */
  String summary() {
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < ports.size(); i++) {
      parts.add(ports.get(i).name() + " " + (Boolean.TRUE.equals(up[i]) ? "up" : "down"));
    }
    return String.join(", ", parts);
  }
}
