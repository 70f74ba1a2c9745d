package io.vswitch.control.lacp;

import io.vswitch.control.lacp.Lacpdu.Info;
import io.vswitch.dataplane.l2.team.Team;

/**
 * A LACP team's protocol: its members' machines ({@link LacpMember}) and the selection logic of its
 * one aggregator (IEEE 802.1AX-2014 6.4.14, simplified to one aggregator per team): the aggregator
 * belongs to the partner (System Identifier and key) of the first eligible member, and keeps it
 * while any member is bound to it; a member is selected only when its partner has that same system
 * and key (ports that lead to another system, or to another key of it, are not aggregated), so a
 * team never distributes over two different partners. Control thread only; time is passed in, so
 * tests drive it without waiting.
 */
public final class LacpGroup {
  /** Our side: system priority and MAC, the members' key, active or passive, short timeout. */
  public record Actor(int systemPriority, long system, int key, boolean active, boolean fast) {
    public static Actor of(Team.Lacp lacp, long system) {
      return new Actor(lacp.systemPriority(), system, lacp.key(), lacp.active(), lacp.fast());
    }
  }

  /** Where the group's LACPDUs go: out of member m. */
  public interface Sender {
    void send(int member, Lacpdu pdu);

    /**
     * A Marker Response out of member m (the member the Marker Information came in by). The default
     * drops it: for senders that only ever carry LACPDUs (simulations of LACP alone).
     */
    default void sendMarker(int member, MarkerPdu response) {}
  }

  /** What became of a received frame. */
  public enum Verdict {
    TAKEN,
    MALFORMED,
    LOOPED,
    /** A Marker PDU (subtype 2), answered when it is a Marker Information one. */
    MARKER
  }

  private final Actor actor;
  private final LacpMember[] members;

  /** The partner (system and key) the aggregator is bound to, or null while it is free. */
  private Info aggregatorPartner;

  private Lacpdu.Fault lastFault;
  private MarkerPdu.Fault lastMarkerFault;

  public LacpGroup(Actor actor, int size) {
    this.actor = actor;
    this.members = new LacpMember[size];
    for (int m = 0; m < size; m++) {
      members[m] = new LacpMember(actor, m + 1); // port numbers from 1: 0 is "no port"
    }
  }

  public Actor actor() {
    return actor;
  }

  public int size() {
    return members.length;
  }

  public LacpMember member(int m) {
    return members[m];
  }

  /** The partner the aggregator is bound to, or null. */
  public Info aggregatorPartner() {
    return aggregatorPartner;
  }

  /** The fault of the last malformed frame, or null. */
  public Lacpdu.Fault lastFault() {
    return lastFault;
  }

  /** The fault of the last malformed Marker PDU, or null. */
  public MarkerPdu.Fault lastMarkerFault() {
    return lastMarkerFault;
  }

  /**
   * A slow-protocol frame received on member m: decoded, checked, and given to the member's receive
   * machine (a LACPDU) or its Marker responder (a Marker PDU, subtype 2); a malformed frame or our
   * own system's PDU looped back is counted and changes nothing.
   */
  public Verdict receive(int m, byte[] frame, int offset, int captured, int length, long now) {
    LacpMember member = members[m];
    member.rx++;
    if (MarkerPdu.isMarker(frame, offset, captured)) {
      return marker(member, frame, offset, captured, length);
    }
    Lacpdu pdu;
    try {
      pdu = Lacpdu.decode(frame, offset, captured, length);
    } catch (Lacpdu.Malformed e) {
      member.bad++;
      lastFault = e.fault;
      return Verdict.MALFORMED;
    }
    if (pdu.actor().system() == actor.system()) {
      member.looped++; // our own system: the link loops back to us (or a forgery of us)
      return Verdict.LOOPED;
    }
    member.receive(pdu, now);
    return Verdict.TAKEN;
  }

  private Verdict marker(LacpMember member, byte[] frame, int offset, int captured, int length) {
    MarkerPdu pdu;
    try {
      pdu = MarkerPdu.decode(frame, offset, captured, length);
    } catch (MarkerPdu.Malformed e) {
      member.bad++;
      member.markersBad++;
      lastMarkerFault = e.fault;
      return Verdict.MALFORMED;
    }
    if (pdu.requesterSystem() == actor.system()) {
      member.looped++; // we send no markers: one of our system is a loop or a forgery
      return Verdict.LOOPED;
    }
    member.marker(pdu);
    return Verdict.MARKER;
  }

  /**
   * One step of every machine: the links, the receive timers, the selection, the muxes, the
   * periodic timers and the transmissions. Returns whether some mux moved.
   */
  public boolean tick(long now, boolean[] linkUp, Sender sender) {
    for (int m = 0; m < members.length; m++) {
      members[m].link(linkUp[m], now);
      members[m].timers(now);
    }
    boolean[] selected = select();
    boolean moved = false;
    for (int m = 0; m < members.length; m++) {
      moved |= members[m].mux(selected[m], now);
    }
    if (moved) {
      selected = select(); // a member that detached may free the aggregator for another partner
      for (int m = 0; m < members.length; m++) {
        members[m].mux(selected[m], now);
      }
    }
    for (int m = 0; m < members.length; m++) {
      members[m].periodic(now);
      Lacpdu pdu = members[m].transmit(now);
      if (pdu != null) {
        sender.send(m, pdu);
      }
      for (MarkerPdu r = members[m].markerResponse(now); r != null; ) {
        sender.sendMarker(m, r);
        r = members[m].markerResponse(now);
      }
    }
    return moved;
  }

  /** Which members the aggregator takes now (6.4.14, one aggregator). */
  private boolean[] select() {
    boolean bound = false;
    if (aggregatorPartner != null) {
      for (LacpMember member : members) {
        bound |= member.bound();
      }
    }
    if (!bound) {
      aggregatorPartner = null;
      for (LacpMember member : members) {
        if (member.eligible()) {
          aggregatorPartner = member.partner();
          break;
        }
      }
    }
    boolean[] selected = new boolean[members.length];
    for (int m = 0; m < members.length; m++) {
      selected[m] =
          aggregatorPartner != null
              && members[m].eligible()
              && members[m].partner().sameSystemAndKey(aggregatorPartner);
    }
    return selected;
  }

  /** Member m as the API and metrics show it. */
  public Team.LacpView view(int m) {
    LacpMember member = members[m];
    Info p = member.partner();
    Info a = member.actorInfo();
    return new Team.LacpView(
        member.receive().name(),
        member.mux().name(),
        a.systemPriority(),
        a.system(),
        a.key(),
        a.port(),
        a.state(),
        p.state(),
        p.systemPriority(),
        p.system(),
        p.key(),
        p.port(),
        member.rx,
        member.tx,
        member.bad,
        member.looped,
        member.markersReceived,
        member.markersAnswered,
        member.markersBad,
        member.markersDropped);
  }
}
