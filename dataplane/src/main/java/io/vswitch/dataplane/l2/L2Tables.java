package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.l2.mirror.MirrorSession;
import io.vswitch.dataplane.l2.overlay.VxlanOverlay;
import io.vswitch.dataplane.l2.tap.Taps;
import io.vswitch.dataplane.l2.team.Team;
import java.util.ArrayList;
import java.util.List;

/**
 * The immutable L2 configuration the workers switch by: a policy per port, the feature list each
 * port's bursts go through ({@link Feature}, compiled here), and, per VLAN, its member ports (the
 * flood list), its promiscuous members and the members that send it tagged. Port sets are 64-bit
 * masks (bit = port index), so the egress stages combine them with a few instructions per frame.
 * Built by the control plane and published whole; a worker picks up a new one between passes.
 */
public final class L2Tables {
  /** Port slots the tables hold: port sets are {@code long} masks. */
  public static final int MAX_PORTS = 64;

  private static final int[] NONE = new int[0];

  private final PortPolicy[] ports;
  private final int[][] members = new int[4096][];
  private final int[][] promiscuous = new int[4096][];
  private final long[] memberMask = new long[4096];
  private final long[] promiscuousMask = new long[4096];
  private final long[] taggedMask = new long[4096];
  private final long macFilterMask;
  private final long egressAclMask;
  private final boolean acls;
  private final boolean ctAcls;
  private final Feature[][] features;
  private static final MirrorSession[] NO_MIRRORS = new MirrorSession[0];
  private final MirrorSession[][] mirrorsIn;
  private final MirrorSession[][] mirrorsOut;
  private final long mirroredEgress;
  private final long mirrorDestinations;

  /** The sessions as given, to rebuild these tables with other taps. */
  private final List<MirrorSession> mirrorSessions;

  private final Taps taps;

  private final VxlanOverlay overlay;

  /** Uplink teams, their logical slots and their members' slots (see {@link Team}). */
  private final List<Team> teamList;

  private final Team[] teamBySlot = new Team[MAX_PORTS];
  private final long teamMask;
  private final long teamMembers;

  /** Policies of ports 0..n-1, every slot filled. */
  public L2Tables(List<PortPolicy> policies) {
    this(policies.toArray(PortPolicy[]::new));
  }

  /** Policies by port index; null where there is no port (a removed one's slot). */
  public L2Tables(PortPolicy[] policiesByIndex) {
    this(policiesByIndex, List.of(), Taps.NONE);
  }

  /** Policies by port index and the port-mirroring sessions; nothing traced or captured. */
  public L2Tables(PortPolicy[] policiesByIndex, List<MirrorSession> mirrors) {
    this(policiesByIndex, mirrors, Taps.NONE);
  }

  /** Policies by port index, and what is traced or captured (their ports' lists have it). */
  public L2Tables(PortPolicy[] policiesByIndex, Taps taps) {
    this(policiesByIndex, List.of(), taps);
  }

  /**
   * Policies by port index, the port-mirroring sessions, and what is traced or captured. A local
   * session's destination port and an RSPAN session's VLAN take no part in normal forwarding (VDS's
   * "normal I/O on destination ports: disallowed"): the port is in no VLAN's flood or unicast set,
   * and the VLAN has no members for ordinary frames; only mirrored copies reach them.
   */
  public L2Tables(PortPolicy[] policiesByIndex, List<MirrorSession> mirrors, Taps taps) {
    this(policiesByIndex, mirrors, taps, VxlanOverlay.NONE, List.of());
  }

  /** With an overlay: its tunnel ports are slots of {@code policiesByIndex} like any other. */
  public L2Tables(
      PortPolicy[] policiesByIndex, List<MirrorSession> mirrors, Taps taps, VxlanOverlay overlay) {
    this(policiesByIndex, mirrors, taps, overlay, List.of());
  }

  /** With uplink teams and no overlay. */
  public L2Tables(
      PortPolicy[] policiesByIndex, List<MirrorSession> mirrors, Taps taps, List<Team> teams) {
    this(policiesByIndex, mirrors, taps, VxlanOverlay.NONE, teams);
  }

  /**
   * With an overlay and uplink teams: each team's slot holds its policy (it is the port the VLANs,
   * the FDB and floods see); its members' slots hold their own policies (MTU) but are in no VLAN,
   * and what they receive runs the team's feature list ({@link #ingress}).
   */
  public L2Tables(
      PortPolicy[] policiesByIndex,
      List<MirrorSession> mirrors,
      Taps taps,
      VxlanOverlay overlay,
      List<Team> teams) {
    this.overlay = overlay;
    this.taps = taps;
    this.teamList = List.copyOf(teams);
    long logical = 0;
    long memberPorts = 0;
    for (Team t : teams) {
      if (t.index >= policiesByIndex.length || policiesByIndex[t.index] == null) {
        throw new IllegalArgumentException(t + " has no policy in slot " + t.index);
      }
      if ((memberPorts & t.memberMask()) != 0 || (t.memberMask() & (1L << t.index)) != 0) {
        throw new IllegalArgumentException(t + ": a member is in another team or is the team");
      }
      teamBySlot[t.index] = t;
      for (int m = 0; m < t.size(); m++) {
        if (t.slot(m) >= 0) {
          teamBySlot[t.slot(m)] = t;
        }
      }
      logical |= 1L << t.index;
      memberPorts |= t.memberMask();
    }
    this.teamMask = logical;
    this.teamMembers = memberPorts;
    this.mirrorSessions = List.copyOf(mirrors);
    if (policiesByIndex.length > MAX_PORTS) {
      throw new IllegalArgumentException("at most " + MAX_PORTS + " port slots");
    }
    this.ports = policiesByIndex.clone();
    for (int i = 0; i < ports.length; i++) {
      if (ports[i] != null && ports[i].index != i) {
        throw new IllegalArgumentException("policy " + i + " has index " + ports[i].index);
      }
    }
    long localDestinations = 0;
    java.util.BitSet rspanVlans = new java.util.BitSet();
    for (MirrorSession m : mirrors) {
      if (m.remote()) {
        rspanVlans.set(m.rspanVlan);
      } else if (m.erspan == null && m.destination < ports.length && ports[m.destination] != null) {
        localDestinations |= 1L << m.destination;
      }
    }
    this.mirrorDestinations = localDestinations;
    MirrorSession[] routed = new MirrorSession[mirrors.size()];
    for (int s = 0; s < routed.length; s++) {
      MirrorSession m = mirrors.get(s);
      routed[s] =
          m.routedTo(
              m.remote()
                  ? mask(portsWhere(m.rspanVlan, false)) & ~localDestinations
                  : m.erspan != null
                      ? (m.destination < ports.length && ports[m.destination] != null
                          ? 1L << m.destination
                          : 0)
                      : localDestinations & (1L << m.destination));
    }
    for (int vlan = 1; vlan < 4095; vlan++) {
      if (rspanVlans.get(vlan)) {
        members[vlan] = NONE;
        promiscuous[vlan] = NONE;
        continue;
      }
      members[vlan] = without(portsWhere(vlan, false), localDestinations | memberPorts);
      promiscuous[vlan] = without(portsWhere(vlan, true), localDestinations | memberPorts);
      memberMask[vlan] = mask(members[vlan]);
      promiscuousMask[vlan] = mask(promiscuous[vlan]);
      for (int p : members[vlan]) {
        taggedMask[vlan] |= ports[p].egressTagged(vlan) ? 1L << p : 0;
      }
    }
    boolean any = false;
    boolean ct = false;
    long filters = 0;
    long egressAcls = 0;
    for (PortPolicy p : ports) {
      if (p != null) {
        any |= p.ingressAcl != null || p.egressAcl != null;
        ct |= p.ingressAcl != null && p.ingressAcl.usesCtState();
        ct |= p.egressAcl != null && p.egressAcl.usesCtState();
        filters |= p.egressMacFilter() ? 1L << p.index : 0;
        egressAcls |= p.egressAcl != null ? 1L << p.index : 0;
      }
    }
    this.acls = any;
    this.ctAcls = ct;
    this.macFilterMask = filters;
    this.egressAclMask = egressAcls;
    this.mirrorsIn = new MirrorSession[ports.length][];
    this.mirrorsOut = new MirrorSession[ports.length][];
    long egressMirrored = 0;
    for (int p = 0; p < ports.length; p++) {
      List<MirrorSession> in = new ArrayList<>();
      List<MirrorSession> out = new ArrayList<>();
      for (MirrorSession m : routed) {
        if ((m.sourcesIn & (1L << p)) != 0) {
          in.add(m);
        }
        if ((m.sourcesOut & (1L << p)) != 0) {
          out.add(m);
        }
      }
      mirrorsIn[p] = in.isEmpty() ? NO_MIRRORS : in.toArray(MirrorSession[]::new);
      mirrorsOut[p] = out.isEmpty() ? NO_MIRRORS : out.toArray(MirrorSession[]::new);
      egressMirrored |= out.isEmpty() || ports[p] == null ? 0 : 1L << p;
    }
    // A team's frames leave through a member (TeamTxStage runs before TRANSMIT): its egress
    // sessions are its members'.
    for (Team t : teams) {
      for (int m = 0; m < t.size(); m++) {
        int s = t.slot(m);
        if (s >= 0 && s < ports.length && mirrorsOut[t.index].length != 0) {
          mirrorsOut[s] = mirrorsOut[t.index];
          egressMirrored |= 1L << s;
        }
      }
    }
    this.mirroredEgress = egressMirrored;
    this.features = new Feature[ports.length][];
    for (PortPolicy p : ports) {
      if (p != null) {
        features[p.index] = Feature.compile(p, this);
      }
    }
    members[0] = NONE;
    promiscuous[0] = NONE;
    members[4095] = NONE;
    promiscuous[4095] = NONE;
  }

  private int[] portsWhere(int vlan, boolean promiscuousOnly) {
    List<Integer> found = new ArrayList<>();
    for (PortPolicy p : ports) {
      if (p != null && p.carries(vlan) && (!promiscuousOnly || p.promiscuous)) {
        found.add(p.index);
      }
    }
    return found.isEmpty() ? NONE : found.stream().mapToInt(Integer::intValue).toArray();
  }

  private static int[] without(int[] indexes, long excluded) {
    if (excluded == 0) {
      return indexes;
    }
    int[] kept =
        java.util.Arrays.stream(indexes).filter(p -> (excluded & (1L << p)) == 0).toArray();
    return kept.length == 0 ? NONE : kept;
  }

  private static long mask(int[] indexes) {
    long mask = 0;
    for (int p : indexes) {
      mask |= 1L << p;
    }
    return mask;
  }

  /** The same tables with other taps: for arming or ending a trace or capture. */
  public L2Tables withTaps(Taps next) {
    return new L2Tables(ports, mirrorSessions, next, overlay, teamList);
  }

  /** The VXLAN overlay, or {@link VxlanOverlay#NONE}. */
  public VxlanOverlay overlay() {
    return overlay;
  }

  /** The uplink teams. */
  public List<Team> teams() {
    return teamList;
  }

  /** Slots of the teams (logical ports), as a mask. */
  public long teamMask() {
    return teamMask;
  }

  /** Slots of every team's members, as a mask. */
  public long teamMembers() {
    return teamMembers;
  }

  /** The team whose slot or member slot {@code slot} is, or null. */
  public Team team(int slot) {
    return slot >= 0 && slot < MAX_PORTS ? teamBySlot[slot] : null;
  }

  /** Whether {@code slot} is a team's logical slot. */
  public boolean isTeam(int slot) {
    return slot >= 0 && slot < MAX_PORTS && (teamMask & (1L << slot)) != 0;
  }

  /**
   * The policy a burst received on port {@code slot} is switched by: its team's for a member (the
   * frame comes in on the team), else its own; null if there is none.
   */
  public PortPolicy ingress(int slot) {
    if ((teamMembers & (1L << slot)) != 0) {
      return ports[teamBySlot[slot].index];
    }
    return slot < ports.length ? ports[slot] : null;
  }

  /** The trace and capture these tables carry ({@link Taps#NONE} when nothing is watched). */
  public Taps taps() {
    return taps;
  }

  /** The features a burst from port {@code index} goes through, in order. */
  public Feature[] features(int index) {
    return features[index];
  }

  /** {@link #members} as a mask. */
  public long memberMask(int vlan) {
    return memberMask[vlan];
  }

  /** {@link #promiscuousMembers} as a mask. */
  public long promiscuousMask(int vlan) {
    return promiscuousMask[vlan];
  }

  /** Members of {@code vlan} whose frames of it leave with an 802.1Q tag. */
  public long taggedMask(int vlan) {
    return taggedMask[vlan];
  }

  /** Ports that refuse unicast to a MAC other than their own (MAC address changes rejected). */
  public long macFilterMask() {
    return macFilterMask;
  }

  /** Ports with an egress ACL. */
  public long egressAclMask() {
    return egressAclMask;
  }

  /** The policy of port {@code index}; null if there is none (never for a member of a VLAN). */
  public PortPolicy port(int index) {
    return ports[index];
  }

  /** True when some port has an ACL: then every burst's ACL keys are extracted. */
  public boolean hasAcls() {
    return acls;
  }

  /**
   * True when some ACL matches on the connection state: then every port's bursts are tracked (a
   * reply entering a port without an ACL must still move its connection on, or the next packet of
   * the guarded side would not find it established).
   */
  public boolean tracksConnections() {
    return ctAcls;
  }

  /** Port slots, including empty ones. */
  public int portCount() {
    return ports.length;
  }

  /**
   * Whether port {@code index} exists and forwards {@code vlan}: a member of it, and neither a
   * mirror's destination nor the VLAN an RSPAN session's.
   */
  public boolean carries(int index, int vlan) {
    return index >= 0 && index < ports.length && (memberMask[vlan] & (1L << index)) != 0;
  }

  /** The mirroring sessions that copy what port {@code index} receives; empty when none. */
  public MirrorSession[] mirrorsIn(int index) {
    return mirrorsIn[index];
  }

  /** The mirroring sessions that copy what port {@code index} sends; empty when none. */
  MirrorSession[] mirrorsOut(int index) {
    return mirrorsOut[index];
  }

  /** Ports whose sent frames some session mirrors: transmit looks for these bits. */
  public long mirroredEgress() {
    return mirroredEgress;
  }

  /** Whether port {@code index} is a local mirror's destination (its received frames dropped). */
  public boolean isMirrorDestination(int index) {
    return (mirrorDestinations & (1L << index)) != 0;
  }

  /** Ports of {@code vlan}, in index order: where a flood goes (less the ingress port). */
  public int[] members(int vlan) {
    return members[vlan];
  }

  /** Promiscuous ports of {@code vlan}: they also get the VLAN's unicast for others. */
  public int[] promiscuousMembers(int vlan) {
    return promiscuous[vlan];
  }
}
