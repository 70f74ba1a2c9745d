package io.vswitch.dataplane.conntrack;

/**
 * How long a connection lives without a packet, per state, in seconds. The defaults are Linux
 * nf_conntrack's except TCP established: Linux keeps 5 days, which lets dead connections pin the
 * table; 7440 s is RFC 5382's floor for a NAT's established idle timeout (2 h 4 min), which every
 * TCP keepalive default (2 h) stays within.
 */
public record CtTimeouts(
    long synSent,
    long synRecv,
    long established,
    long finWait,
    long closeWait,
    long lastAck,
    long timeWait,
    long close,
    long udpUnreplied,
    long udpReplied,
    long icmp,
    long generic) {

  public static final CtTimeouts DEFAULTS =
      new CtTimeouts(120, 60, 7440, 120, 60, 30, 120, 10, 30, 180, 30, 600);

  public CtTimeouts {
    for (long t :
        new long[] {
          synSent,
          synRecv,
          established,
          finWait,
          closeWait,
          lastAck,
          timeWait,
          close,
          udpUnreplied,
          udpReplied,
          icmp,
          generic
        }) {
      if (t <= 0 || t > 30L * 24 * 3600) {
        throw new IllegalArgumentException("conntrack timeout must be 1 s .. 30 days: " + t);
      }
    }
  }

  /** The timeout of TCP state {@code state} ({@link TcpTracker} states), in milliseconds. */
  long tcpMillis(int state) {
    long s =
        switch (state) {
          case TcpTracker.SYN_SENT -> synSent;
          case TcpTracker.SYN_RECV -> synRecv;
          case TcpTracker.ESTABLISHED -> established;
          case TcpTracker.FIN_WAIT -> finWait;
          case TcpTracker.CLOSE_WAIT -> closeWait;
          case TcpTracker.LAST_ACK -> lastAck;
          case TcpTracker.TIME_WAIT -> timeWait;
          default -> close;
        };
    return s * 1000;
  }
}
