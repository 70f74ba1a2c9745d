package io.vswitch.control.config;

import java.util.List;

/**
 * What the other hosts of a distributed switch published about themselves (their etcd host
 * records), as far as this host's tables depend on it: their ports' port groups, tags and addresses
 * (security-group membership spans hosts) and their VTEPs with the VNIs they serve, VXLAN and
 * Geneve apart (tunnel ports are made for the segments both ends serve in the same encapsulation).
 * Not config: never journaled, and a host that restarts while etcd is down starts with none (see
 * README "Distributed security groups and VTEP discovery"). Already checked and bounded when made
 * ({@code distributed.RemoteHosts}): addresses canonical, names valid, sizes within {@link
 * ConfigLimits}. Immutable and sorted (host, then name), so equal facts are equal records and a
 * record that did not change recompiles nothing.
 */
public record RemoteFacts(List<RemotePort> ports, List<RemoteVtep> vteps) {
  /** A switch alone, or one that has heard from no other host yet. */
  public static final RemoteFacts NONE = new RemoteFacts(List.of(), List.of());

  public RemoteFacts {
    ports = List.copyOf(ports);
    vteps = List.copyOf(vteps);
  }

  /**
   * A port of another host.
   *
   * @param addresses canonical prefixes ({@code SecurityGroups.canonical})
   */
  public record RemotePort(
      String host, String name, String portGroup, List<String> tags, List<String> addresses) {
    public RemotePort {
      tags = List.copyOf(tags);
      addresses = List.copyOf(addresses);
    }
  }

  /**
   * Another host's VTEP. A VNI is unique per encapsulation (a VXLAN and a Geneve segment may share
   * one), so the record lists them apart: a remote VTEP joins a segment only if it serves the
   * segment's (encapsulation, VNI) ({@link #serves}).
   *
   * @param address its IPv4 address (no prefix length)
   * @param vnis the VNIs of its VXLAN segments, ascending (the record's {@code vnis})
   * @param geneveVnis the VNIs of its Geneve segments, ascending (the record's {@code geneve-vnis})
   */
  public record RemoteVtep(String host, int address, List<Integer> vnis, List<Integer> geneveVnis) {
    public RemoteVtep {
      vnis = List.copyOf(vnis);
      geneveVnis = List.copyOf(geneveVnis);
    }

    /** A VTEP with VXLAN segments only. */
    public RemoteVtep(String host, int address, List<Integer> vnis) {
      this(host, address, vnis, List.of());
    }

    /** Whether it has a segment of VNI {@code vni} in that encapsulation (Geneve, else VXLAN). */
    public boolean serves(boolean geneve, int vni) {
      return (geneve ? geneveVnis : vnis).contains(vni);
    }
  }
}
