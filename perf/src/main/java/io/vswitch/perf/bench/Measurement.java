package io.vswitch.perf.bench;

/**
 * One row of the bench's table.
 *
 * @param name configuration
 * @param status measured, skipped (the switch does not have it yet), or failed
 * @param mpps million packets per second out of the measured ports (NaN when not measured)
 * @param bytesPerPacket heap bytes allocated per packet on the worker threads (NaN: unknown)
 * @param forwardingCores how much CPU the forwarding threads got over the measured window, in cores
 *     (1.00: one thread on its core all the time; NaN: unknown)
 * @param cyclesPerPacket TSC cycles the forwarding threads ran per packet (NaN: unknown)
 * @param versus the OVS row whose rate the "vs OVS" ratio divides by (null: none)
 * @param note why it was skipped or failed, or anything worth a footnote
 */
public record Measurement(
    String name,
    Status status,
    double mpps,
    double bytesPerPacket,
    double forwardingCores,
    double cyclesPerPacket,
    String versus,
    String note) {

  public enum Status {
    OK,
    SKIPPED,
    FAILED
  }

  public static Measurement ok(String name, double mpps, double bytesPerPacket, String note) {
    return new Measurement(
        name, Status.OK, mpps, bytesPerPacket, Double.NaN, Double.NaN, null, note);
  }

  public static Measurement skipped(String name, String why) {
    return new Measurement(
        name, Status.SKIPPED, Double.NaN, Double.NaN, Double.NaN, Double.NaN, null, why);
  }

  public static Measurement failed(String name, String why) {
    return new Measurement(
        name, Status.FAILED, Double.NaN, Double.NaN, Double.NaN, Double.NaN, null, why);
  }

  /**
   * This row with the forwarding threads' CPU over the window ({@code cores}) and the cycles per
   * packet it gives at {@code tscHz}: tscHz x cores / packets per second.
   */
  public Measurement withCpu(double cores, double tscHz) {
    double cycles = measured() && mpps > 0 ? tscHz * cores / (mpps * 1e6) : Double.NaN;
    return new Measurement(name, status, mpps, bytesPerPacket, cores, cycles, versus, note);
  }

  public Measurement versus(String reference) {
    return new Measurement(
        name, status, mpps, bytesPerPacket, forwardingCores, cyclesPerPacket, reference, note);
  }

  public boolean measured() {
    return status == Status.OK && !Double.isNaN(mpps);
  }
}
