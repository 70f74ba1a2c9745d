package io.vswitch.dataplane.stats;

/**
 * Why a packet was dropped: one enum that gives both the counter index and its label, so a new
 * reason cannot be counted without also being named (VPP's X-macro, in Java). A drop is counted on
 * the ingress port unless the reason says otherwise.
 */
public enum DropReason {
  /** Egress: the transmit queue was full; the device could not keep up. */
  TX_QUEUE_FULL("tx_queue_full"),
  /** Nowhere to send it: a flood in a VLAN with no other port. */
  NO_EGRESS("no_egress"),
  /** Shorter than an Ethernet header (14 bytes). */
  RUNT("runt"),
  /** A VLAN tag or an IP header cut off by the end of the frame. */
  TRUNCATED_HEADER("truncated_header"),
  /** An IPv4/IPv6 header whose lengths disagree with the frame. */
  BAD_IP_LENGTH("bad_ip_length"),
  /** Source MAC is a group address: no host sends from one. */
  SOURCE_MULTICAST("source_multicast"),
  /** Source MAC is 00:00:00:00:00:00: no host has it; never learned. */
  SOURCE_ZERO("source_zero"),
  /**
   * Destination is an 802.1D reserved group address 01:80:C2:00:00:0x (BPDU, PAUSE, LACP, LLDP): a
   * bridge never relays these (IEEE 802.1Q 8.6.3) unless the port group sets forward-bpdu.
   */
  RESERVED_MULTICAST("reserved_multicast"),
  /**
   * Received on a port the published tables do not know yet (being added) or any more (removed).
   */
  PORT_NOT_READY("port_not_ready"),
  /** An 802.1ad (0x88a8) outer tag or a second 802.1Q tag: QinQ is not switched. */
  QINQ("qinq_unsupported"),
  /** Tagged on an access port, VLAN not in a trunk's allowed list, or untagged with no native. */
  VLAN_NOT_ALLOWED("vlan_not_allowed"),
  /** Security policy: source MAC is not the port's MAC and forged transmits are rejected. */
  FORGED_TRANSMIT("forged_transmit"),
  /** Egress security: destination is not the port's MAC and MAC changes are rejected. */
  MAC_CHANGE("mac_change"),
  /** The destination was learned on the ingress port itself (a switch never hairpins). */
  SAME_PORT("same_port"),
  /** No mbuf for the copy a flood needed (pool exhausted). */
  NO_MBUF("no_mbuf"),
  /** Denied by the ingress port's ACL (a rule or the default). */
  ACL_INGRESS_DENY("acl_ingress_deny"),
  /** Denied by the egress port's ACL; counted on the ingress port like every other drop. */
  ACL_EGRESS_DENY("acl_egress_deny"),
  /** Red under the ingress port's policer, whose exceed action is drop. */
  POLICER_RED("policer_red"),
  /** The egress shaper's queue was full; counted on the egress port. */
  SHAPER_QUEUE_FULL("shaper_queue_full"),
  /** A non-first IP fragment, at an ACL whose fragment policy is deny. */
  ACL_FRAGMENT("acl_fragment_deny"),
  /**
   * No complete L4 header (cut short, or behind an IPv6 extension chain that does not end) at an
   * ACL with L4 rules: its ports are unknown, so no port rule may decide it.
   */
  ACL_L4_UNKNOWN("acl_l4_unknown"),
  /**
   * At an ACL: a TCP fragment at offset 8, or a first fragment without the TCP flags (RFC 1858, RFC
   * 3128).
   */
  TINY_FRAGMENT("acl_tiny_fragment"),
  /** Longer than the ingress port's MTU (the L3 payload, after the Ethernet and VLAN header). */
  RX_MTU_EXCEEDED("rx_mtu_exceeded"),
  /** Longer than the egress port's MTU; counted on the egress port. */
  TX_MTU_EXCEEDED("tx_mtu_exceeded"),
  /**
   * Received on a port mirroring's destination: normal I/O on a destination port is disallowed
   * (vSphere's default), so nothing it sends is switched or learned.
   */
  MIRROR_DESTINATION_RX("mirror_destination_rx"),
  /**
   * A mirrored copy not made (no mbuf) or not sent (the destination's transmit queue was full);
   * counted on the destination port. The original is never affected.
   */
  MIRROR_DROPPED("mirror_dropped"),
  /**
   * Conntrack: a new connection the policy allowed, but the table holds its capacity and no
   * unestablished entry could be evicted (counted, never a silent hole).
   */
  CT_TABLE_FULL("ct_table_full"),
  /** Conntrack: a new connection in a zone (VLAN) that holds its connection limit. */
  CT_ZONE_LIMIT("ct_zone_limit"),
  /** Conntrack: a new connection from an ingress port that holds its connection limit. */
  CT_PORT_LIMIT("ct_port_limit"),
  /**
   * Conntrack: a new connection while unestablished ones hold their whole budget (a SYN flood is
   * bounded here and cannot take the room of established connections).
   */
  CT_EMBRYONIC_LIMIT("ct_embryonic_limit"),
  /**
   * Conntrack: a packet that fits no connection (out of window, a forbidden TCP flag or state
   * change, a reply with no request), denied by an ACL with ct-state rules.
   */
  CT_INVALID("ct_invalid"),
  /**
   * VXLAN (RFC 7348) to this VTEP cut short: the outer IPv4, UDP or VXLAN header, or the inner
   * Ethernet header, does not fit in the frame or the lengths disagree.
   */
  VXLAN_TRUNCATED("vxlan_truncated"),
  /** VXLAN with the I flag clear (RFC 7348 section 5: the VNI is then not valid). */
  VXLAN_BAD_HEADER("vxlan_bad_header"),
  /** A VXLAN fragment: VTEPs do not fragment or reassemble (RFC 7348 section 4.3). */
  VXLAN_FRAGMENT("vxlan_fragment"),
  /** A VNI that no configured segment has. */
  VXLAN_UNKNOWN_VNI("vxlan_unknown_vni"),
  /** VXLAN from a source address that is not a remote VTEP of the VNI's segment. */
  VXLAN_UNKNOWN_VTEP("vxlan_unknown_vtep"),
  /**
   * Geneve (RFC 8926) to this VTEP with a version other than 0 or a protocol type other than an
   * Ethernet frame (0x6558), or options that do not add up to its Opt Len.
   */
  GENEVE_BAD_HEADER("geneve_bad_header"),
  /** A Geneve control packet (the O bit): counted, never forwarded (RFC 8926 section 3.4). */
  GENEVE_CONTROL("geneve_control"),
  /**
   * Geneve with critical options (the C bit, or an option type's critical bit): we understand no
   * option, so RFC 8926 section 3.5.1 says drop.
   */
  GENEVE_CRITICAL_OPTION("geneve_critical_option"),
  /** IPv4 to the VTEP's address that is not VXLAN (other protocol or UDP port). */
  VTEP_NOT_VXLAN("vtep_not_vxlan"),
  /**
   * IPv4 to the VTEP's MAC for another address (the VTEP's old one after a live change of its
   * address): not decapsulated.
   */
  VTEP_WRONG_ADDRESS("vtep_wrong_address"),
  /** To a remote VTEP whose next hop's MAC is not known yet (an ARP request is on its way). */
  VTEP_UNRESOLVED("vtep_unresolved"),
  /**
   * From one remote VTEP to another (split horizon: a full mesh of head-end replication never
   * relays between VTEPs, or a flood would loop).
   */
  VXLAN_SPLIT_HORIZON("vxlan_split_horizon"),
  /** Not a fault: an ARP reply to the VTEP, taken by its neighbour cache instead of switched. */
  VTEP_ARP_REPLY("vtep_arp_reply"),
  /** An ARP reply to an uplink team's probe: consumed by the probe, never switched. */
  TEAM_PROBE("team_probe"),
  /**
   * Broadcast or multicast received on a team member other than the one that receives the team's
   * group frames (ESXi takes them from one uplink, or the upstream's flood arrives twice).
   */
  TEAM_GROUP_FILTERED("team_group_filtered"),
  /**
   * Broadcast or multicast received on a team whose source MAC is learned on a local port: our own
   * frame, reflected by the upstream from one member to another (ESXi's reverse filter).
   */
  TEAM_REFLECTED("team_reflected"),
  /** To a team with no healthy member (every uplink down). */
  TEAM_NO_UPLINK("team_no_uplink"),
  /**
   * Not a fault: a slow-protocol frame (ethertype 0x8809, a LACPDU) received on a LACP team's
   * member, handed to the control thread's LACP and never switched (802.1AX: link-local).
   */
  TEAM_LACPDU("team_lacpdu"),
  /**
   * Received on a LACP team's member that is not collecting (802.1AX 6.4.15: a port's frames are
   * taken only once its mux has enabled collecting).
   */
  TEAM_NOT_COLLECTING("team_not_collecting");

  private final String label;

  DropReason(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
