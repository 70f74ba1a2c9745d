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
          Measurement.ok("l2", 15, 0.0, "L2"),
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
