package io.vswitch.dataplane.l2.mirror;

import io.vswitch.dataplane.l2.L2Tables;
import io.vswitch.dataplane.l2.PortPolicy;
import java.util.Arrays;
import java.util.BitSet;

/**
 * One port-mirroring session, as a vSphere distributed switch has them: the ports whose received
 * ({@code in}) and sent ({@code out}) frames are copied, an optional VLAN filter, an optional
 * truncation length, and where the copies go: one destination port (local SPAN), or the members of
 * an RSPAN VLAN, to which every copy is sent tagged with that VLAN. Immutable; port sets are masks
 * as in {@link L2Tables}.
 */
public final class MirrorSession {
  /** No truncation: copies are as long as the frame. */
  public static final int WHOLE_FRAME = 0;

  /** {@link #rspanVlan} of a local session. */
  public static final int LOCAL = 0;

  final String name;
  public final long sourcesIn;
  public final long sourcesOut;
  public final int destination;
  public final int rspanVlan;
  private final long[] vlans; // null: every VLAN
  final int truncate;

  /** The ports copies go to, resolved by the tables (0 until then). */
  final long ports;

  /** ERSPAN: copies leave {@link #destination} encapsulated so; null for SPAN and RSPAN. */
  public final ErspanTunnel erspan;

  private MirrorSession(
      String name,
      long sourcesIn,
      long sourcesOut,
      int destination,
      int rspanVlan,
      BitSet vlans,
      int truncate,
      ErspanTunnel erspan) {
    this(
        name,
        sourcesIn,
        sourcesOut,
        destination,
        rspanVlan,
        vlans == null || vlans.isEmpty() ? null : Arrays.copyOf(vlans.toLongArray(), 64),
        truncate,
        0,
        erspan);
  }

  private MirrorSession(
      String name,
      long sourcesIn,
      long sourcesOut,
      int destination,
      int rspanVlan,
      long[] vlans,
      int truncate,
      long ports,
      ErspanTunnel erspan) {
    if (truncate != WHOLE_FRAME && truncate < 14) {
      throw new IllegalArgumentException("a mirror truncates to at least an Ethernet header");
    }
    this.name = name;
    this.sourcesIn = sourcesIn;
    this.sourcesOut = sourcesOut;
    this.destination = destination;
    this.rspanVlan = rspanVlan;
    this.vlans = vlans;
    this.truncate = truncate;
    this.ports = ports;
    this.erspan = erspan;
  }

  /** This session with its copies going to {@code ports} (the tables resolve a VLAN's members). */
  public MirrorSession routedTo(long ports) {
    return new MirrorSession(
        name, sourcesIn, sourcesOut, destination, rspanVlan, vlans, truncate, ports, erspan);
  }

  /** Copies of {@code in}/{@code out} frames of the source masks to port {@code destination}. */
  public static MirrorSession local(
      String name, long sourcesIn, long sourcesOut, int destination, BitSet vlans, int truncate) {
    return new MirrorSession(
        name, sourcesIn, sourcesOut, destination, LOCAL, vlans, truncate, null);
  }

  /** Copies sent tagged with {@code vlan} to that VLAN's members (RSPAN). */
  public static MirrorSession remote(
      String name, long sourcesIn, long sourcesOut, int vlan, BitSet vlans, int truncate) {
    return new MirrorSession(
        name, sourcesIn, sourcesOut, -1, PortPolicy.checkVlan(vlan), vlans, truncate, null);
  }

  /**
   * Copies sent out port {@code via} in an ERSPAN II tunnel: {@code via} keeps its normal traffic.
   */
  public static MirrorSession erspan(
      String name,
      long sourcesIn,
      long sourcesOut,
      int via,
      ErspanTunnel tunnel,
      BitSet vlans,
      int truncate) {
    return new MirrorSession(
        name,
        sourcesIn,
        sourcesOut,
        via,
        LOCAL,
        vlans,
        truncate,
        java.util.Objects.requireNonNull(tunnel));
  }

  public String name() {
    return name;
  }

  /** True when frames of {@code vlan} are mirrored (no filter: every VLAN). */
  boolean matches(int vlan) {
    return vlans == null || (vlans[vlan >>> 6] & (1L << vlan)) != 0;
  }

  public boolean remote() {
    return rspanVlan != LOCAL;
  }
}
