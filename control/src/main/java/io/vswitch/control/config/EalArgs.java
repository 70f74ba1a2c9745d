package io.vswitch.control.config;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which EAL arguments {@code eal.extra-args} may add. The switch sets cores, memory, hugepages,
 * file prefix and devices itself, so those are refused here rather than fought over in DPDK; so are
 * {@code -d} (loads a shared library: code execution) and {@code --vdev} (a device outside every
 * port check). An unknown argument is refused before EAL starts, not after a page of DPDK log.
 */
final class EalArgs {
  /** Options that take a value: {@code --opt=value}, or {@code --opt value} as two entries. */
  private static final Set<String> WITH_VALUE =
      Set.of(
          "--log-level",
          "--iova-mode",
          "--huge-dir",
          "--socket-mem",
          "--socket-limit",
          "--base-virtaddr",
          "--mbuf-pool-ops-name",
          "-a",
          "--allow",
          "-b",
          "--block",
          "-n",
          "-r");

  private static final Set<String> FLAGS =
      Set.of(
          "--legacy-mem",
          "--match-allocations",
          "--huge-unlink",
          "--no-telemetry",
          "--telemetry",
          "--no-shconf",
          "--no-hpet",
          "--vmware-tsc-map",
          "--create-uio-dev");

  private EalArgs() {}

  static void check(List<String> args) {
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (arg == null || arg.isEmpty()) {
        throw new ConfigException("eal.extra-args: entry " + i + " is empty");
      }
      int eq = arg.indexOf('=');
      String option = eq < 0 ? arg : arg.substring(0, eq);
      if (FLAGS.contains(option) && eq < 0) {
        continue;
      }
      if (!WITH_VALUE.contains(option)) {
        throw new ConfigException(
            "eal.extra-args: "
                + Names.quote(arg)
                + " is not an EAL option vswitch passes on (cores, memory, hugepages and devices"
                + " have their own keys); allowed: "
                + allowed());
      }
      String value = eq >= 0 ? arg.substring(eq + 1) : i + 1 < args.size() ? args.get(++i) : null;
      if (value == null || value.isEmpty() || value.startsWith("-")) {
        throw new ConfigException("eal.extra-args: " + option + " needs a value");
      }
    }
  }

  private static String allowed() {
    Set<String> all = new TreeSet<>(WITH_VALUE);
    all.addAll(FLAGS);
    return String.join(" ", all);
  }
}
