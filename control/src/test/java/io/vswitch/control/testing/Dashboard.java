package io.vswitch.control.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Grafana dashboard in the repository (dashboards/vswitch.json), as tests read it: its panels,
 * their PromQL, and the metric names that PromQL refers to.
 */
public final class Dashboard {
  /** From a module's directory, where surefire runs. */
  public static final Path FILE = Path.of("..", "dashboards", "vswitch.json");

  private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");
  private static final Pattern GROUPING =
      Pattern.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
  private static final Pattern IDENTIFIER =
      Pattern.compile("(?<![A-Za-z0-9_:.$])([A-Za-z_:][A-Za-z0-9_:]*)(\\s*\\()?");
  private static final Set<String> KEYWORDS =
      Set.of("and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring");

  private Dashboard() {}

  public static JsonNode read() {
    try {
      return new ObjectMapper().readTree(FILE.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The panels that show data (rows left out). */
  public static List<JsonNode> panels(JsonNode dashboard) {
    List<JsonNode> panels = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      if (!panel.path("type").asText().equals("row")) {
        panels.add(panel);
      }
    }
    return panels;
  }

  /** Every target's PromQL, as written (with Grafana's variables). */
  public static List<String> expressions(JsonNode dashboard) {
    List<String> exprs = new ArrayList<>();
    for (JsonNode panel : panels(dashboard)) {
      for (JsonNode target : panel.path("targets")) {
        exprs.add(target.path("expr").asText());
      }
    }
    return exprs;
  }

  /**
   * The metric names a PromQL expression selects: identifiers that are not in a string, a label
   * matcher, a range, a by/without/on clause, not a function or aggregation (followed by "(") and
   * not an operator keyword.
   */
  public static Set<String> metricNames(String expr) {
    String s = STRING.matcher(expr).replaceAll("\"\"");
    s = s.replaceAll("\\{[^}]*}", " ").replaceAll("\\[[^]]*]", " ");
    s = GROUPING.matcher(s).replaceAll(" ");
    Set<String> names = new TreeSet<>();
    Matcher m = IDENTIFIER.matcher(s);
    while (m.find()) {
      if (m.group(2) == null && !KEYWORDS.contains(m.group(1))) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  /**
   * {@code expr} with Grafana's variables replaced so that Prometheus itself can run it: every
   * instance and port, and a rate window of one minute.
   */
  public static String forPrometheus(String expr) {
    return expr.replace("$__rate_interval", "1m").replace("$instance", ".*").replace("$port", ".*");
  }
}
