package io.vswitch.perf.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ResultTableTest {
  private final List<Measurement> rows =
      List.of(
          Measurement.ok(ResultTable.TESTPMD_IO, 60, Double.NaN, "io"),
          Measurement.ok(ResultTable.TESTPMD_MACSWAP, 50, Double.NaN, "macswap"),
          Measurement.ok(ResultTable.OVS, 10, Double.NaN, "ovs"),
          Measurement.ok("l2", 15, 0.0, "L2").withCpu(0.5, 3e9).versus(ResultTable.OVS),
          Measurement.ok("ovs-fair", 5, Double.NaN, "fair ovs"),
          Measurement.ok("l2-fair", 20, 0.0, "fair").versus("ovs-fair"),
          Measurement.skipped("acl", "unknown key 'acl'"),
          Measurement.failed("2w", "exit 1: boom"));

  @Test
  void ratiosAreAgainstTheReferencesOfTheSameRun() {
    String table = ResultTable.format(rows);
    String l2 = table.lines().filter(l -> l.startsWith("l2 ")).findFirst().orElseThrow();
    assertTrue(l2.contains("15.00"), l2);
    assertTrue(l2.contains("0.25x"), "vs io: " + l2);
    assertTrue(l2.contains("0.30x"), "vs macswap: " + l2);
    assertTrue(l2.contains("1.50x"), "vs OVS: " + l2);
    assertTrue(l2.contains("0.00"), "bytes per packet: " + l2);
    assertTrue(l2.contains(" 100 "), "3 GHz x 0.5 cores / 15 Mpps: " + l2);
    assertTrue(l2.contains(" 0.50 "), "forwarding cores: " + l2);
  }

  @Test
  void rowIsComparedWithItsOwnOvsRow() {
    String table = ResultTable.format(rows);
    String fair = table.lines().filter(l -> l.startsWith("l2-fair ")).findFirst().orElseThrow();
    assertTrue(fair.contains("4.00x"), "20 / 5: " + fair);
    assertTrue(fair.contains("vs ovs-fair; fair"), fair);
    String ovs = table.lines().filter(l -> l.startsWith("ovs-fair ")).findFirst().orElseThrow();
    assertTrue(ovs.contains(" - "), "no OVS ratio for an OVS row, no cycles measured: " + ovs);
  }

  @Test
  void legendSaysHowCyclesAreComputed() {
    String legend = ResultTable.legend(2_596_100_000.0);
    assertTrue(legend.contains("TSC 2596.1 MHz"), legend);
    assertTrue(legend.contains("TSC Hz x fwd cpu / packets per second"), legend);
  }

  @Test
  void skippedAndFailedRowsSayWhy() {
    String table = ResultTable.format(rows);
    assertTrue(table.contains("not available yet: unknown key 'acl'"), table);
    assertTrue(table.contains("FAILED: exit 1: boom"), table);
  }

  @Test
  void missingReferenceGivesNoRatio() {
    assertEquals("-", ResultTable.ratio(5, Double.NaN));
    assertEquals("-", ResultTable.ratio(5, 0));
    assertEquals("2.00x", ResultTable.ratio(5, 2.5));
    assertTrue(Double.isNaN(ResultTable.rate(List.of(), ResultTable.OVS)));
  }
}
