package io.vswitch.perf.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Issue 14's VXLAN comparison from one run's rows: each switch's encap row and decap row, and an
 * encap+decap figure per switch: the rate one core sustains when every packet is encapsulated once
 * and decapsulated once (both ends of a tunnel on one core, 1 / (1/encap + 1/decap) Mpps), whose
 * cost is the sum of the two rows' cycles per packet. The ratio vswitch / OVS of that figure is the
 * line under the table ("VXLAN encap / decap vs OVS"; the issue sets no target) and goes into both
 * decap rows' notes.
 */
final class VxlanFigures {
  static final String ENCAP = "l2-vxlan";
  static final String DECAP = "l2-vxlan-decap";
  static final String OVS_ENCAP = "ovs-l2-vxlan";
  static final String OVS_DECAP = "ovs-l2-vxlan-decap";
  static final String TARGET = "issue 14: VXLAN encap / decap vs OVS (no target: the ratios)";

  private VxlanFigures() {}

  /** Mpps of encap+decap on one core: NaN unless both rows were measured. */
  static double combinedMpps(Measurement encap, Measurement decap) {
    if (encap == null || decap == null || encap.mpps() <= 0 || decap.mpps() <= 0) {
      return Double.NaN;
    }
    return 1 / (1 / encap.mpps() + 1 / decap.mpps());
  }

  /** Cycles per packet of encap+decap: the sum (NaN when either is unknown). */
  static double combinedCycles(Measurement encap, Measurement decap) {
    if (encap == null || decap == null) {
      return Double.NaN;
    }
    return encap.cyclesPerPacket() + decap.cyclesPerPacket();
  }

  /** The targets' line: both ratios, the figures and their ratio; n/a without the four rows. */
  static IssueTargets.Result result(List<Measurement> rows) {
    Measurement e = ResultTable.row(rows, ENCAP);
    Measurement d = ResultTable.row(rows, DECAP);
    Measurement oe = ResultTable.row(rows, OVS_ENCAP);
    Measurement od = ResultTable.row(rows, OVS_DECAP);
    if (e == null || d == null || oe == null || od == null) {
      return new IssueTargets.Result(
          TARGET, "needs rows " + String.join(", ", ENCAP, DECAP, OVS_ENCAP, OVS_DECAP), null);
    }
    String text =
        String.format(
            Locale.ROOT,
            "encap %.2fx (%.2f / %.2f Mpps), decap %.2fx (%.2f / %.2f), %s",
            e.mpps() / oe.mpps(),
            e.mpps(),
            oe.mpps(),
            d.mpps() / od.mpps(),
            d.mpps(),
            od.mpps(),
            combined(e, d, oe, od));
    return new IssueTargets.Result(TARGET, text, null);
  }

  /** "encap+decap vswitch X / OVS Y Mpps per core = Rx; per cycle ...". */
  private static String combined(Measurement e, Measurement d, Measurement oe, Measurement od) {
    double v = combinedMpps(e, d);
    double o = combinedMpps(oe, od);
    String out =
        String.format(
            Locale.ROOT, "encap+decap %.2fx (vswitch %.2f / OVS %.2f Mpps per core)", v / o, v, o);
    double vc = combinedCycles(e, d);
    double oc = combinedCycles(oe, od);
    if (!Double.isNaN(vc) && !Double.isNaN(oc)) {
      out += String.format(Locale.ROOT, "; per cycle %.2fx (%.0f / %.0f cyc/pkt)", oc / vc, oc, vc);
    }
    return out;
  }

  /** The rows with the encap+decap figures in the decap rows' notes (when all four are there). */
  static List<Measurement> annotate(List<Measurement> rows) {
    Measurement e = ResultTable.row(rows, ENCAP);
    Measurement d = ResultTable.row(rows, DECAP);
    Measurement oe = ResultTable.row(rows, OVS_ENCAP);
    Measurement od = ResultTable.row(rows, OVS_DECAP);
    List<Measurement> out = new ArrayList<>(rows.size());
    for (Measurement r : rows) {
      String figure = null;
      if (r == d && e != null) {
        figure = figure("vswitch", e, d);
        if (oe != null && od != null) {
          figure += "; " + combined(e, d, oe, od) + " vs OVS";
        }
      } else if (r == od && oe != null) {
        figure = figure("OVS", oe, od);
      }
      out.add(figure == null ? r : withNote(r, figure + "; " + r.note()));
    }
    return out;
  }

  private static String figure(String who, Measurement encap, Measurement decap) {
    String out =
        String.format(
            Locale.ROOT, "%s encap+decap %.2f Mpps per core", who, combinedMpps(encap, decap));
    double c = combinedCycles(encap, decap);
    return Double.isNaN(c) ? out : out + String.format(Locale.ROOT, " (%.0f cyc/pkt)", c);
  }

  private static Measurement withNote(Measurement r, String note) {
    return new Measurement(
        r.name(),
        r.status(),
        r.mpps(),
        r.bytesPerPacket(),
        r.forwardingCores(),
        r.cyclesPerPacket(),
        r.versus(),
        note);
  }
}
