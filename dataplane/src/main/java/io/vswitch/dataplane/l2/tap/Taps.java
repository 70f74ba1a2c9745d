package io.vswitch.dataplane.l2.tap;

/**
 * What the operator is watching, published with the tables: at most one packet trace and one live
 * capture. A port that is neither traced nor captured compiles the same feature list as without
 * taps, so watching one port costs the others nothing (VPP's trace, as pipeline data).
 */
public final class Taps {
  public static final Taps NONE = new Taps(null, null);

  final TraceSession trace;
  final CaptureSession capture;

  public Taps(TraceSession trace, CaptureSession capture) {
    this.trace = trace;
    this.capture = capture;
  }

  public TraceSession trace() {
    return trace;
  }

  public CaptureSession capture() {
    return capture;
  }

  public boolean traces(int port) {
    return trace != null && trace.port() == port;
  }

  public boolean capturesIn(int port) {
    return capture != null && capture.port() == port && capture.ingress();
  }

  /** The ports whose outgoing frames are captured, as a mask (0: none). */
  public long captureOutMask() {
    return capture != null && capture.egress() ? 1L << capture.port() : 0;
  }
}
