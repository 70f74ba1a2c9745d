package io.vswitch.control.tap;

/** The bodies of POST /v1/trace and POST /v1/capture. */
public final class TapRequests {
  private TapRequests() {}

  /**
   * @param count packets to trace (1 to 1000)
   */
  public record Trace(String port, Integer count) {}

  /**
   * @param direction in, out or both (default in)
   * @param count frames to capture (default 100)
   * @param filter the field filter ({@link io.vswitch.dataplane.l2.tap.CaptureFilter}), or null
   * @param snaplen bytes kept of each frame (default 2048)
   * @param format pcap (default) or pcapng (with the port's name and each frame's direction)
   */
  public record Capture(
      String port,
      String direction,
      Integer count,
      String filter,
      Integer snaplen,
      String format) {}
}
