package io.vswitch.dataplane.conntrack;

/**
 * TCP state and sequence-window tracking for one connection, on a decoded {@link CtSnapshot}: a
 * pure function of (state, direction, packet), so the table can redo it against a newer snapshot
 * when another worker updated the entry first.
 *
 * <p>What is checked, and how it compares with Linux nf_conntrack (be_liberal=0, loose=0):
 *
 * <ul>
 *   <li>Flags: the combinations Linux's tcp_valid_flags allows (PSH, ECE and CWR aside): SYN,
 *       SYN|ACK, RST, RST|ACK, FIN|ACK, ACK, each optionally with URG. Anything else (SYN|FIN, FIN
 *       without ACK, no flags) is INVALID.
 *   <li>Only a SYN (no ACK) opens a connection: mid-stream pick-up is off (loose=0). A connection
 *       imported from another host (vMotion) takes each side's window from that side's first packet
 *       after the import, as Linux does for one it picked up ({@link #pickUp}).
 *   <li>SYN-ACK: only in the reply direction of a SYN_SENT connection, and its ACK must be exactly
 *       the SYN's sequence + 1 (RFC 793 3.9 SYN-SENT; Linux only asks for the ACK to be in a window
 *       here). A retransmitted SYN-ACK must repeat the same sequence and ACK. A SYN-ACK without a
 *       SYN finds no entry and is INVALID. Simultaneous open (a SYN from both sides) is INVALID.
 *   <li>In SYN_SENT nothing but the SYN-ACK, a retransmitted SYN (which re-initialises the original
 *       side: a new ISN is allowed) or a RST whose ACK acknowledges the SYN (RFC 793 3.9) is
 *       accepted. The handshake's ACK must acknowledge exactly the SYN-ACK.
 *   <li>Every later packet passes Linux's four tcp_in_window conditions, with windows scaled by the
 *       shifts the SYNs announced (RFC 7323; scaling only when both did, at most 14), and the ACK
 *       raised to the highest SACK block edge (RFC 2018) as Linux does: (I) seq &lt;= td_maxend,
 *       (II) seq + len &gt;= td_end - peer's td_maxwin, (III) ack &lt;= peer's td_end, (IV) ack
 *       &gt;= peer's td_end - max(td_maxwin, 66000). Then td_end, td_maxend, td_maxwin advance as
 *       Linux advances them.
 *   <li>Data (or a second FIN) beyond a side's FIN is INVALID (Linux does not check this).
 *   <li>RST: must be in window (I-IV; a RST|ACK with ACK 0 counts as no ACK, as in Linux). Only a
 *       RST whose sequence is exactly the next expected one (RFC 5961 3.2) closes the connection;
 *       one that is merely in window passes unchanged, so the endpoint can answer with a challenge
 *       ACK (as Linux since 5.x). A closed connection accepts only in-window RSTs, until a new SYN
 *       reopens it (as does a SYN in TIME_WAIT).
 *   <li>Not done: Linux's retransmission counting (tcp_max_retrans) and its special timeouts for
 *       unacknowledged data and zero windows.
 * </ul>
 *
 * <p>Closing: each side's FIN and its acknowledgement are tracked separately, and the state is
 * derived from them: one FIN unacknowledged = FIN_WAIT, one FIN acknowledged = CLOSE_WAIT, both
 * sent but not both acknowledged = LAST_ACK, both acknowledged = TIME_WAIT. (Linux keeps one state
 * for both sides and moves FIN_WAIT to CLOSE_WAIT on an ACK from either side.)
 */
final class TcpTracker {
  static final int SYN_SENT = 1;
  static final int SYN_RECV = 2;
  static final int ESTABLISHED = 3;
  static final int FIN_WAIT = 4;
  static final int CLOSE_WAIT = 5;
  static final int LAST_ACK = 6;
  static final int TIME_WAIT = 7;
  static final int CLOSE = 8;

  // Per-direction flags.
  static final int WSCALE = 1;
  static final int SACK_PERM = 2;
  static final int FIN_SEEN = 4;
  static final int FIN_ACKED = 8;

  // Results of update.
  static final int OK = 0;
  static final int BAD = 1;

  /** A SYN on a TIME_WAIT or CLOSE connection: a new connection over the old tuple. */
  static final int REOPEN = 2;

  private static final int FIN = CtPacket.FIN;
  private static final int SYN = CtPacket.SYN;
  private static final int RST = CtPacket.RST;
  private static final int ACK = CtPacket.ACK;
  private static final int URG = CtPacket.URG;
  private static final int IGNORED = CtPacket.PSH | 0x40 | 0x80; // PSH, ECE, CWR
  private static final int MAX_ACK_WINDOW = 66000;
  private static final int MAX_SCALE = 14;

  private TcpTracker() {}

  static String stateName(int state) {
    return switch (state) {
      case SYN_SENT -> "SYN_SENT";
      case SYN_RECV -> "SYN_RECV";
      case ESTABLISHED -> "ESTABLISHED";
      case FIN_WAIT -> "FIN_WAIT";
      case CLOSE_WAIT -> "CLOSE_WAIT";
      case LAST_ACK -> "LAST_ACK";
      case TIME_WAIT -> "TIME_WAIT";
      default -> "CLOSE";
    };
  }

  /** Linux's tcp_valid_flags, PSH/ECE/CWR stripped: URG only with SYN, FIN|ACK or ACK. */
  static boolean validFlags(int flags) {
    int f = flags & ~IGNORED;
    return switch (f) {
      case SYN, SYN | URG, SYN | ACK, RST, RST | ACK, FIN | ACK, FIN | ACK | URG, ACK, ACK | URG ->
          true;
      default -> false;
    };
  }

  /** Whether {@code p} may open a connection: a valid SYN without ACK. */
  static boolean opens(CtPacket p) {
    return validFlags(p.tcpFlags) && (p.tcpFlags & (SYN | ACK | RST | FIN)) == SYN;
  }

  /** A connection's state from its opening SYN (the original direction is the SYN's sender). */
  static void open(CtSnapshot s, CtPacket p) {
    int end = p.seq + p.payload + 1;
    s.state = SYN_SENT;
    s.end[0] = end;
    s.maxend[0] = end;
    s.maxwin[0] = Math.max(p.window, 1); // a SYN's window is never scaled (RFC 7323 2.2)
    s.scale[0] = 0;
    s.dflags[0] = 0;
    if (p.windowScale >= 0) {
      s.dflags[0] |= WSCALE;
      s.scale[0] = Math.min(p.windowScale, MAX_SCALE);
    }
    if (p.sackPermitted) {
      s.dflags[0] |= SACK_PERM;
    }
    s.end[1] = 0;
    s.maxend[1] = 0;
    s.maxwin[1] = 0;
    s.scale[1] = 0;
    s.dflags[1] = 0;
  }

  /**
   * Judges {@code p}, sent in direction {@code dir}, against {@code s} and, when it is acceptable,
   * moves {@code s} on. Returns {@link #OK}, {@link #BAD} (INVALID: {@code s} is then garbage) or
   * {@link #REOPEN}.
   */
  static int update(CtSnapshot s, int dir, CtPacket p) {
    int f = p.tcpFlags;
    if (!validFlags(f)) {
      return BAD;
    }
    boolean syn = (f & SYN) != 0;
    boolean ack = (f & ACK) != 0;
    boolean rst = (f & RST) != 0;
    boolean fin = (f & FIN) != 0;
    int st = s.state;
    if (syn && !ack) {
      if (st == TIME_WAIT || st == CLOSE) {
        return REOPEN;
      }
      if (dir == 0 && st == SYN_SENT) {
        open(s, p); // a retransmission, or a new ISN after the first SYN was lost
        return OK;
      }
      return BAD; // simultaneous open, or a SYN on a synchronised connection
    }
    if (syn) {
      return synAck(s, dir, p);
    }
    if (st == SYN_SENT) {
      if (rst && ack && dir == 1 && p.ack == s.end[0]) {
        s.state = CLOSE; // the SYN was refused
        return OK;
      }
      return BAD;
    }
    int end = p.seq + p.payload + (fin ? 1 : 0);
    if (s.maxwin[dir] == 0 && st >= ESTABLISHED && st != CLOSE && !rst) {
      pickUp(s, dir, p, end);
    }
    if (!inWindow(s, dir, p, end)) {
      return BAD;
    }
    if (rst) {
      if (st != CLOSE && p.seq == s.end[dir]) {
        s.state = CLOSE;
      }
      return OK;
    }
    if (st == CLOSE) {
      return BAD;
    }
    if (st == SYN_RECV && dir == 0 && p.ack != s.end[1]) {
      return BAD; // the handshake's third packet acknowledges exactly the SYN-ACK
    }
    if ((s.dflags[dir] & FIN_SEEN) != 0 && after(end, s.end[dir])) {
      return BAD; // nothing follows a FIN
    }
    advance(s, dir, p, end);
    if (fin) {
      s.dflags[dir] |= FIN_SEEN;
    }
    int peer = 1 - dir;
    if ((s.dflags[peer] & FIN_SEEN) != 0 && !before(p.ack, s.end[peer])) {
      s.dflags[peer] |= FIN_ACKED;
    }
    if (st != SYN_RECV || dir == 0) {
      s.state = closing(s);
    }
    return OK;
  }

  private static int synAck(CtSnapshot s, int dir, CtPacket p) {
    if (dir != 1) {
      return BAD;
    }
    int end = p.seq + p.payload + 1;
    if (s.state == SYN_RECV) {
      return end == s.end[1] && p.ack == s.end[0] ? OK : BAD; // a retransmission, unchanged
    }
    if (s.state != SYN_SENT || p.ack != s.end[0]) {
      return BAD;
    }
    s.end[1] = end;
    s.maxend[1] = end;
    s.maxwin[1] = Math.max(p.window, 1);
    s.dflags[1] = 0;
    s.scale[1] = 0;
    if (p.windowScale >= 0) {
      s.dflags[1] |= WSCALE;
      s.scale[1] = Math.min(p.windowScale, MAX_SCALE);
    }
    if (p.sackPermitted) {
      s.dflags[1] |= SACK_PERM;
    }
    if ((s.dflags[0] & s.dflags[1] & WSCALE) == 0) {
      s.scale[0] = 0; // RFC 7323 1.3: scaling only when both sides offer it
      s.scale[1] = 0;
    }
    // What the SYN-ACK's (unscaled) window lets the originator send.
    int win = p.window;
    s.maxend[0] = p.ack + win + (win == 0 ? 1 : 0);
    s.state = SYN_RECV;
    return OK;
  }

  /** The acknowledgement a packet carries, as Linux's tcp_in_window takes it. */
  private static int ackOf(CtSnapshot s, int dir, CtPacket p) {
    int f = p.tcpFlags;
    if ((f & ACK) == 0 || ((f & RST) != 0 && p.ack == 0)) {
      return s.end[1 - dir]; // no ACK (or a broken stack's RST|ACK with ACK 0): nothing to check
    }
    return p.hasSack && after(p.sackEdge, p.ack) ? p.sackEdge : p.ack;
  }

  private static boolean inWindow(CtSnapshot s, int dir, CtPacket p, int end) {
    int peer = 1 - dir;
    int ack = ackOf(s, dir, p);
    int maxAckWindow = Math.max(s.maxwin[dir], MAX_ACK_WINDOW);
    // II is not checked while the peer has not spoken since an import (its maxwin is 0 then, and
    // only then once synchronised): its window, which bounds how old a retransmission may be, is
    // not known, and a segment the switch-over lost is retransmitted after newer ones went by.
    return !after(p.seq, s.maxend[dir]) // I
        && (s.maxwin[peer] == 0 || after(end, s.end[dir] - s.maxwin[peer] - 1)) // II
        && !after(ack, s.end[peer]) // III
        && after(ack, s.end[peer] - maxAckWindow - 1); // IV
  }

  /**
   * The first packet of direction {@code dir} since the connection was imported from another host
   * ({@link ConntrackTable#importConnection} zeroes a synchronised connection's {@code maxwin}: the
   * record's windows are as old as its export, and the VM's TCP went on through the old host
   * since): that side's window is taken from this packet, as Linux's tcp_in_window takes it for a
   * connection picked up mid-stream, and the other side's end is put where this packet's
   * acknowledgement says when that is further (it has not spoken since the import, or its first
   * packet here was a retransmission), so that checks III and IV pass. The window scales are the
   * handshake's, kept from the record. A RST never sets a window: it is judged against the
   * record's.
   */
  private static void pickUp(CtSnapshot s, int dir, CtPacket p, int end) {
    int peer = 1 - dir;
    int win = p.window << s.scale[dir];
    s.end[dir] = end;
    s.maxwin[dir] = win == 0 ? 1 : win;
    s.maxend[dir] = end + s.maxwin[dir];
    int ack = ackOf(s, dir, p);
    if (s.maxwin[peer] == 0) {
      s.end[peer] = ack;
      s.maxend[peer] = ack;
    } else if (after(ack, s.end[peer])) {
      // The peer spoke here first, and sent more before the switch-over, through the old host,
      // than its first packet here showed (that one was a retransmission): what this side
      // acknowledges the peer has sent. (Linux raises it only by the 1 of a keepalive's answer.)
      s.end[peer] = ack;
    }
  }

  private static void advance(CtSnapshot s, int dir, CtPacket p, int end) {
    int peer = 1 - dir;
    int ack = ackOf(s, dir, p);
    int win = p.window << s.scale[dir];
    if (Integer.compareUnsigned(s.maxwin[dir], win) < 0) {
      s.maxwin[dir] = win;
    }
    if (after(end, s.end[dir])) {
      s.end[dir] = end;
    }
    if (s.maxwin[peer] != 0 && after(end, s.maxend[dir])) {
      s.maxwin[peer] += end - s.maxend[dir];
    }
    if (after(ack + win, s.maxend[peer] - 1)) {
      s.maxend[peer] = ack + win + (win == 0 ? 1 : 0);
    }
  }

  /** ESTABLISHED or the closing state the two sides' FINs give. */
  private static int closing(CtSnapshot s) {
    boolean fin0 = (s.dflags[0] & FIN_SEEN) != 0;
    boolean fin1 = (s.dflags[1] & FIN_SEEN) != 0;
    boolean acked0 = (s.dflags[0] & FIN_ACKED) != 0;
    boolean acked1 = (s.dflags[1] & FIN_ACKED) != 0;
    if (!fin0 && !fin1) {
      return ESTABLISHED;
    }
    if (fin0 && fin1) {
      return acked0 && acked1 ? TIME_WAIT : LAST_ACK;
    }
    return (fin0 ? acked0 : acked1) ? CLOSE_WAIT : FIN_WAIT;
  }

  static boolean after(int a, int b) {
    return a - b > 0;
  }

  static boolean before(int a, int b) {
    return a - b < 0;
  }
}
