package io.vswitch.perf.bench;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What OvsRunner reads from OVS 3.1's tools' answers (ovs-ofctl, ovs-appctl). */
final class OvsOutput {
  private static final Pattern TX_PACKETS = Pattern.compile("tx pkts=(\\d+)");
  private static final Pattern FLOW_COUNT = Pattern.compile("flow_count=(\\d+)");

  private OvsOutput() {}

  /** The datapath (megaflow) flows of a dpctl/dump-flows answer. */
  static long megaflows(String dump) {
    // a flow after a tunnel pop starts with its tunnel(...) match
    return dump.lines().filter(l -> l.startsWith("recirc_id(") || l.startsWith("tunnel(")).count();
  }

  /** The OpenFlow flow count of an ovs-ofctl dump-aggregate answer. */
  static int flowCount(String aggregate) {
    Matcher m = FLOW_COUNT.matcher(aggregate);
    if (!m.find()) {
      throw new IllegalStateException("unexpected dump-aggregate answer: " + aggregate.trim());
    }
    return Integer.parseInt(m.group(1));
  }

  /** The first port's tx packets of an ovs-ofctl dump-ports answer. */
  static long txPackets(String dumpPorts) {
    Matcher m = TX_PACKETS.matcher(dumpPorts);
    if (!m.find()) {
      throw new IllegalStateException("unexpected dump-ports answer: " + dumpPorts.trim());
    }
    return Long.parseLong(m.group(1));
  }

  /**
   * What OVS's own counters of the measured window say (dpif-netdev/pmd-stats-show): where packets
   * were looked up and OVS's processing cycles per packet, a cross-check of the table's column.
   */
  record PmdStats(long packets, long emc, long smc, long megaflow, long upcalls, double cycles) {
    private static final Pattern LINE = Pattern.compile("^\\s*([a-z. ]+):\\s+([0-9.]+)");

    static PmdStats parse(String show) {
      long packets = 0;
      long emc = 0;
      long smc = 0;
      long megaflow = 0;
      long upcalls = 0;
      double cycles = Double.NaN;
      boolean inPmd = false;
      for (String line : show.lines().toList()) {
        if (line.startsWith("pmd thread")) {
          inPmd = true;
          continue;
        }
        if (line.startsWith("main thread")) {
          inPmd = false;
        }
        Matcher m = LINE.matcher(line);
        if (!inPmd || !m.find()) {
          continue;
        }
        String v = m.group(2);
        switch (m.group(1).trim()) {
          case "packets received" -> packets += Long.parseLong(v);
          case "emc hits" -> emc += Long.parseLong(v);
          case "smc hits" -> smc += Long.parseLong(v);
          case "megaflow hits" -> megaflow += Long.parseLong(v);
          case "miss with success upcall", "miss with failed upcall" ->
              upcalls += Long.parseLong(v);
          case "avg processing cycles per packet" -> cycles = Double.parseDouble(v);
          default -> {}
        }
      }
      return new PmdStats(packets, emc, smc, megaflow, upcalls, cycles);
    }

    String summary() {
      if (packets == 0) {
        return "pmd-stats: no packets";
      }
      return String.format(
          Locale.ROOT,
          "lookups: EMC %.1f%%, SMC %.1f%%, megaflow %.1f%%, upcalls %d; OVS's pmd-stats"
              + " %.0f cyc/pkt (TSC, preempted time included)",
          100.0 * emc / packets,
          100.0 * smc / packets,
          100.0 * megaflow / packets,
          upcalls,
          cycles);
    }
  }
}
