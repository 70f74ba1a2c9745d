package io.vswitch.dataplane.l2;

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

  /** Policies of ports 0..n-1, every slot filled. */
  public L2Tables(List<PortPolicy> policies) {
    this(policies.toArray(PortPolicy[]::new));
  }

  /** Policies by port index; null where there is no port (a removed one's slot). */
  public L2Tables(PortPolicy[] policiesByIndex) {
    if (policiesByIndex.length > MAX_PORTS) {
      throw new IllegalArgumentException("at most " + MAX_PORTS + " port slots");
    }
    this.ports = policiesByIndex.clone();
    for (int i = 0; i < ports.length; i++) {
      if (ports[i] != null && ports[i].index != i) {
        throw new IllegalArgumentException("policy " + i + " has index " + ports[i].index);
      }
    }
    for (int vlan = 1; vlan < 4095; vlan++) {
      members[vlan] = portsWhere(vlan, false);
      promiscuous[vlan] = portsWhere(vlan, true);
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

  private static long mask(int[] indexes) {
    long mask = 0;
    for (int p : indexes) {
      mask |= 1L << p;
    }
    return mask;
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

  /** Whether port {@code index} exists and is a member of {@code vlan}. */
  public boolean carries(int index, int vlan) {
    return index < ports.length && ports[index] != null && ports[index].carries(vlan);
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
