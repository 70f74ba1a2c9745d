package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.l2.mirror.MirrorDestinationStage;
import io.vswitch.dataplane.l2.mirror.MirrorInStage;
import io.vswitch.dataplane.l2.overlay.VxlanDecapStage;
import io.vswitch.dataplane.l2.overlay.VxlanEgressStage;
import io.vswitch.dataplane.l2.tap.CaptureInStage;
import io.vswitch.dataplane.l2.tap.CaptureOutStage;
import io.vswitch.dataplane.l2.tap.TraceInStage;
import io.vswitch.dataplane.l2.tap.TraceOutStage;
import io.vswitch.dataplane.l2.team.LacpRxStage;
import io.vswitch.dataplane.l2.team.TeamRxStage;
import io.vswitch.dataplane.l2.team.TeamTxStage;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiPredicate;
import java.util.function.Function;

/**
 * The features of the L2 pipeline, in the order a burst meets them (VPP's feature arc, as data).
 * Each entry names the stage that implements it and when a port needs it; the control plane's
 * tables compile every port's list ({@link L2Tables#features}) from its policy, so a burst runs
 * exactly its port's features and a feature a port does not use costs nothing there. Adding a
 * feature is one {@link Stage} class and one entry here.
 */
public enum Feature {
  /**
   * Packet trace (armed port only): claims the burst's trace slots; a step follows each feature.
   */
  TRACE_IN(r -> new TraceInStage(r.worker()), (p, t) -> t.taps().traces(p.index)),
  /** Live capture of received frames (armed port only), as they came, before the parse. */
  CAPTURE_IN(r -> new CaptureInStage(r.worker()), (p, t) -> t.taps().capturesIn(p.index)),
  /** Header offsets, MACs, tag; runts, QinQ, bad lengths and bad sources dropped; rx counted. */
  PARSE(r -> new ParseStage(), Feature::always),
  /**
   * The VTEP on its uplink: VXLAN to it decapsulated and handed to its tunnel port, bad VXLAN
   * dropped, ARP for it answered.
   */
  VXLAN_DECAP(
      r -> new VxlanDecapStage(),
      (p, t) -> t.overlay().active() && p.index == t.overlay().uplink()),
  /**
   * LACP team (a LACP team's list only): slow-protocol frames (LACPDUs) punted to the control
   * thread, and data from members that are not collecting dropped, before anything else looks.
   */
  LACP_RX(r -> new LacpRxStage(), (p, t) -> t.isTeam(p.index) && t.team(p.index).lacp != null),
  /** A local mirror's destination: no normal I/O, whatever it receives is dropped. */
  MIRROR_DESTINATION(r -> new MirrorDestinationStage(), (p, t) -> t.isMirrorDestination(p.index)),
  /** Frames longer than the ingress port's MTU. */
  INGRESS_MTU(r -> new IngressMtuStage(), Feature::always),
  /** Forged transmits (vSphere): only the port's own source MAC. */
  SECURITY(r -> new IngressSecurityStage(), (p, t) -> !p.ingressSecurityOff()),
  /** Exactly one VLAN per frame, from the port's access or trunk mode, or a drop. */
  VLAN_CLASSIFY(r -> new VlanClassifyStage(), Feature::always),
  /**
   * The worker's cache of whole L2 decisions: a hit is the learn, forward, egress filter and
   * replicate a miss would do, so those stages pass it by. Only where every feature is one the
   * cache is exact for ({@link #cacheable}).
   */
  FLOW_CACHE(r -> new FlowCacheStage(r.l2Flows(), r.fdb()), Feature::cacheable),
  /**
   * Uplink team, ingress (a team's list only): ARP replies to the team's probe consumed, group
   * frames taken from one member only and never when they are our own reflected back.
   */
  TEAM_RX(r -> new TeamRxStage(r.fdb()), (p, t) -> t.isTeam(p.index)),
  /** Port mirroring, ingress: copies of the frames as received, before any ACL or rewrite. */
  MIRROR_IN(r -> new MirrorInStage(r.pool()), (p, t) -> t.mirrorsIn(p.index).length != 0),
  /** The classifier key of every frame, once, when any port has an ACL. */
  ACL_KEYS(r -> new AclKeysStage(), (p, t) -> t.hasAcls()),
  /**
   * Connection state of every IP frame (new, established, related, invalid, untracked; reply bit)
   * from the shared conntrack table, in the zone of the frame's VLAN, when some ACL uses ct-state.
   */
  CONNTRACK(r -> new ConntrackStage(r.conntrack()), (p, t) -> t.tracksConnections()),
  /** The ingress port's ACL. */
  ACL_IN(r -> new AclInStage(r.acls()), (p, t) -> p.ingressAcl != null),
  /** New connections the ingress ACL let through are created in the conntrack table. */
  CT_COMMIT(r -> new CtCommitStage(r.conntrack()), (p, t) -> t.tracksConnections()),
  /** DSCP rewritten, PCP recorded for the egress tag. */
  MARK(r -> new MarkStage(), (p, t) -> p.marks()),
  /** The port's policer: red frames dropped or remarked (after the mark, so a remark wins). */
  POLICE(r -> new PoliceStage(r.hz()), (p, t) -> p.policer != null),
  /** (VLAN, source MAC) to the ingress port in the FDB. */
  LEARN(r -> new LearnStage(r.fdb()), (p, t) -> p.learning),
  /** (VLAN, destination MAC) to one port, or the VLAN's flood set; promiscuous ports added. */
  FORWARD(r -> new ForwardStage(r.fdb()), Feature::always),
  /** Egress ports this worker can send to and that accept the destination (MAC changes). */
  EGRESS_FILTER(r -> new EgressFilterStage(), Feature::always),
  /** Tunnel ports: split horizon, and unresolved VTEPs left out (and asked for by ARP). */
  VXLAN_EGRESS(r -> new VxlanEgressStage(r.pool()), (p, t) -> t.overlay().active()),
  /** Every egress port's ACL. */
  ACL_OUT(r -> new AclOutStage(r.acls()), (p, t) -> t.egressAclMask() != 0),
  /**
   * IPFIX flow accounting (ports with flow export on): each forwarded IP frame's 5-tuple, VLAN and
   * ports into the worker's flow cache, after every drop decision but the transmit's.
   */
  FLOW_EXPORT(r -> new FlowExportStage(r.flows()), (p, t) -> p.flowExport),
  /** Which egress ports share the original and which one rewritten copy. */
  REPLICATE(r -> new ReplicateStage(r.pool()), Feature::always),
  /** What the flow cache missed and the full path decided, into the cache. */
  FLOW_CACHE_FILL(r -> new FlowCacheFillStage(r.l2Flows()), Feature::cacheable),
  /** VLAN push, pop or rewrite and PCP, in place, for the original and the copy. */
  EGRESS_REWRITE(r -> new EgressRewriteStage(), Feature::always),
  /** Uplink teams, egress: a team's bit becomes the one member its selection table picks. */
  TEAM_TX(r -> new TeamTxStage(), (p, t) -> t.teamMask() != 0),
  /** Live capture of frames leaving the armed port, as rewritten (while one is armed). */
  CAPTURE_OUT(r -> new CaptureOutStage(r.worker()), (p, t) -> t.taps().captureOutMask() != 0),
  /** Onto each egress port's transmit buffer: MTU, shaper, tx burst; egress mirrors' copies. */
  TRANSMIT(r -> new TransmitStage(r.pool()), Feature::always),
  /** Packet trace (armed port only): publishes the burst's records to the control thread. */
  TRACE_OUT(r -> new TraceOutStage(), (p, t) -> t.taps().traces(p.index));

  private final Function<StageResources, Stage> factory;
  private final BiPredicate<PortPolicy, L2Tables> wanted;

  Feature(Function<StageResources, Stage> factory, BiPredicate<PortPolicy, L2Tables> wanted) {
    this.factory = factory;
    this.wanted = wanted;
  }

  private static boolean always(PortPolicy port, L2Tables tables) {
    return true;
  }

  /**
   * The features a flow cache hit may stand beside: those that either decide nothing about where a
   * frame goes (parse, MTU, security, VLAN, ACL in, mark, police: they still run on every frame,
   * and may drop it), or are the decision the cache holds (learn, forward, egress filter,
   * replicate), or act on it per frame (rewrite, transmit). Anything else on a port (a tunnel's
   * split horizon, an egress ACL, a team's member choice, mirrors, taps, flow export, conntrack)
   * keeps that port off the cache: its decisions would need keys the cache does not have.
   */
  private static final java.util.Set<Feature> CACHE_SAFE =
      java.util.EnumSet.of(
          PARSE,
          INGRESS_MTU,
          SECURITY,
          VLAN_CLASSIFY,
          ACL_KEYS,
          ACL_IN,
          MARK,
          POLICE,
          LEARN,
          FORWARD,
          EGRESS_FILTER,
          REPLICATE,
          EGRESS_REWRITE,
          TRANSMIT);

  /** Whether {@code port}'s list, but for the cache itself, is all {@link #CACHE_SAFE}. */
  static boolean cacheable(PortPolicy port, L2Tables tables) {
    for (Feature f : values()) {
      if (f != FLOW_CACHE
          && f != FLOW_CACHE_FILL
          && !CACHE_SAFE.contains(f)
          && f.wanted.test(port, tables)) {
        return false;
      }
    }
    return true;
  }

  /** One worker's stage of every feature, indexed by {@link #ordinal()}. */
  public static Stage[] instantiate(StageResources resources) {
    Feature[] all = values();
    Stage[] stages = new Stage[all.length];
    for (Feature f : all) {
      stages[f.ordinal()] = f.factory.apply(resources);
    }
    return stages;
  }

  /** The features a burst from {@code port} goes through, in pipeline order. */
  static Feature[] compile(PortPolicy port, L2Tables tables) {
    List<Feature> list = new ArrayList<>();
    for (Feature f : values()) {
      if (f.wanted.test(port, tables)) {
        list.add(f);
      }
    }
    return list.toArray(Feature[]::new);
  }
}
