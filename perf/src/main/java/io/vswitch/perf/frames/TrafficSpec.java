package io.vswitch.perf.frames;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a generator port replays: {@code flows} frames of {@code frameSize} bytes, each from its own
 * source MAC, IPv4 address and UDP port, to an unknown unicast MAC, to broadcast, or spread round
 * robin over {@link #KNOWN_DESTINATIONS} MACs a switch has static FDB entries for (forwarded to one
 * port, never flooded: the traffic a switch under test and OVS-DPDK both see as known unicast).
 * With {@link Encapsulation#VXLAN} each of those frames arrives VXLAN-encapsulated from a remote
 * VTEP instead ({@link #REMOTE_VTEP_IP} to {@link #LOCAL_VTEP_IP}, VNI {@link #VNI}), the outer UDP
 * source port hashed from the inner flow; {@code frameSize} is then the inner frame's size and the
 * frames on the wire are {@link Frames#VXLAN_HEADERS} bytes longer.
 */
public record TrafficSpec(
    int frameSize, int flows, Destination destination, Encapsulation encapsulation) {
  /** Where the frames go. */
  public enum Destination {
    /** One unicast MAC the switch never learns (nothing sends from it): flooded in its VLAN. */
    UNICAST,
    /** {@link #KNOWN_DESTINATIONS} MACs, flow f to {@code knownDestination(f % 4)}. */
    KNOWN,
    BROADCAST;

    public static Destination parse(String text) {
      return switch (text == null ? "unicast" : text) {
        case "unicast" -> UNICAST;
        case "known" -> KNOWN;
        case "broadcast" -> BROADCAST;
        default ->
            throw new IllegalArgumentException(
                "destination '" + text + "' is unknown: use unicast, known or broadcast");
      };
    }
  }

  /** What is around each frame. */
  public enum Encapsulation {
    NONE,
    /** From a remote VTEP to the switch's VTEP: the traffic a VTEP decapsulates. */
    VXLAN;

    public static Encapsulation parse(String text) {
      return switch (text == null ? "none" : text) {
        case "none" -> NONE;
        case "vxlan" -> VXLAN;
        default ->
            throw new IllegalArgumentException(
                "encapsulation '" + text + "' is unknown: use none or vxlan");
      };
    }
  }

  /** The VTEP of the switch under test (the bench's rows give it this address). */
  public static final int LOCAL_VTEP_IP = 0xC000_0201; // 192.0.2.1

  /** The remote VTEP the bench's overlay rows encapsulate to and receive from. */
  public static final int REMOTE_VTEP_IP = 0xC000_0202; // 192.0.2.2

  /** The local VTEP's MAC: the switch's default for 192.0.2.1 (02:00 and the address). */
  public static final long LOCAL_VTEP_MAC = 0x0200_C000_0201L;

  /** The remote VTEP's MAC (the switch's and OVS's static neighbor entry). */
  public static final long REMOTE_VTEP_MAC = 0x5254_0000_0002L;

  /** The segment's VNI in the overlay rows. */
  public static final int VNI = 5001;

  /** net_pcap with infinite_rx holds the whole file in mbufs: keep it well under the pool. */
  public static final int MAX_FLOWS = 4096;

  /** The destination MAC of {@link Destination#UNICAST} traffic. */
  public static final long SINK_MAC = Frames.mac(0xFFFF_FF00L);

  /**
   * How many destination MACs {@link Destination#KNOWN} traffic goes to: a few hosts behind the
   * sink, each the target of many flows, so a cache keyed on the MAC pair still sees every flow.
   */
  public static final int KNOWN_DESTINATIONS = 4;

  /** The {@code k}-th destination of {@link Destination#KNOWN} traffic (02:00:ff:ff:fe:0k). */
  public static long knownDestination(int k) {
    if (k < 0 || k >= KNOWN_DESTINATIONS) {
      throw new IllegalArgumentException(
          "known destination " + k + " is not 0.." + KNOWN_DESTINATIONS);
    }
    return Frames.mac(0xFFFF_FE00L + k);
  }

  /** Plain (not encapsulated) traffic. */
  public TrafficSpec(int frameSize, int flows, Destination destination) {
    this(frameSize, flows, destination, Encapsulation.NONE);
  }

  public TrafficSpec {
    encapsulation = encapsulation == null ? Encapsulation.NONE : encapsulation;
    if (flows < 1 || flows > MAX_FLOWS) {
      throw new IllegalArgumentException("flows must be 1.." + MAX_FLOWS + ", not " + flows);
    }
    Frames.udp(frameSize, 0, 0, 0); // validates the size
  }

  public List<byte[]> frames() {
    List<byte[]> frames = new ArrayList<>(flows);
    for (int f = 0; f < flows; f++) {
      long dst =
          switch (destination) {
            case UNICAST -> SINK_MAC;
            case KNOWN -> knownDestination(f % KNOWN_DESTINATIONS);
            case BROADCAST -> Frames.BROADCAST;
          };
      byte[] frame = Frames.udp(frameSize, Frames.mac(1 + f), dst, f);
      if (encapsulation == Encapsulation.VXLAN) {
        frame =
            Frames.vxlan(
                frame,
                REMOTE_VTEP_MAC,
                LOCAL_VTEP_MAC,
                REMOTE_VTEP_IP,
                LOCAL_VTEP_IP,
                Frames.vxlanSourcePort(frame),
                VNI);
      }
      frames.add(frame);
    }
    return frames;
  }

  /** A file name that says what is inside, so runs can share it. */
  public String fileName() {
    return "frames-"
        + frameSize
        + "b-"
        + flows
        + "flows-"
        + destination.name().toLowerCase()
        + (encapsulation == Encapsulation.NONE ? "" : "-" + encapsulation.name().toLowerCase())
        + ".pcap";
  }

  /** Writes the capture under {@code dir} (unless it is there already) and returns its path. */
  public Path writeUnder(Path dir) {
    Path file = dir.resolve(fileName());
    if (!file.toFile().isFile()) {
      PcapWriter.write(file, frames());
    }
    return file;
  }
}
