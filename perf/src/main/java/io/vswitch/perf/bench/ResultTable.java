package io.vswitch.perf.bench;

import java.util.List;
import java.util.Locale;

/**
 * Formats the bench's table: each row's rate, its ratio to the references measured in the same run
 * (testpmd io and macswap, and the OVS-DPDK row with the same traffic and rules), the CPU its
 * forwarding threads got, the cycles per packet that makes, and heap bytes per packet.
 */
public final class ResultTable {
  public static final String TESTPMD_IO = "testpmd-io";
  public static final String TESTPMD_MACSWAP = "testpmd-macswap";

  /** The OVS row a switch row is compared with unless its entry names another (versus). */
  public static final String OVS = "ovs-dpdk-normal";

  private ResultTable() {}

  /** What the columns mean; printed under the table. */
  public static String legend(double tscHz) {
    return String.format(
        Locale.ROOT,
        """
        Mpps: packets per second out of the measured ports over the window (testpmd: its own \
        Tx-pps, averaged).
        vs io / vs macswap: this rate over dpdk-testpmd io / macswap in this run. vs OVS: over \
        the OVS-DPDK row named in the note ("vs ovs-..."; else %s), same traffic, rules and cores.
        fwd cpu: cores the forwarding threads ran on over the window (vswitch-worker*, testpmd \
        rte-worker-*, OVS pmd-c*; /proc/PID/task/TID/schedstat): 1.00 = one busy-spinning \
        thread never preempted; less when other processes took its core.
        cyc/pkt: TSC Hz x fwd cpu / packets per second = TSC cycles the forwarding threads ran \
        per packet (busy-spinning, never preempted, one worker: TSC Hz / pps; two workers: both \
        cores count). TSC %.1f MHz, measured in this run (rdtsc against the monotonic clock).
        B/pkt: heap bytes allocated per packet on the switch's worker threads (JFR \
        jdk.ThreadAllocationStatistics over the window); '-' for C programs.
        """,
        OVS,
        tscHz / 1e6);
  }

  public static String format(List<Measurement> rows) {
    double io = rate(rows, TESTPMD_IO);
    double macswap = rate(rows, TESTPMD_MACSWAP);
    int width = Math.max(24, rows.stream().mapToInt(r -> r.name().length()).max().orElse(0) + 2);
    StringBuilder out = new StringBuilder();
    String header =
        String.format(
            Locale.ROOT,
            "%-" + width + "s %8s %7s %10s %7s %8s %7s %6s  %s%n",
            "configuration",
            "Mpps",
            "vs io",
            "vs macswap",
            "vs OVS",
            "cyc/pkt",
            "fwd cpu",
            "B/pkt",
            "note");
    out.append(header);
    out.append("-".repeat(header.length() - 1)).append('\n');
    for (Measurement r : rows) {
      String note = r.note() == null ? "" : r.note();
      if (!r.measured()) {
        String what = r.status() == Measurement.Status.SKIPPED ? "not available yet" : "FAILED";
        out.append(
            String.format(
                Locale.ROOT, "%-" + width + "s %8s  %s: %s%n", r.name(), "-", what, note));
        continue;
      }
      double ovs = r.versus() == null ? Double.NaN : rate(rows, r.versus());
      if (r.versus() != null && !r.versus().equals(OVS)) {
        note = "vs " + r.versus() + "; " + note;
      }
      out.append(
          String.format(
              Locale.ROOT,
              "%-" + width + "s %8.2f %7s %10s %7s %8s %7s %6s  %s%n",
              r.name(),
              r.mpps(),
              ratio(r.mpps(), io),
              ratio(r.mpps(), macswap),
              ratio(r.mpps(), ovs),
              number(r.cyclesPerPacket(), 0),
              number(r.forwardingCores(), 2),
              number(r.bytesPerPacket(), 2),
              note));
    }
    return out.toString();
  }

  /** The rate of the named row, or NaN when it is absent or was not measured. */
  static double rate(List<Measurement> rows, String name) {
    return row(rows, name) == null ? Double.NaN : row(rows, name).mpps();
  }

  /** The named row when it was measured, else null. */
  static Measurement row(List<Measurement> rows, String name) {
    return rows.stream()
        .filter(r -> r.name().equals(name) && r.measured())
        .findFirst()
        .orElse(null);
  }

  static String ratio(double value, double reference) {
    if (Double.isNaN(reference) || reference <= 0) {
      return "-";
    }
    return String.format(Locale.ROOT, "%.2fx", value / reference);
  }

  private static String number(double v, int decimals) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%." + decimals + "f", v);
  }
}
