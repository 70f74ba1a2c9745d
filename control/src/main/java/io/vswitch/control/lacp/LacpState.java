package io.vswitch.control.lacp;

/** The bits of a LACPDU's state octet (IEEE 802.1AX-2014 6.4.2.3 items i and q), bit 0 first. */
public final class LacpState {
  /** Active LACP (sends unasked); clear: passive. */
  public static final int ACTIVITY = 0x01;

  /** Short timeout (asks for a LACPDU every second); clear: long (every 30 s). */
  public static final int TIMEOUT = 0x02;

  /** The link may aggregate; clear: individual. */
  public static final int AGGREGATION = 0x04;

  /** Attached to the right aggregator (in sync with its partner). */
  public static final int SYNCHRONIZATION = 0x08;

  public static final int COLLECTING = 0x10;
  public static final int DISTRIBUTING = 0x20;

  /** The partner information is the administrative default (nothing heard). */
  public static final int DEFAULTED = 0x40;

  /** The receive machine is EXPIRED. */
  public static final int EXPIRED = 0x80;

  private static final String[] NAMES = {
    "activity",
    "timeout",
    "aggregation",
    "synchronization",
    "collecting",
    "distributing",
    "defaulted",
    "expired"
  };

  private LacpState() {}

  /** "activity,timeout,aggregation" (the set bits, as OVS's lacp/show names them), or "-". */
  public static String describe(int state) {
    StringBuilder b = new StringBuilder();
    for (int bit = 0; bit < 8; bit++) {
      if ((state & (1 << bit)) != 0) {
        b.append(b.isEmpty() ? "" : ",").append(NAMES[bit]);
      }
    }
    return b.isEmpty() ? "-" : b.toString();
  }
}
