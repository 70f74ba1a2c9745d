package io.vswitch.perf.bench;

/**
 * One row of the bench's table.
 *
 * @param name configuration
 * @param status measured, skipped (the switch does not have it yet), or failed
 * @param mpps million packets per second out of the measured ports (NaN when not measured)
 * @param bytesPerPacket heap bytes allocated per packet on the worker threads (NaN: unknown)
 * @param note why it was skipped or failed, or anything worth a footnote
 */
public record Measurement(
    String name, Status status, double mpps, double bytesPerPacket, String note) {

  public enum Status {
    OK,
    SKIPPED,
    FAILED
  }

  public static Measurement ok(String name, double mpps, double bytesPerPacket, String note) {
    return new Measurement(name, Status.OK, mpps, bytesPerPacket, note);
  }

  public static Measurement skipped(String name, String why) {
    return new Measurement(name, Status.SKIPPED, Double.NaN, Double.NaN, why);
  }

  public static Measurement failed(String name, String why) {
    return new Measurement(name, Status.FAILED, Double.NaN, Double.NaN, why);
  }

  public boolean measured() {
    return status == Status.OK && !Double.isNaN(mpps);
  }
}
