package io.vswitch.control.api.metrics;

/** A part of the switch that puts its families into a scrape. Runs on the control agent. */
public interface MetricSource {
  void render(Exposition out);
}
