package io.vswitch.perf.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class IssueTargetsTest {
  private static final double TSC = 2.4e9;

  private static Measurement row(String name, double mpps, double bytes) {
    return Measurement.ok(name, mpps, bytes, "").withCpu(1.0, TSC);
  }

  private final List<Measurement> rows =
      List.of(
          row(ResultTable.TESTPMD_IO, 40, Double.NaN),
          row(IssueTargets.XCONNECT, 39, 0),
          row(IssueTargets.OVS_L2, 5, Double.NaN),
          row(IssueTargets.L2, 20, 0), // 4.0x, 120 cycles
          row(IssueTargets.OVS_ACL300, 5, Double.NaN),
          row(IssueTargets.L2_ACL300, 12, 0.001), // 2.4x: fails 2.5x
          row(IssueTargets.L2_ACL10K, 10, 0)); // 300 rules 1.2x the 10k rate

  @Test
  void eachTargetHasItsRatioAndVerdict() {
    List<IssueTargets.Result> r = IssueTargets.evaluate(rows);
    assertEquals(7, r.size());
    assertEquals(true, r.get(0).pass(), r.get(0).actual());
    assertTrue(r.get(0).actual().startsWith("4.00x"), r.get(0).actual());
    assertEquals(false, r.get(1).pass(), r.get(1).actual());
    assertTrue(r.get(1).actual().startsWith("2.40x"), r.get(1).actual());
    assertEquals(true, r.get(2).pass(), r.get(2).actual());
    assertTrue(r.get(2).actual().contains("0.83x"), r.get(2).actual());
    assertTrue(r.get(2).actual().contains("1.20x"), r.get(2).actual());
    assertEquals(true, r.get(3).pass(), "39/40 = 0.975 >= 0.95");
    assertEquals(true, r.get(4).pass(), "2.4 GHz / 20 Mpps = 120 cycles: " + r.get(4).actual());
    assertEquals("120 cycles/packet", r.get(4).actual());
    assertEquals(true, r.get(5).pass(), "0.001 B/pkt prints as 0.00: " + r.get(5).actual());
  }

  @Test
  void allocationFailsTheZeroTarget() {
    List<IssueTargets.Result> r =
        IssueTargets.evaluate(List.of(row(IssueTargets.L2, 20, 0), row("l2-x", 20, 0.5)));
    assertEquals(false, r.get(5).pass());
    assertTrue(r.get(5).actual().contains("0.50 B/pkt (l2-x)"), r.get(5).actual());
  }

  @Test
  void missingRowsAreNotMeasuredNotFailed() {
    List<IssueTargets.Result> r =
        IssueTargets.evaluate(List.of(Measurement.failed(IssueTargets.OVS_L2, "boom")));
    for (IssueTargets.Result each : r) {
      assertNull(each.pass(), each.target());
    }
    assertTrue(r.get(0).actual().contains(IssueTargets.OVS_L2));
    String text = IssueTargets.format(List.of());
    assertTrue(text.contains("n/a"), text);
  }

  @Test
  void connectionTargetsAreRatiosAgainstOvsCt() {
    List<IssueTargets.Result> r =
        IssueTargets.evaluateConntrack(
            List.of(
                row(IssueTargets.CT_1M, 3.0, 0),
                row(IssueTargets.OVS_CT_1M, 2.0, Double.NaN),
                row(IssueTargets.CT_NEW, 0.4, 0.25),
                row(IssueTargets.OVS_CT_NEW, 0.5, Double.NaN)));
    assertEquals(3, r.size());
    assertEquals(true, r.get(0).pass(), r.get(0).actual());
    assertTrue(r.get(0).actual().startsWith("1.50x"), r.get(0).actual());
    assertEquals(false, r.get(1).pass(), r.get(1).actual());
    assertTrue(r.get(1).actual().startsWith("0.80x"), r.get(1).actual());
    assertEquals(false, r.get(2).pass(), "0.25 B/pkt is not 0");
    assertTrue(r.get(2).actual().contains("(l2-ct-new)"), r.get(2).actual());
    for (IssueTargets.Result each : IssueTargets.evaluateConntrack(List.of())) {
      assertNull(each.pass(), each.target());
    }
    assertTrue(IssueTargets.format(List.of()).contains("Issue 13 targets"));
  }
}
