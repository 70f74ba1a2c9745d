package io.vswitch.perf.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The performance targets of issue 12, checked against one run's rows and printed under the table:
 * each with the ratio or number measured and pass/fail, or "not measured" with the rows it needs.
 * The row names are entries of perf/bench/configurations.yaml (a test keeps them there).
 */
final class IssueTargets {
  static final String L2 = "l2-fair";
  static final String L2_ACL300 = "l2-fair-acl300";
  static final String L2_ACL10K = "l2-fair-acl10k";
  static final String OVS_L2 = "ovs-l2-fair";
  static final String OVS_ACL300 = "ovs-l2-fair-acl300";
  static final String XCONNECT = "xconnect";
  static final String CT_1M = "l2-ct-1m";
  static final String OVS_CT_1M = "ovs-l2-ct-1m";
  static final String CT_NEW = "l2-ct-new";
  static final String OVS_CT_NEW = "ovs-l2-ct-new";

  /** The rows the targets read: every name above plus testpmd io. */
  static final List<String> ROWS =
      List.of(
          L2,
          L2_ACL300,
          L2_ACL10K,
          OVS_L2,
          OVS_ACL300,
          XCONNECT,
          ResultTable.TESTPMD_IO,
          CT_1M,
          OVS_CT_1M,
          CT_NEW,
          OVS_CT_NEW);

  /** A B/pkt that prints as 0.00 is none: JFR's per-thread totals are exact to the byte. */
  static final double ZERO_BYTES = 0.005;

  /** Forwarding threads that ran less of the window than this did not have their core. */
  static final double SHARED = 0.9;

  private IssueTargets() {}

  /** One target: what it asks, what was measured (text), and whether it passed (null: unknown). */
  record Result(String target, String actual, Boolean pass) {
    String line() {
      // a line without a target (pass null) that has its figures is information, not n/a
      String verdict =
          pass == null
              ? actual.startsWith("needs rows") || actual.startsWith("no ") ? "n/a" : "info"
              : pass ? "PASS" : "FAIL";
      return String.format(Locale.ROOT, "  %-4s  %-62s %s", verdict, target, actual);
    }
  }

  static List<Result> evaluate(List<Measurement> rows) {
    List<Result> out = new ArrayList<>();
    out.add(
        atLeast(
            rows, "L2 access->trunk, 1,024 flows, static FDB >= 3.0x OVS NORMAL", L2, OVS_L2, 3.0));
    out.add(atLeast(rows, "L2 + 300 rules >= 2.5x OVS + 300 rules", L2_ACL300, OVS_ACL300, 2.5));
    Measurement few = ResultTable.row(rows, L2_ACL300);
    Measurement many = ResultTable.row(rows, L2_ACL10K);
    String rules = "vswitch 10,000 rules within 1.3x of 300 rules";
    if (few == null || many == null) {
      out.add(missing(rules, L2_ACL300, L2_ACL10K));
    } else {
      double slowdown = few.mpps() / many.mpps();
      out.add(
          new Result(
              rules,
              String.format(
                      Locale.ROOT,
                      "10k rules / 300 rules = %.2fx the rate (300-rule rate %.2fx the 10k one)",
                      many.mpps() / few.mpps(),
                      slowdown)
                  + perCycle(many, few),
              slowdown <= 1.3));
    }
    out.add(
        atLeast(rows, "cross-connect >= 0.95x testpmd io", XCONNECT, ResultTable.TESTPMD_IO, 0.95));
    Measurement l2 = ResultTable.row(rows, L2);
    String cycles = "cycles/packet, L2 (" + L2 + ") <= 120";
    if (l2 == null || Double.isNaN(l2.cyclesPerPacket())) {
      out.add(missing(cycles, L2));
    } else {
      out.add(
          new Result(
              cycles,
              String.format(Locale.ROOT, "%.0f cycles/packet", l2.cyclesPerPacket()),
              l2.cyclesPerPacket() <= 120));
    }
    out.add(zeroBytes(rows));
    out.add(VxlanFigures.result(rows));
    return out;
  }

  /**
   * Issue 13's: the connection rows against OVS ct(commit) on the same traffic (ratios, the issue
   * names no number), and no allocation on their workers.
   */
  static List<Result> evaluateConntrack(List<Measurement> rows) {
    List<Result> out = new ArrayList<>();
    out.add(
        atLeast(
            rows, "established forwarding with 1M connections vs OVS ct", CT_1M, OVS_CT_1M, 1.0));
    out.add(atLeast(rows, "new connections/s vs OVS ct", CT_NEW, OVS_CT_NEW, 1.0));
    String target = "0 B/packet on the workers, connection rows";
    List<Measurement> ct = new ArrayList<>();
    for (String name : List.of(CT_1M, CT_NEW)) {
      Measurement m = ResultTable.row(rows, name);
      if (m != null && m.measured() && !Double.isNaN(m.bytesPerPacket())) {
        ct.add(m);
      }
    }
    if (ct.isEmpty()) {
      out.add(missing(target, CT_1M, CT_NEW));
    } else {
      Measurement worst = ct.get(0);
      for (Measurement m : ct) {
        worst = m.bytesPerPacket() > worst.bytesPerPacket() ? m : worst;
      }
      out.add(
          new Result(
              target,
              String.format(
                  Locale.ROOT, "at most %.2f B/pkt (%s)", worst.bytesPerPacket(), worst.name()),
              worst.bytesPerPacket() < ZERO_BYTES));
    }
    return out;
  }

  static String format(List<Measurement> rows) {
    StringBuilder out = new StringBuilder("Issue 12 targets (this run):\n");
    for (Result r : evaluate(rows)) {
      out.append(r.line()).append('\n');
    }
    out.append("Issue 13 targets (this run; the ratio is the target, >= 1.0x is ahead):\n");
    for (Result r : evaluateConntrack(rows)) {
      out.append(r.line()).append('\n');
    }
    return out.toString();
  }

  private static Result atLeast(
      List<Measurement> rows, String target, String row, String reference, double min) {
    Measurement a = ResultTable.row(rows, row);
    Measurement b = ResultTable.row(rows, reference);
    if (a == null || b == null || b.mpps() <= 0) {
      return missing(target, row, reference);
    }
    double ratio = a.mpps() / b.mpps();
    return new Result(
        target,
        String.format(
                Locale.ROOT,
                "%.2fx (%s %.2f / %s %.2f Mpps)",
                ratio,
                row,
                a.mpps(),
                reference,
                b.mpps())
            + perCycle(b, a),
        ratio >= min);
  }

  /**
   * The same comparison in CPU cost, {@code slow} cycles per packet over {@code fast}'s: what the
   * rate ratio would be were both on a core of their own. Said when either row's forwarding threads
   * got less than {@link #SHARED} of their cores, where the rate ratio is the scheduler's.
   */
  static String perCycle(Measurement slow, Measurement fast) {
    if (Double.isNaN(slow.cyclesPerPacket()) || Double.isNaN(fast.cyclesPerPacket())) {
      return "";
    }
    String out =
        String.format(
            Locale.ROOT,
            "; per cycle %.2fx (%.0f / %.0f cyc/pkt)",
            slow.cyclesPerPacket() / fast.cyclesPerPacket(),
            slow.cyclesPerPacket(),
            fast.cyclesPerPacket());
    if (slow.forwardingCores() < SHARED || fast.forwardingCores() < SHARED) {
      out +=
          String.format(
              Locale.ROOT,
              " [cores shared: fwd cpu %.2f / %.2f]",
              fast.forwardingCores(),
              slow.forwardingCores());
    }
    return out;
  }

  private static Result zeroBytes(List<Measurement> rows) {
    String target = "0 B/packet on the switch's workers, every switch row";
    double max = Double.NaN;
    String worst = null;
    for (Measurement r : rows) {
      if (r.measured() && !Double.isNaN(r.bytesPerPacket())) {
        if (Double.isNaN(max) || r.bytesPerPacket() > max) {
          max = r.bytesPerPacket();
          worst = r.name();
        }
      }
    }
    if (worst == null) {
      return new Result(target, "no switch row with a B/pkt", null);
    }
    return new Result(
        target,
        String.format(Locale.ROOT, "at most %.2f B/pkt (%s)", max, worst),
        max < ZERO_BYTES);
  }

  private static Result missing(String target, String... needs) {
    return new Result(target, "needs rows " + String.join(", ", needs), null);
  }
}
