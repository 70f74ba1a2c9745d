package io.vswitch.control.api.metrics;

import io.vswitch.control.api.http.HttpStats;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The API's listeners (unix, tcp, metrics) as they register: responses by status code and open
 * connections. Status codes are a small fixed set, so the code label stays low in cardinality.
 */
public final class HttpMetrics implements MetricSource {
  private final Map<String, HttpStats> listeners = new ConcurrentSkipListMap<>();

  /** Adds a listener under {@code name} ("unix", "tcp", "metrics"). */
  public void register(String name, HttpStats stats) {
    listeners.put(name, stats);
  }

  @Override
  public void render(Exposition out) {
    out.family(MetricFamily.API_RESPONSES);
    listeners.forEach(
        (name, stats) -> {
          // 200 from the start, so the series exists before the first answer is counted
          out.sample(MetricFamily.API_RESPONSES, stats.responses(200), name, "200");
          for (int code : stats.codesSeen()) {
            if (code != 200) {
              out.sample(
                  MetricFamily.API_RESPONSES, stats.responses(code), name, Integer.toString(code));
            }
          }
        });
    out.family(MetricFamily.API_CONNECTIONS);
    listeners.forEach(
        (name, stats) -> out.sample(MetricFamily.API_CONNECTIONS, stats.openConnections(), name));
    out.family(MetricFamily.API_MAX_CONNECTIONS);
    listeners.forEach(
        (name, stats) ->
            out.sample(MetricFamily.API_MAX_CONNECTIONS, stats.maxConnections(), name));
  }
}
