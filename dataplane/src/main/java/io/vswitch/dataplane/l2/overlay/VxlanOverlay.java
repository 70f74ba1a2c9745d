package io.vswitch.dataplane.l2.overlay;

import io.vswitch.dataplane.l2.BurstContext;
import io.vswitch.dataplane.l2.L2Tables;
import io.vswitch.dataplane.l2.team.Team;
import java.util.List;

/**
 * The overlay as the workers see it, published in the {@link L2Tables}: the VTEP (its uplink port,
 * address, MAC and UDP port) and the tunnel ports, one per (segment, remote VTEP), each a port slot
 * of the tables (an access port on the segment's VLAN) whose transmit encapsulates ({@link
 * VxlanPort}). Immutable, but for the shared {@link VtepNeighbors}.
 *
 * <p>The VTEP's port may be an uplink {@link Team} (as NSX puts its TEP on a VDS's teamed uplinks):
 * then {@link #uplink} is the team's logical slot, whose feature list its members' bursts run (so
 * VXLAN and ARP are taken from any member), and what the VTEP sends leaves by {@link #carrier()}:
 * the member the team's selection gives the VTEP's bucket now, read with the one volatile load a
 * failover republishes. One VTEP is one virtual port with one MAC, so, as VDS pins a vmknic to an
 * uplink, every policy puts all of it on one member: {@code FAILOVER} the carrying one, {@code
 * SRC_PORT} the bucket of the team's slot, {@code SRC_MAC} the bucket of the VTEP's MAC. Spreading
 * the outer flows over members needs the upstream to treat the links as one (LACP); with
 * independent links the VTEP's MAC would flap between the upstream's ports.
 */
public final class VxlanOverlay {
  /** {@link #tunnelPort}: no segment has the VNI. */
  public static final int UNKNOWN_VNI = -2;

  /** {@link #tunnelPort}: the VNI's segment has no remote VTEP at the source address. */
  public static final int UNKNOWN_VTEP = -3;

  /** No overlay: no stage of it is in any list. */
  public static final VxlanOverlay NONE =
      new VxlanOverlay(-1, 0, 0, VxlanTunnel.DEFAULT_UDP_PORT, null, List.of(), new int[0]);

  final int uplink;
  final int localIp;
  final long localMac;
  final int udpPort;
  final int genevePort;
  final VtepNeighbors neighbors;
  final long tunnelMask;

  /** The VTEP's team, or null when its port is a plain one. */
  final Team team;

  /** The VTEP's bucket in {@link #team}'s selection. */
  private final int teamBucket;

  private final int[] vnis;
  private final int[] remotes;
  private final boolean[] geneve;
  private final int[] ports;
  private final VxlanTunnel[] byPort = new VxlanTunnel[L2Tables.MAX_PORTS];

  /**
   * @param uplink the VTEP's port slot, or -1 while it has none
   * @param tunnels the tunnels that have a port slot, with it in {@code tunnelPorts}
   */
  public VxlanOverlay(
      int uplink,
      int localIp,
      long localMac,
      int udpPort,
      VtepNeighbors neighbors,
      List<VxlanTunnel> tunnels,
      int[] tunnelPorts) {
    this(uplink, localIp, localMac, udpPort, neighbors, tunnels, tunnelPorts, null);
  }

  /**
   * @param team the team whose logical slot {@code uplink} is, or null when it is a plain port
   */
  public VxlanOverlay(
      int uplink,
      int localIp,
      long localMac,
      int udpPort,
      VtepNeighbors neighbors,
      List<VxlanTunnel> tunnels,
      int[] tunnelPorts,
      Team team) {
    this(
        uplink,
        localIp,
        localMac,
        udpPort,
        VxlanTunnel.DEFAULT_GENEVE_PORT,
        neighbors,
        tunnels,
        tunnelPorts,
        team);
  }

  /**
   * @param udpPort the VXLAN UDP port the decap stage takes
   * @param genevePort the Geneve UDP port it takes
   * @param team the team whose logical slot {@code uplink} is, or null when it is a plain port
   */
  public VxlanOverlay(
      int uplink,
      int localIp,
      long localMac,
      int udpPort,
      int genevePort,
      VtepNeighbors neighbors,
      List<VxlanTunnel> tunnels,
      int[] tunnelPorts,
      Team team) {
    if (team != null && team.index != uplink) {
      throw new IllegalArgumentException(team + " is slot " + team.index + ", not " + uplink);
    }
    this.team = team;
    this.teamBucket = team == null ? 0 : team.bucket(team.index, localMac);
    this.uplink = uplink;
    this.localIp = localIp;
    this.localMac = localMac;
    this.udpPort = udpPort;
    this.genevePort = genevePort;
    this.neighbors = neighbors;
    this.vnis = new int[tunnels.size()];
    this.remotes = new int[tunnels.size()];
    this.geneve = new boolean[tunnels.size()];
    this.ports = tunnelPorts.clone();
    long mask = 0;
    for (int t = 0; t < vnis.length; t++) {
      VxlanTunnel tunnel = tunnels.get(t);
      vnis[t] = tunnel.vni;
      remotes[t] = tunnel.remoteIp;
      geneve[t] = tunnel.geneve;
      byPort[ports[t]] = tunnel;
      mask |= 1L << ports[t];
    }
    this.tunnelMask = uplink < 0 ? 0 : mask;
  }

  /** Whether the overlay runs: a VTEP port with a slot and at least one tunnel. */
  public boolean active() {
    return tunnelMask != 0;
  }

  public int uplink() {
    return uplink;
  }

  /** The VTEP's team, or null. */
  public Team team() {
    return team;
  }

  /**
   * The port slot the VTEP's frames leave by now: its port, or its team's carrying member ({@link
   * Team#NONE} while no member is healthy); -1 while the VTEP has no port.
   */
  public int carrier() {
    Team t = team;
    return t == null ? uplink : t.selection()[teamBucket];
  }

  /** Whether this worker can send the VTEP's frames now: a carrier it has a queue on. */
  static boolean canSend(BurstContext ctx, int carrier) {
    return carrier >= 0 && (ctx.tx.present() & (1L << carrier)) != 0;
  }

  public long tunnelMask() {
    return tunnelMask;
  }

  public boolean isTunnel(int port) {
    return (tunnelMask & (1L << port)) != 0;
  }

  /** The tunnel of port slot {@code port}, or null. */
  public VxlanTunnel tunnel(int port) {
    return port >= 0 && port < byPort.length ? byPort[port] : null;
  }

  public VtepNeighbors neighbors() {
    return neighbors;
  }

  /**
   * The tunnel port VXLAN (or Geneve, when {@code geneve}) with {@code vni} from {@code sourceIp}
   * enters by, or {@link #UNKNOWN_VNI} (no segment of that encapsulation has the VNI) or {@link
   * #UNKNOWN_VTEP}. A linear scan: a switch has at most a few dozen tunnels.
   */
  int tunnelPort(int vni, int sourceIp, boolean geneve) {
    int found = UNKNOWN_VNI;
    for (int t = 0; t < vnis.length; t++) {
      if (vnis[t] == vni && this.geneve[t] == geneve) {
        if (remotes[t] == sourceIp) {
          return ports[t];
        }
        found = UNKNOWN_VTEP;
      }
    }
    return found;
  }
}
