package io.vswitch.control.config;

import java.util.List;

/**
 * Overlay segments, VXLAN (RFC 7348) or Geneve (RFC 8926): a VTEP on one uplink port, and segments,
 * each a VNI that carries the VLAN of its port groups to its remote VTEPs by head-end replication.
 * {@link OverlaySpecs} validates it; it takes effect at start only.
 *
 * @param vtep the local tunnel end point
 * @param udpPort the VXLAN UDP destination port (default IANA's 4789)
 * @param genevePort the Geneve UDP destination port (default IANA's 6081)
 * @param ttl the outer IPv4 TTL (default 64)
 * @param segments the segments
 * @param neighbors static MACs of next hops (remote VTEPs or the gateway); the others are resolved
 *     by ARP on the uplink
 */
public record Overlay(
    Vtep vtep,
    Integer udpPort,
    Integer genevePort,
    Integer ttl,
    List<Segment> segments,
    List<Neighbor> neighbors) {
  /** A segment's {@code encapsulation}: VXLAN (the default). */
  public static final String VXLAN = "vxlan";

  /** A segment's {@code encapsulation}: Geneve (RFC 8926), without options. */
  public static final String GENEVE = "geneve";

  public Overlay {
    udpPort = udpPort == null ? Integer.valueOf(4789) : udpPort;
    genevePort = genevePort == null ? Integer.valueOf(6081) : genevePort;
    ttl = ttl == null ? Integer.valueOf(64) : ttl;
    segments = segments == null ? List.of() : List.copyOf(segments);
    neighbors = neighbors == null ? List.of() : List.copyOf(neighbors);
  }

  /**
   * @param port the uplink port the VTEP sends and receives on (untagged)
   * @param address the VTEP's IPv4 address with its prefix length, a.b.c.d/n
   * @param gateway the next hop for remote VTEPs outside that subnet (optional)
   * @param mac the VTEP's MAC (default: 02:00 and the four address bytes)
   */
  public record Vtep(String port, String address, String gateway, String mac) {}

  /**
   * @param name the segment's name
   * @param vni its virtual network identifier, 1..16777215, unique per encapsulation
   * @param encapsulation {@link #VXLAN} (the default) or {@link #GENEVE}
   * @param portGroups its local side: access port groups, all on one VLAN
   * @param remoteVteps the other hosts' VTEP addresses, each reached by one tunnel port
   */
  public record Segment(
      String name,
      Integer vni,
      String encapsulation,
      List<String> portGroups,
      List<String> remoteVteps) {
    public Segment {
      encapsulation = encapsulation == null ? VXLAN : encapsulation;
      portGroups = portGroups == null ? List.of() : List.copyOf(portGroups);
      remoteVteps = remoteVteps == null ? List.of() : List.copyOf(remoteVteps);
    }

    /** Whether the segment is Geneve (else VXLAN). */
    public boolean geneve() {
      return GENEVE.equals(encapsulation);
    }
  }

  /** A static ARP entry for a next hop. */
  public record Neighbor(String address, String mac) {}
}
