package io.vswitch.control.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.SwitchLauncher;
import io.vswitch.control.config.ConfigLoader;
import io.vswitch.control.config.ConfigValidator;
import io.vswitch.control.config.SwitchConfig;
import io.vswitch.dataplane.testing.TestEal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker-stall metrics as /metrics renders them from a running switch (DPDK net_null ports): a
 * well-formed cumulative histogram per worker whose counts only grow between scrapes, and a max
 * gauge that is at least every bucket's lower bound seen.
 */
class StallMetricsTest {
  @TempDir Path dir;

  private static final Pattern BUCKET =
      Pattern.compile(
          "^vswitch_worker_stall_seconds_bucket\\{worker=\"0\",le=\"([^\"]+)\"} (\\d+)$",
          Pattern.MULTILINE);

  @Test
  void stallHistogramIsExportedAndPlausible() throws Exception {
    TestEal.get();
    String yaml =
        """
        workers: {cores: [-1], idle: busy-spin}
        ports:
          - {name: a, devargs: "net_null_asma,no-rx=1"}
          - {name: b, devargs: "net_null_asmb,no-rx=1"}
        """;
    SwitchConfig config = ConfigValidator.validate(ConfigLoader.parse(yaml, "test"));
    SwitchLauncher.Running running = SwitchLauncher.open(config, dir.resolve("counters"));
    try {
      running.runtime().start();
      PrometheusMetrics metrics =
          PrometheusMetrics.forSwitch(running.runtime(), running.l2(), () -> 0, () -> 0);
      Thread.sleep(200);
      String first = metrics.render();
      Thread.sleep(200);
      String second = metrics.render();

      assertTrue(first.contains("# TYPE vswitch_worker_stall_seconds histogram"), first);
      assertTrue(first.contains("# TYPE vswitch_worker_max_stall_seconds gauge"), first);
      List<long[]> a = buckets(first);
      List<long[]> b = buckets(second);
      assertEquals(a.size(), b.size());
      assertTrue(a.size() > 10, "buckets from 1 us to 1 s");
      for (int i = 0; i < a.size(); i++) {
        assertTrue(b.get(i)[1] >= a.get(i)[1], "counts never go down between scrapes");
        if (i > 0) {
          assertTrue(a.get(i)[1] >= a.get(i - 1)[1], "cumulative buckets");
        }
      }
      long inf1 = value(first, "vswitch_worker_stall_seconds_bucket{worker=\"0\",le=\"+Inf\"}");
      long inf2 = value(second, "vswitch_worker_stall_seconds_bucket{worker=\"0\",le=\"+Inf\"}");
      assertEquals(inf1, value(first, "vswitch_worker_stall_seconds_count{worker=\"0\"}"));
      assertTrue(inf2 > inf1, "a running worker keeps counting passes");
      double max = gauge(second, "vswitch_worker_max_stall_seconds{worker=\"0\"}");
      assertTrue(max > 0, "some gap was recorded");
      // The largest bucket holding gaps must fit the max: its lower bound (half its le) <= max.
      long[] last = b.get(b.size() - 1);
      for (int i = 0; i < b.size(); i++) {
        long below = i == 0 ? 0 : b.get(i - 1)[1];
        if (b.get(i)[1] > below) {
          last = b.get(i);
        }
      }
      assertTrue(last[0] / 2e9 <= max, "max " + max + " s below its bucket " + last[0] + " ns");
    } finally {
      running.runtime().close();
      running.close();
    }
  }

  /** (le in ns, cumulative count) of worker 0's finite buckets, in order. */
  private static List<long[]> buckets(String text) {
    List<long[]> out = new ArrayList<>();
    Matcher m = BUCKET.matcher(text);
    while (m.find()) {
      if (!m.group(1).equals("+Inf")) {
        out.add(
            new long[] {
              Math.round(Double.parseDouble(m.group(1)) * 1e9), Long.parseLong(m.group(2))
            });
      }
    }
    return out;
  }

  private static long value(String text, String series) {
    return (long) gauge(text, series);
  }

  private static double gauge(String text, String series) {
    for (String line : text.split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1));
      }
    }
    throw new AssertionError("no " + series + " in\n" + text);
  }
}
