package io.vswitch.perf.bench;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One switch configuration the end-to-end bench measures, as perf/bench/configurations.yaml lists
 * it: a name, what the generators replay, which ports count, and the switch's config as a template.
 */
public record BenchEntry(
    String name, String description, Traffic traffic, List<String> measure, String config) {

  /** What each generator port replays. */
  public record Traffic(Integer flows, String dst) {
    public Traffic {
      flows = flows == null ? 1 : flows;
      dst = dst == null ? "unicast" : dst;
    }
  }

  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([a-z0-9-]+)}");

  public BenchEntry {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("a bench entry needs a name");
    }
    if (config == null || config.isBlank()) {
      throw new IllegalArgumentException("bench entry '" + name + "' needs a config");
    }
    description = description == null ? "" : description;
    traffic = traffic == null ? new Traffic(null, null) : traffic;
    measure = measure == null || measure.isEmpty() ? List.of("sink") : List.copyOf(measure);
  }

  public static List<BenchEntry> load(Path file) {
    ObjectMapper yaml =
        new ObjectMapper(new YAMLFactory())
            .setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    try {
      return Arrays.asList(yaml.readValue(file.toFile(), BenchEntry[].class));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** The config with every ${placeholder} replaced; an unknown one is an error. */
  public String render(Map<String, String> values) {
    Matcher m = PLACEHOLDER.matcher(config);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = values.get(m.group(1));
      if (value == null) {
        throw new IllegalArgumentException(
            "bench entry '" + name + "': unknown placeholder ${" + m.group(1) + "}");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** How many generator ports (${gen}, ${gen1}, ...) the config uses. */
  public int generators() {
    int n = 0;
    while (config.contains("${" + (n == 0 ? "gen" : "gen" + n) + "}")) {
      n++;
    }
    return n;
  }
}
