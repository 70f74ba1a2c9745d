package io.vswitch.perf.loop;

import java.util.ArrayList;
import java.util.List;

/**
 * RFC 2544 section 26.1 throughput: the highest offered rate at which no frame is lost, found by
 * binary search between 0 and the highest rate the generator reaches. Also used for back-to-back
 * (26.4): the longest burst with no loss. Pure logic over a trial function, so it is unit-tested.
 */
public final class ThroughputSearch {
  /** Runs one trial at {@code value} (a rate or a burst length); true when nothing was lost. */
  @FunctionalInterface
  public interface Trial {
    boolean passes(double value);
  }

  /** The value found and every step taken, for the report. */
  public record Result(double value, List<Step> steps) {}

  public record Step(double value, boolean passed) {}

  private ThroughputSearch() {}

  /**
   * Searches (0, max] for the largest value that passes, to within {@code resolution}. Tries {@code
   * max} first (a switch that keeps up needs one trial). Assumes monotonic: whatever passes at a
   * value passes below it. Returns 0 when even the smallest step fails.
   */
  public static Result search(double max, double resolution, int maxTrials, Trial trial) {
    if (max <= 0 || resolution <= 0) {
      throw new IllegalArgumentException("max and resolution must be positive");
    }
    List<Step> steps = new ArrayList<>();
    if (record(steps, max, trial)) {
      return new Result(max, steps);
    }
    double pass = 0;
    double fail = max;
    while (fail - pass > resolution && steps.size() < maxTrials) {
      double mid = (pass + fail) / 2;
      if (record(steps, mid, trial)) {
        pass = mid;
      } else {
        fail = mid;
      }
    }
    return new Result(pass, steps);
  }

  private static boolean record(List<Step> steps, double value, Trial trial) {
    boolean passed = trial.passes(value);
    steps.add(new Step(value, passed));
    return passed;
  }
}
