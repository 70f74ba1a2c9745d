package io.vswitch.control.api.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.testing.Promtool;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The text format as the switch writes it: escaping, histograms, and its own misuse refused. */
class ExpositionTest {
  @Test
  void labelValuesAreEscapedAsTheFormatSays() {
    StringBuilder out = new StringBuilder();
    new Exposition(out)
        .family(MetricFamily.FDB_LEARNED)
        .sample(MetricFamily.FDB_LEARNED, 3, "a\"b\\c\nd");
    assertTrue(
        out.toString().contains("vswitch_fdb_learned_entries{port=\"a\\\"b\\\\c\\nd\"} 3\n"),
        out.toString());
    assertEquals(java.util.List.of(), Promtool.check(out.toString()));
  }

  @Test
  void histogramIsCumulativeEndsInInfAndCarriesSumAndCount() {
    StringBuilder out = new StringBuilder();
    new Exposition(out)
        .family(MetricFamily.WORKER_STALL)
        .histogram(
            MetricFamily.WORKER_STALL,
            new double[] {1.024e-6, 0.5},
            new long[] {2, 5},
            7,
            1.25,
            "0");
    String text = out.toString();
    assertTrue(
        text.contains("vswitch_worker_stall_seconds_bucket{worker=\"0\",le=\"0.000001024\"} 2\n"),
        text);
    assertTrue(
        text.contains("vswitch_worker_stall_seconds_bucket{worker=\"0\",le=\"0.5\"} 5\n"), text);
    assertTrue(
        text.contains("vswitch_worker_stall_seconds_bucket{worker=\"0\",le=\"+Inf\"} 7\n"), text);
    assertTrue(text.contains("vswitch_worker_stall_seconds_sum{worker=\"0\"} 1.25\n"), text);
    assertTrue(text.contains("vswitch_worker_stall_seconds_count{worker=\"0\"} 7\n"), text);
    assertEquals(java.util.List.of(), Promtool.check(text));
  }

  @Test
  void numbersAreWhatPrometheusParses() {
    assertEquals("3", Exposition.number(3.0));
    assertEquals("0.25", Exposition.number(0.25));
    assertEquals("1796185597.667", Exposition.number(1796185597.667));
    assertEquals("0.000001024", Exposition.number(1.024e-6));
    assertEquals("1.0E-300", Exposition.number(1e-300));
    assertEquals("NaN", Exposition.number(Double.NaN));
    assertEquals("+Inf", Exposition.number(Double.POSITIVE_INFINITY));
    assertEquals("1", Exposition.plain(1.0));
  }

  @Test
  void misuseIsCaughtByTheWriterNotByAScraper() {
    Exposition out = new Exposition(new StringBuilder());
    assertThrows(
        IllegalStateException.class, () -> out.sample(MetricFamily.FDB_ENTRIES, 1), "no family");
    out.family(MetricFamily.PORT_PACKETS);
    assertThrows(
        IllegalArgumentException.class,
        () -> out.sample(MetricFamily.PORT_PACKETS, 1, "a"),
        "direction missing");
    assertThrows(IllegalStateException.class, () -> out.family(MetricFamily.PORT_PACKETS));
    out.family(MetricFamily.PORT_BYTES);
    assertThrows(
        IllegalStateException.class,
        () -> out.sample(MetricFamily.PORT_PACKETS, 1, "a", "rx"),
        "a family's samples stay together");
  }

  @Test
  void everyFamilyFollowsTheNamingConventions() {
    Set<String> names = new HashSet<>();
    for (MetricFamily family : MetricFamily.values()) {
      String name = family.metric();
      assertTrue(names.add(name), name + " twice");
      assertTrue(name.matches("vswitch_[a-z0-9_]+"), name);
      assertEquals(
          family.type() == MetricFamily.Type.COUNTER, name.endsWith("_total"), name + ": _total");
      assertTrue(
          !name.contains("_rx_")
              || family.labels().contains("direction")
              || name.contains("device_rx"),
          name);
      assertTrue(
          !name.matches(
              ".*_(milliseconds|microseconds|nanoseconds|kilobytes|megabytes|bits)(_.*)?"),
          name + ": base units");
      for (String label : family.labels()) {
        assertTrue(label.matches("[a-z][a-z_]*") && !label.equals("le"), name + ": " + label);
      }
      assertTrue(!family.help().isBlank() && family.help().endsWith("."), name + ": help");
    }
  }
}
