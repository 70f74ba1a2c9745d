package io.vswitch.perf.loop.tail;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The safepoints of a JVM run with {@code -Xlog:safepoint*:file=F:uptime,timenanos,tags}, as
 * intervals of CLOCK_MONOTONIC ns. HotSpot writes the {@code [safepoint]} line when the safepoint
 * ends, with its total (reaching it, the operation, leaving it): the threads were held somewhere in
 * [logged - total, logged]. Other lines ({@code safepoint,stats}) are skipped.
 */
public final class SafepointLog {
  private static final Pattern LINE =
      Pattern.compile(
          "\\[(\\d+)ns\\].*\\[safepoint *\\] Safepoint \"([^\"]+)\".*?, Total: (\\d+) ns");

  private SafepointLog() {}

  /** The safepoints of {@code lines}; a line without the timenanos decoration is skipped. */
  public static List<Interval> parse(List<String> lines) {
    List<Interval> out = new ArrayList<>();
    for (String line : lines) {
      Matcher m = LINE.matcher(line);
      if (m.find()) {
        long end = Long.parseLong(m.group(1));
        long total = Long.parseLong(m.group(3));
        out.add(new Interval(end - total, end, m.group(2)));
      }
    }
    return out;
  }
}
