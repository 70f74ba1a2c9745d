package io.vswitch.dataplane.l2.tap;

/**
 * One live capture: a port, the directions taken, a filter, and a ring per worker that the worker
 * fills and the control thread drains. Armed by publishing it in the tables' {@link Taps}; {@link
 * #stop} tells workers to take no more (the control thread has what it asked for) before the tables
 * without it arrive.
 */
public final class CaptureSession {
  public static final int MAX_SNAPLEN = 65535;
  public static final int DEFAULT_SNAPLEN = 2048;

  /** Slots per worker ring: with a 2 KB snap length, 1 MB a worker. */
  public static final int RING_SLOTS = 512;

  private final int id;
  private final int port;
  private final boolean ingress;
  private final boolean egress;
  private final CaptureFilter filter;
  private final CaptureRing[] rings;

  /** Wall-clock nanoseconds minus {@link System#nanoTime}: frame times from one cheap read. */
  private final long wallOffset;

  private volatile boolean stopped;

  public CaptureSession(
      int id,
      int port,
      boolean ingress,
      boolean egress,
      CaptureFilter filter,
      int snaplen,
      int workers) {
    if (snaplen < 64 || snaplen > MAX_SNAPLEN) {
      throw new IllegalArgumentException("the snap length must be 64 to " + MAX_SNAPLEN);
    }
    if (!ingress && !egress) {
      throw new IllegalArgumentException("a capture takes in, out or both");
    }
    this.id = id;
    this.port = port;
    this.ingress = ingress;
    this.egress = egress;
    this.filter = filter;
    this.rings = new CaptureRing[workers];
    for (int w = 0; w < workers; w++) {
      rings[w] = new CaptureRing(RING_SLOTS, snaplen);
    }
    this.wallOffset = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
  }

  public int id() {
    return id;
  }

  public int port() {
    return port;
  }

  public boolean ingress() {
    return ingress;
  }

  public boolean egress() {
    return egress;
  }

  public CaptureFilter filter() {
    return filter;
  }

  public CaptureRing[] rings() {
    return rings;
  }

  /** Workers take no more frames. */
  public void stop() {
    stopped = true;
  }

  public boolean stopped() {
    return stopped;
  }

  /** Frames skipped because a worker's ring was full, all workers. */
  public long skipped() {
    long n = 0;
    for (CaptureRing r : rings) {
      n += r.skipped();
    }
    return n;
  }

  /** The worker's ring, or null when the capture is over or the worker has none. */
  CaptureRing ring(int worker) {
    return stopped || worker >= rings.length ? null : rings[worker];
  }

  long now() {
    return System.nanoTime() + wallOffset;
  }
}
