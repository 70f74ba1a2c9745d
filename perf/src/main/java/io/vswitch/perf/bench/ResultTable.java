package io.vswitch.perf.bench;

import java.util.List;
import java.util.Locale;

/**
 * Formats the bench's table: each configuration's rate and its ratio to the references measured in
 * the same run (testpmd io and macswap, OVS-DPDK NORMAL).
 */
public final class ResultTable {
  public static final String TESTPMD_IO = "testpmd-io";
  public static final String TESTPMD_MACSWAP = "testpmd-macswap";
  public static final String OVS = "ovs-dpdk-normal";

  private ResultTable() {}

  public static String format(List<Measurement> rows) {
    double io = rate(rows, TESTPMD_IO);
    double macswap = rate(rows, TESTPMD_MACSWAP);
    double ovs = rate(rows, OVS);
    int width = Math.max(24, rows.stream().mapToInt(r -> r.name().length()).max().orElse(0) + 2);
    StringBuilder out = new StringBuilder();
    String header =
        String.format(
            Locale.ROOT,
            "%-" + width + "s %9s %8s %11s %8s %9s  %s%n",
            "configuration",
            "Mpps",
            "vs io",
            "vs macswap",
            "vs OVS",
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
                Locale.ROOT, "%-" + width + "s %9s  %s: %s%n", r.name(), "-", what, note));
        continue;
      }
      out.append(
          String.format(
              Locale.ROOT,
              "%-" + width + "s %9.2f %8s %11s %8s %9s  %s%n",
              r.name(),
              r.mpps(),
              ratio(r.mpps(), io),
              ratio(r.mpps(), macswap),
              ratio(r.mpps(), ovs),
              Double.isNaN(r.bytesPerPacket())
                  ? "-"
                  : String.format(Locale.ROOT, "%.2f", r.bytesPerPacket()),
              note));
    }
    return out.toString();
  }

  /** The rate of the named row, or NaN when it is absent or was not measured. */
  static double rate(List<Measurement> rows, String name) {
    return rows.stream()
        .filter(r -> r.name().equals(name) && r.measured())
        .mapToDouble(Measurement::mpps)
        .findFirst()
        .orElse(Double.NaN);
  }

  static String ratio(double value, double reference) {
    if (Double.isNaN(reference) || reference <= 0) {
      return "-";
    }
    return String.format(Locale.ROOT, "%.2fx", value / reference);
  }
}
