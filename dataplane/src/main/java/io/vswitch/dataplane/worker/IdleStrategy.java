package io.vswitch.dataplane.worker;

/** What a worker does between passes that found no work. */
public interface IdleStrategy {

  /** Called after every pass with the work it did; a non-zero value resets any back-off. */
  void idle(int workCount);

  /**
   * Whether {@link #idle} may sleep on purpose (yield or park) after a pass without work: the
   * worker then leaves that time out of its stall histogram.
   */
  default boolean maySleep() {
    return false;
  }

  /** Name as it appears in config ("busy-spin", "backoff"). */
  String name();

  /**
   * Parses a config value: busy-spin for dedicated data-plane cores, backoff where power matters.
   */
  static IdleStrategy parse(String name) {
    return switch (name) {
      case "busy-spin" -> new BusySpinIdleStrategy();
      case "backoff" -> new BackoffIdleStrategy();
      default ->
          throw new IllegalArgumentException(
              "unknown idle strategy '" + name + "': use busy-spin or backoff");
    };
  }
}
