package io.vswitch.control.lacp;

import io.vswitch.control.lacp.Lacpdu.Info;

/**
 * One aggregation port's LACP machines (IEEE 802.1AX-2014 6.4), simplified but with the standard's
 * states, timers and state bits; driven by {@link LacpGroup} on the control thread with an explicit
 * clock, so tests step it through time.
 *
 * <ul>
 *   <li><b>Receive</b> (6.4.12): PORT_DISABLED while the link is down; EXPIRED when it comes up or
 *       when nothing was heard for the current-while time (3 s with our short timeout, 90 s with
 *       the long: three of the partner's periods), with the partner's sync cleared and its timeout
 *       set short; DEFAULTED after one more such time, with the partner forgotten; CURRENT on each
 *       LACPDU, whose actor becomes our partner (its sync bit kept only when it sees us as we are,
 *       6.4.9 recordPDU).
 *   <li><b>Mux</b> (6.4.15, coupled control): DETACHED; WAITING for the aggregate-wait time (2 s)
 *       once selected; ATTACHED (our sync bit set); COLLECTING_DISTRIBUTING once the partner is in
 *       sync too; back down as soon as the port is unselected or the partner loses sync.
 *   <li><b>Periodic</b> (6.4.13): a LACPDU every second when the partner asked for the short
 *       timeout, every 30 s otherwise; none when both ends are passive.
 *   <li><b>Transmit</b> (6.4.16): on need-to-transmit, at most 3 per second.
 * </ul>
 *
 * Selection (which ports join the aggregator) is the group's: it says {@link #mux} whether this
 * port is selected.
 */
public final class LacpMember {
  public enum Receive {
    PORT_DISABLED,
    EXPIRED,
    DEFAULTED,
    CURRENT
  }

  public enum Mux {
    DETACHED,
    WAITING,
    ATTACHED,
    COLLECTING_DISTRIBUTING
  }

  static final long SECOND = 1_000_000_000L;
  static final long FAST_PERIODIC = SECOND;
  static final long SLOW_PERIODIC = 30 * SECOND;
  static final long SHORT_TIMEOUT = 3 * FAST_PERIODIC;
  static final long LONG_TIMEOUT = 3 * SLOW_PERIODIC;
  static final long AGGREGATE_WAIT = 2 * SECOND;
  static final int MAX_TX_PER_PERIOD = 3;

  /** Port priority we send: the standard's default (lower wins; unused for one aggregator). */
  static final int PORT_PRIORITY = 255;

  /**
   * The administrative default partner (6.4.9 recordDefault): nobody, passive, but with the short
   * timeout, so an active port keeps sending every second and a link that comes back is found at
   * once rather than at the next 30 s slow period.
   */
  static final Info DEFAULT_PARTNER = Info.NONE.withState(LacpState.TIMEOUT);

  private final LacpGroup.Actor actor;
  private final int number;

  private Receive receive = Receive.PORT_DISABLED;
  private Mux mux = Mux.DETACHED;
  private Info partner = Info.NONE;
  private boolean mustDetach;
  private boolean ntt;
  private long currentWhile;
  private long waitWhile;
  private long periodicDue;
  private boolean periodicRunning;
  private final long[] sent = new long[MAX_TX_PER_PERIOD];
  private int sentCount;

  long rx;
  long tx;
  long bad;
  long looped;

  /**
   * Marker Responses owed, oldest first (6.5.4.2: answer each Marker Information PDU on its port).
   * Bounded, and sent at most {@link #MAX_MARKERS_PER_SECOND} a second: the slow protocols may use
   * 10 frames a second on a link (IEEE 802.3 annex 57A) and LACP takes 3, so a partner flooding
   * markers costs at most that; what does not fit is counted and dropped.
   */
  private final MarkerPdu[] owed = new MarkerPdu[MAX_MARKERS_OWED];

  private int owedCount;
  private final long[] markerSent = new long[MAX_MARKERS_PER_SECOND];
  private int markerSentCount;

  static final int MAX_MARKERS_OWED = 8;
  static final int MAX_MARKERS_PER_SECOND = 5;

  long markersReceived;
  long markersAnswered;
  long markersBad;
  long markersDropped;

  LacpMember(LacpGroup.Actor actor, int number) {
    this.actor = actor;
    this.number = number;
  }

  public Receive receive() {
    return receive;
  }

  public Mux mux() {
    return mux;
  }

  public Info partner() {
    return partner;
  }

  public boolean collecting() {
    return mux == Mux.COLLECTING_DISTRIBUTING;
  }

  public boolean distributing() {
    return mux == Mux.COLLECTING_DISTRIBUTING;
  }

  /** Our state octet as we send it now. */
  public int actorState() {
    int s = LacpState.AGGREGATION;
    s |= actor.active() ? LacpState.ACTIVITY : 0;
    s |= actor.fast() ? LacpState.TIMEOUT : 0;
    s |= mux == Mux.ATTACHED || mux == Mux.COLLECTING_DISTRIBUTING ? LacpState.SYNCHRONIZATION : 0;
    s |= collecting() ? LacpState.COLLECTING | LacpState.DISTRIBUTING : 0;
    s |= receive == Receive.DEFAULTED ? LacpState.DEFAULTED : 0;
    s |= receive == Receive.EXPIRED ? LacpState.EXPIRED : 0;
    return s;
  }

  /** Our information as we send it now. */
  public Info actorInfo() {
    return new Info(
        actor.systemPriority(), actor.system(), actor.key(), PORT_PRIORITY, number, actorState());
  }

  /**
   * Eligible for the aggregator: an aggregatable partner heard from, current or just expired
   * (6.4.9: expiry only takes the partner's sync away, so the mux falls back to ATTACHED;
   * defaulting changes the partner, which unselects).
   */
  boolean eligible() {
    return (receive == Receive.CURRENT || receive == Receive.EXPIRED)
        && (partner.state() & LacpState.AGGREGATION) != 0
        && partner.system() != 0;
  }

  /** Attached to the aggregator in the mux's sense: anything but DETACHED. */
  boolean bound() {
    return mux != Mux.DETACHED;
  }

  /** The link's state: down disables the port and detaches it at once. */
  void link(boolean up, long now) {
    if (!up && receive != Receive.PORT_DISABLED) {
      receive = Receive.PORT_DISABLED;
      partner = partner.withState(partner.state() & ~LacpState.SYNCHRONIZATION);
      mustDetach = true;
      periodicRunning = false;
      ntt = false;
    } else if (up && receive == Receive.PORT_DISABLED) {
      expire(now);
    }
  }

  /** A LACPDU received on this port (checked, and not our own). */
  void receive(Lacpdu pdu, long now) {
    if (receive == Receive.PORT_DISABLED) {
      return;
    }
    Info us = actorInfo();
    Info seen = pdu.partner();
    boolean seesUs =
        seen.sameIdentity(us) && ((seen.state() ^ us.state()) & LacpState.AGGREGATION) == 0;
    int state = pdu.actor().state();
    boolean individual = (state & LacpState.AGGREGATION) == 0;
    if (!seesUs && !individual) {
      state &= ~LacpState.SYNCHRONIZATION; // 6.4.9: in sync only with what it believes of us
    }
    Info next = pdu.actor().withState(state);
    if (receive == Receive.CURRENT && !next.sameIdentity(partner)) {
      mustDetach = true; // 6.4.9 update_Selected: another partner, another selection
    }
    int mask =
        LacpState.ACTIVITY | LacpState.TIMEOUT | LacpState.SYNCHRONIZATION | LacpState.AGGREGATION;
    if (!seesUs || ((seen.state() ^ us.state()) & mask) != 0) {
      ntt = true; // 6.4.9 update_NTT: the partner's view of us is out of date
    }
    partner = next;
    receive = Receive.CURRENT;
    currentWhile = now + (actor.fast() ? SHORT_TIMEOUT : LONG_TIMEOUT);
  }

  /**
   * A well-formed Marker PDU received on this port (not our own): an Information one is owed an
   * answer.
   */
  void marker(MarkerPdu pdu) {
    markersReceived++;
    if (!pdu.information() || receive == Receive.PORT_DISABLED) {
      return; // a Marker Response: we send no markers, so none is awaited
    }
    if (owedCount == MAX_MARKERS_OWED) {
      markersDropped++;
      return;
    }
    owed[owedCount++] = pdu.response();
  }

  /** The next Marker Response to send now, or null: in order, within the rate limit. */
  MarkerPdu markerResponse(long now) {
    if (owedCount == 0) {
      return null;
    }
    if (receive == Receive.PORT_DISABLED) {
      markersDropped += owedCount; // the link went down: the requester times out, as it must
      owedCount = 0;
      return null;
    }
    int oldest = markerSentCount % MAX_MARKERS_PER_SECOND;
    if (markerSentCount >= MAX_MARKERS_PER_SECOND && now - markerSent[oldest] < SECOND) {
      return null;
    }
    markerSent[oldest] = now;
    markerSentCount++;
    MarkerPdu next = owed[0];
    System.arraycopy(owed, 1, owed, 0, owedCount - 1);
    owed[--owedCount] = null;
    markersAnswered++;
    return next;
  }

  /** The receive machine's timer. */
  void timers(long now) {
    if (receive == Receive.CURRENT && now - currentWhile >= 0) {
      expire(now);
    } else if (receive == Receive.EXPIRED && now - currentWhile >= 0) {
      receive = Receive.DEFAULTED;
      partner = DEFAULT_PARTNER;
      ntt = true;
    }
  }

  private void expire(long now) {
    receive = Receive.EXPIRED;
    partner = partner.withState((partner.state() & ~LacpState.SYNCHRONIZATION) | LacpState.TIMEOUT);
    currentWhile = now + SHORT_TIMEOUT;
    ntt = true;
  }

  /** The mux machine, to a stable state, given the group's selection. Returns whether it moved. */
  boolean mux(boolean selected, long now) {
    Mux before = mux;
    boolean partnerSync = (partner.state() & LacpState.SYNCHRONIZATION) != 0;
    boolean moved = true;
    while (moved) {
      moved = false;
      switch (mux) {
        case DETACHED -> {
          mustDetach = false;
          if (selected) {
            mux = Mux.WAITING;
            waitWhile = now + AGGREGATE_WAIT;
            moved = true;
          }
        }
        case WAITING -> {
          if (!selected || mustDetach) {
            mux = Mux.DETACHED;
            moved = true;
          } else if (now - waitWhile >= 0) {
            mux = Mux.ATTACHED;
            ntt = true;
            moved = true;
          }
        }
        case ATTACHED -> {
          if (!selected || mustDetach) {
            mux = Mux.DETACHED;
            ntt = true;
            moved = true;
          } else if (partnerSync) {
            mux = Mux.COLLECTING_DISTRIBUTING;
            ntt = true;
            moved = true;
          }
        }
        case COLLECTING_DISTRIBUTING -> {
          if (!selected || mustDetach || !partnerSync) {
            mux = Mux.ATTACHED;
            ntt = true;
            moved = true;
          }
        }
      }
      if (mux == Mux.DETACHED && before != Mux.DETACHED) {
        break; // selected again next time round, after the wait, like any new port
      }
    }
    return mux != before;
  }

  /** The periodic machine: need-to-transmit when the period is up. */
  void periodic(long now) {
    boolean partnerActive = (partner.state() & LacpState.ACTIVITY) != 0;
    if (receive == Receive.PORT_DISABLED || (!actor.active() && !partnerActive)) {
      periodicRunning = false;
      return;
    }
    long period = (partner.state() & LacpState.TIMEOUT) != 0 ? FAST_PERIODIC : SLOW_PERIODIC;
    if (!periodicRunning || periodicDue - now > period) {
      periodicRunning = true; // started, or the partner now asks for the fast rate
      periodicDue = now + period;
    } else if (now - periodicDue >= 0) {
      ntt = true;
      periodicDue = now + period;
    }
  }

  /** The LACPDU to send now, or null: on need-to-transmit, within the rate limit. */
  Lacpdu transmit(long now) {
    if (!ntt || receive == Receive.PORT_DISABLED) {
      return null;
    }
    boolean partnerActive = (partner.state() & LacpState.ACTIVITY) != 0;
    if (!actor.active() && !partnerActive) {
      ntt = false; // passive: speaks only to an active partner
      return null;
    }
    int oldest = sentCount % MAX_TX_PER_PERIOD;
    if (sentCount >= MAX_TX_PER_PERIOD && now - sent[oldest] < FAST_PERIODIC) {
      return null; // 6.4.16: at most three in a Fast_Periodic_Time; ntt stays set
    }
    sent[oldest] = now;
    sentCount++;
    ntt = false;
    tx++;
    return new Lacpdu(actorInfo(), partner, 0);
  }
}
