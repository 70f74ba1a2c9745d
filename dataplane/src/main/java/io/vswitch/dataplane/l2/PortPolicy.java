package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.acl.Acl;
import io.vswitch.dataplane.qos.PolicerSpec;
import io.vswitch.dataplane.qos.ShaperSpec;
import java.util.Arrays;
import java.util.BitSet;

/**
 * What the L2 pipeline needs to know about one port, compiled from its port group: immutable, so
 * workers read it without locks (a change publishes a new one).
 *
 * <p>Security policy follows the vSphere switches: promiscuous mode (receive the VLAN's unicast for
 * other ports too), MAC address changes (refuse frames to a MAC other than the configured one),
 * forged transmits (refuse frames from a MAC other than the configured one). The last two only
 * apply when the port has a configured MAC.
 */
public final class PortPolicy {
  /** No native VLAN on a trunk: untagged frames are dropped. */
  public static final int NO_VLAN = -1;

  /** The L3 MTU a port has unless configured (Ethernet's). */
  public static final int DEFAULT_MTU = 1500;

  final int index;
  final VlanMode mode;
  final int accessVlan;
  final long[] allowedVlans; // trunk: bit per VLAN id
  final int nativeVlan;
  final boolean nativeTagged;
  final long mac;
  final boolean promiscuous;
  final boolean acceptMacChanges;
  final boolean acceptForgedTransmits;
  final boolean learning;
  final int macLimit;
  final boolean forwardBpdu;
  public final Acl ingressAcl;
  final Acl egressAcl;
  final PolicerSpec policer;
  final ShaperSpec shaper;
  final int markPcp;
  final int markDscp;
  final int mtu;
  final boolean flowExport;

  private PortPolicy(Builder b) {
    this.index = b.index;
    this.mode = b.mode;
    this.accessVlan = b.accessVlan;
    this.allowedVlans = Arrays.copyOf(b.allowedVlans.toLongArray(), 64);
    this.nativeVlan = b.nativeVlan;
    this.nativeTagged = b.nativeTagged;
    this.mac = b.mac;
    this.promiscuous = b.promiscuous;
    this.acceptMacChanges = b.acceptMacChanges;
    this.acceptForgedTransmits = b.acceptForgedTransmits;
    this.learning = b.learning;
    this.macLimit = b.macLimit;
    this.forwardBpdu = b.forwardBpdu;
    this.ingressAcl = b.ingressAcl;
    this.egressAcl = b.egressAcl;
    this.policer = b.policer;
    this.shaper = b.shaper;
    this.markPcp = b.markPcp;
    this.markDscp = b.markDscp;
    this.mtu = b.mtu;
    this.flowExport = b.flowExport;
  }

  public static Builder access(int index, int vlan) {
    Builder b = new Builder(index, VlanMode.ACCESS);
    b.accessVlan = checkVlan(vlan);
    return b;
  }

  public static Builder trunk(int index, int... allowed) {
    Builder b = new Builder(index, VlanMode.TRUNK);
    for (int vlan : allowed) {
      b.allowedVlans.set(checkVlan(vlan));
    }
    return b;
  }

  public static int checkVlan(int vlan) {
    if (vlan < 1 || vlan > 4094) {
      throw new IllegalArgumentException("VLAN id " + vlan + " is not in 1..4094");
    }
    return vlan;
  }

  public int index() {
    return index;
  }

  public VlanMode mode() {
    return mode;
  }

  /** Whether frames of {@code vlan} may use this port. */
  public boolean carries(int vlan) {
    return mode == VlanMode.ACCESS
        ? vlan == accessVlan
        : (allowedVlans[vlan >>> 6] & (1L << vlan)) != 0 || vlan == nativeVlan;
  }

  /** Whether frames of {@code vlan} leave this port with an 802.1Q tag. */
  public boolean egressTagged(int vlan) {
    return mode == VlanMode.TRUNK && (vlan != nativeVlan || nativeTagged);
  }

  /** VLANs this port is a member of. */
  public BitSet vlans() {
    BitSet vlans = new BitSet();
    if (mode == VlanMode.ACCESS) {
      vlans.set(accessVlan);
    } else {
      vlans.or(BitSet.valueOf(allowedVlans));
      if (nativeVlan != NO_VLAN) {
        vlans.set(nativeVlan);
      }
    }
    return vlans;
  }

  /** True when the ingress security stage has nothing to check for this port. */
  boolean ingressSecurityOff() {
    return mac == MacAddress.NONE || acceptForgedTransmits;
  }

  /** True when egress must drop unicast frames to MACs other than the configured one. */
  boolean egressMacFilter() {
    return mac != MacAddress.NONE && !acceptMacChanges;
  }

  public boolean promiscuous() {
    return promiscuous;
  }

  /** The ACL for frames entering the switch on this port, or null. */
  public Acl ingressAcl() {
    return ingressAcl;
  }

  /** The ACL for frames leaving the switch on this port, or null. */
  public Acl egressAcl() {
    return egressAcl;
  }

  /** The ingress policer of one receive queue of this port, or null. */
  public PolicerSpec policer() {
    return policer;
  }

  /** The egress shaper of one worker's share of this port, or null. */
  public ShaperSpec shaper() {
    return shaper;
  }

  /** True when frames entering here get a DSCP or PCP set. */
  boolean marks() {
    return markPcp >= 0 || markDscp >= 0;
  }

  /** Builds a policy; defaults: learning on, every security policy accepts, no MAC. */
  public static final class Builder {
    private final int index;
    private final VlanMode mode;
    private int accessVlan = NO_VLAN;
    private final BitSet allowedVlans = new BitSet(4096);
    private int nativeVlan = NO_VLAN;
    private boolean nativeTagged;
    private long mac = MacAddress.NONE;
    private boolean promiscuous;
    private boolean acceptMacChanges = true;
    private boolean acceptForgedTransmits = true;
    private boolean learning = true;
    private int mtu = DEFAULT_MTU;
    private boolean flowExport;
    private int macLimit = Integer.MAX_VALUE;
    private boolean forwardBpdu;
    private Acl ingressAcl;
    private Acl egressAcl;
    private PolicerSpec policer;
    private ShaperSpec shaper;
    private int markPcp = -1;
    private int markDscp = -1;

    private Builder(int index, VlanMode mode) {
      this.index = index;
      this.mode = mode;
    }

    /** Trunk only: untagged frames belong to {@code vlan}; on egress, tagged if asked. */
    public Builder nativeVlan(int vlan, boolean tagged) {
      if (mode != VlanMode.TRUNK) {
        throw new IllegalStateException("only a trunk has a native VLAN");
      }
      this.nativeVlan = checkVlan(vlan);
      this.nativeTagged = tagged;
      return this;
    }

    public Builder mac(long mac) {
      this.mac = mac;
      return this;
    }

    public Builder promiscuous(boolean accept) {
      this.promiscuous = accept;
      return this;
    }

    public Builder macChanges(boolean accept) {
      this.acceptMacChanges = accept;
      return this;
    }

    public Builder forgedTransmits(boolean accept) {
      this.acceptForgedTransmits = accept;
      return this;
    }

    /** The largest L3 payload (after the Ethernet and VLAN header) the port takes and sends. */
    public Builder mtu(int bytes) {
      if (bytes < 68) {
        throw new IllegalArgumentException("MTU " + bytes + " is below IPv4's 68");
      }
      this.mtu = bytes;
      return this;
    }

    public Builder learning(boolean on) {
      this.learning = on;
      return this;
    }

    /** At most {@code limit} learned MACs on this port; 0 means no limit. */
    public Builder macLimit(int limit) {
      if (limit < 0) {
        throw new IllegalArgumentException("mac-limit must be >= 0");
      }
      this.macLimit = limit == 0 ? Integer.MAX_VALUE : limit;
      return this;
    }

    /** Relay 802.1D reserved multicast (BPDU, LLDP) received here; never PAUSE or LACP. */
    public Builder forwardBpdu(boolean on) {
      this.forwardBpdu = on;
      return this;
    }

    public Builder acls(Acl ingress, Acl egress) {
      this.ingressAcl = ingress;
      this.egressAcl = egress;
      return this;
    }

    public Builder policer(PolicerSpec spec) {
      this.policer = spec;
      return this;
    }

    public Builder shaper(ShaperSpec spec) {
      this.shaper = spec;
      return this;
    }

    /** Whether the port's received IP traffic is accounted in flows for IPFIX export. */
    public Builder flowExport(boolean on) {
      this.flowExport = on;
      return this;
    }

    /** Marks frames entering on this port: PCP 0..7 and DSCP 0..63, -1 to leave as is. */
    public Builder mark(int pcp, int dscp) {
      if (pcp < -1 || pcp > 7 || dscp < -1 || dscp > 63) {
        throw new IllegalArgumentException("PCP is 0..7 and DSCP 0..63");
      }
      this.markPcp = pcp;
      this.markDscp = dscp;
      return this;
    }

    public PortPolicy build() {
      return new PortPolicy(this);
    }
  }
}
