package io.vswitch.perf.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ThroughputSearchTest {
  @Test
  void maxThatPassesNeedsOneTrial() {
    ThroughputSearch.Result r = ThroughputSearch.search(100, 1, 20, v -> true);
    assertEquals(100, r.value());
    assertEquals(List.of(new ThroughputSearch.Step(100, true)), r.steps());
  }

  @Test
  void findsTheLargestPassingValueWithinTheResolution() {
    double limit = 37.3;
    ThroughputSearch.Result r = ThroughputSearch.search(100, 0.5, 50, v -> v <= limit);
    assertTrue(r.value() <= limit, "never reports a failing value: " + r.value());
    assertTrue(limit - r.value() <= 0.5, "within the resolution: " + r.value());
  }

  @Test
  void everythingFailingGivesZero() {
    assertEquals(0, ThroughputSearch.search(100, 1, 50, v -> false).value());
  }

  @Test
  void stopsAtTheTrialBudget() {
    ThroughputSearch.Result r = ThroughputSearch.search(1e9, 1e-9, 5, v -> v < 3);
    assertEquals(5, r.steps().size());
  }

  @Test
  void reportedValueIsAPassedStep() {
    ThroughputSearch.Result r = ThroughputSearch.search(64, 1, 50, v -> v <= 20);
    assertTrue(r.steps().contains(new ThroughputSearch.Step(r.value(), true)));
  }

  @Test
  void rejectsNonPositiveBounds() {
    assertThrows(IllegalArgumentException.class, () -> ThroughputSearch.search(0, 1, 5, v -> true));
    assertThrows(
        IllegalArgumentException.class, () -> ThroughputSearch.search(10, 0, 5, v -> true));
  }
}
