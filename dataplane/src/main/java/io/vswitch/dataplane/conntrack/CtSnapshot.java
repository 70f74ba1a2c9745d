package io.vswitch.dataplane.conntrack;

/**
 * One entry's mutable state, decoded: what a per-packet update reads, changes and writes back as a
 * whole ({@link CtEntries#read}, {@link CtEntries#commit}). Direction 0 is the original (the side
 * that opened the connection), 1 the reply. Mutable and reused: one per worker, inside its {@link
 * CtPacket}.
 */
final class CtSnapshot {
  /** The entry's sequence word when it was read: even, and what the commit CAS expects. */
  long seq;

  int state;
  int flags;
  int port;
  int createdSeconds;
  long expires;

  // TCP, per direction (RFC 793 names in brackets; Linux nf_conntrack's in the field names):
  /** Highest sequence number sent, plus its length [SND.NXT]: td_end. */
  final int[] end = new int[2];

  /** Highest sequence number the peer's ACK and window let this side send: td_maxend. */
  final int[] maxend = new int[2];

  /** Largest window this side advertised, scaled: td_maxwin. */
  final int[] maxwin = new int[2];

  /** Window scale shift this side announced on its SYN (0 unless both sides did). */
  final int[] scale = new int[2];

  /**
   * {@link TcpTracker} per-direction flags (window scale and SACK offered, FIN seen, FIN acked).
   */
  final int[] dflags = new int[2];

  final long[] packets = new long[2];
  final long[] bytes = new long[2];

  boolean has(int flag) {
    return (flags & flag) != 0;
  }
}
