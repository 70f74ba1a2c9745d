package io.vswitch.control;

import io.vswitch.dataplane.SwitchRuntime;
import io.vswitch.dataplane.port.Port;
import io.vswitch.dataplane.stats.PortCounter;
import java.io.PrintStream;

/**
 * The event side of the FDB's MAC limit: on each housekeeping tick, one log line per port whose
 * fdb_learn_refused counter grew since the last tick (a port over its mac-limit, or the table at
 * capacity), so an operator sees a MAC flood as it happens, not only in the counters. One line per
 * port per tick at most, however fast the refusals come.
 */
final class LearnRefusals {
  private final long[] seen;
  private final PrintStream log;

  LearnRefusals(int portCapacity, PrintStream log) {
    this.seen = new long[Math.max(portCapacity, 1)];
    this.log = log;
  }

  void check(SwitchRuntime runtime) {
    for (Port port : runtime.ports()) {
      int p = port.index();
      if (p >= seen.length) {
        continue;
      }
      long now = runtime.counters().sum(p, PortCounter.FDB_LEARN_REFUSED);
      if (now > seen[p]) {
        log.printf(
            "vswitch: port '%s': %d source MACs not learned (mac-limit or FDB capacity reached)%n",
            port.name(), now - seen[p]);
      }
      seen[p] = now;
    }
  }
}
