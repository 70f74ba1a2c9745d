package io.vswitch.control.api.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.vswitch.control.testing.Dashboard;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * dashboards/vswitch.json is a Grafana 10 dashboard for import (its data source an input), and its
 * queries use only what the switch exports: a renamed metric breaks this test, not an operator's
 * dashboard. The Prometheus scrape test runs the same queries on a real Prometheus.
 */
class DashboardTest {
  /** Series Prometheus itself adds to every scraped target. */
  private static final Set<String> SCRAPE_SERIES = Set.of("up", "scrape_duration_seconds");

  private final JsonNode dashboard = Dashboard.read();

  @Test
  void isAnImportableGrafana10DashboardWithItsDataSourceAsAnInput() {
    assertTrue(dashboard.path("schemaVersion").asInt() >= 37, "Grafana 10 writes 37..39");
    assertEquals("vswitch", dashboard.path("title").asText());
    assertTrue(dashboard.path("uid").asText().matches("[a-zA-Z0-9_-]{1,40}"));
    JsonNode input = dashboard.path("__inputs").get(0);
    assertEquals("DS_PROMETHEUS", input.path("name").asText());
    assertEquals("datasource", input.path("type").asText());
    assertEquals("prometheus", input.path("pluginId").asText());
    Set<Integer> ids = new HashSet<>();
    for (JsonNode panel : dashboard.path("panels")) {
      assertTrue(ids.add(panel.path("id").asInt()), "panel ids are unique");
      JsonNode at = panel.path("gridPos");
      assertTrue(at.path("w").asInt() > 0 && at.path("x").asInt() + at.path("w").asInt() <= 24);
    }
    for (JsonNode panel : Dashboard.panels(dashboard)) {
      String title = panel.path("title").asText();
      assertEquals("${DS_PROMETHEUS}", panel.path("datasource").path("uid").asText(), title);
      assertTrue(panel.path("targets").size() > 0, title + " has a query");
      Set<String> refIds = new HashSet<>();
      for (JsonNode target : panel.path("targets")) {
        assertEquals("${DS_PROMETHEUS}", target.path("datasource").path("uid").asText(), title);
        assertTrue(refIds.add(target.path("refId").asText()), title + ": refIds are unique");
        assertTrue(!target.path("expr").asText().isBlank(), title);
      }
    }
    for (JsonNode variable : dashboard.path("templating").path("list")) {
      assertEquals("${DS_PROMETHEUS}", variable.path("datasource").path("uid").asText());
    }
  }

  @Test
  void panelsDoNotOverlap() {
    var panels = dashboard.path("panels");
    for (int i = 0; i < panels.size(); i++) {
      for (int j = i + 1; j < panels.size(); j++) {
        JsonNode a = panels.get(i).path("gridPos");
        JsonNode b = panels.get(j).path("gridPos");
        boolean apart =
            a.path("x").asInt() + a.path("w").asInt() <= b.path("x").asInt()
                || b.path("x").asInt() + b.path("w").asInt() <= a.path("x").asInt()
                || a.path("y").asInt() + a.path("h").asInt() <= b.path("y").asInt()
                || b.path("y").asInt() + b.path("h").asInt() <= a.path("y").asInt();
        assertTrue(
            apart,
            panels.get(i).path("title").asText() + " overlaps " + panels.get(j).path("title"));
      }
    }
  }

  @Test
  void queriesUseOnlyExportedMetricsAndEveryFamilyIsShown() {
    Set<String> exported = new TreeSet<>();
    for (MetricFamily family : MetricFamily.values()) {
      exported.addAll(family.seriesNames());
    }
    Set<String> used = new TreeSet<>();
    for (String expr : Dashboard.expressions(dashboard)) {
      Set<String> names = Dashboard.metricNames(expr);
      assertTrue(!names.isEmpty(), "no metric in " + expr);
      for (String name : names) {
        assertTrue(
            exported.contains(name) || SCRAPE_SERIES.contains(name),
            name + " is not exported by the switch (in " + expr + ")");
      }
      used.addAll(names);
    }
    for (MetricFamily family : MetricFamily.values()) {
      assertTrue(
          family.seriesNames().stream().anyMatch(used::contains),
          family.metric() + " is on no panel");
    }
    assertTrue(
        Dashboard.expressions(dashboard).stream()
            .anyMatch(
                e ->
                    e.contains(
                        "histogram_quantile(0.99, sum by (worker, le) (rate(vswitch_worker_stall_seconds_bucket")),
        "stall quantiles from the histogram");
  }

  @Test
  void theNameScannerSeesMetricsNotFunctionsLabelsOrRanges() {
    assertEquals(
        Set.of("vswitch_port_bytes_total"),
        Dashboard.metricNames(
            "8 * sum by (port) (rate(vswitch_port_bytes_total{port=~\"$port\",direction=\"rx\"}[$__rate_interval]))"));
    assertEquals(
        Set.of("a_total", "b"),
        Dashboard.metricNames("time() - max(a_total{x=\"y{z}\"}) / on (i) b > bool 0.5"));
  }
}
