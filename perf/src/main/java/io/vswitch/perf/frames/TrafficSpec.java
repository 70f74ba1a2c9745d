package io.vswitch.perf.frames;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a generator port replays: {@code flows} frames of {@code frameSize} bytes, each from its own
 * source MAC and IPv4 address, all to one destination: an unknown unicast MAC, or broadcast.
 */
public record TrafficSpec(int frameSize, int flows, Destination destination) {
  /** Where the frames go. */
  public enum Destination {
    /** One unicast MAC the switch never learns (nothing sends from it): flooded in its VLAN. */
    UNICAST,
    BROADCAST;

    public static Destination parse(String text) {
      return switch (text == null ? "unicast" : text) {
        case "unicast" -> UNICAST;
        case "broadcast" -> BROADCAST;
        default ->
            throw new IllegalArgumentException(
                "destination '" + text + "' is unknown: use unicast or broadcast");
      };
    }
  }

  /** net_pcap with infinite_rx holds the whole file in mbufs: keep it well under the pool. */
  public static final int MAX_FLOWS = 4096;

  /** The destination MAC of {@link Destination#UNICAST} traffic. */
  public static final long SINK_MAC = Frames.mac(0xFFFF_FF00L);

  public TrafficSpec {
    if (flows < 1 || flows > MAX_FLOWS) {
      throw new IllegalArgumentException("flows must be 1.." + MAX_FLOWS + ", not " + flows);
    }
    Frames.udp(frameSize, 0, 0, 0); // validates the size
  }

  public List<byte[]> frames() {
    long dst = destination == Destination.BROADCAST ? Frames.BROADCAST : SINK_MAC;
    List<byte[]> frames = new ArrayList<>(flows);
    for (int f = 0; f < flows; f++) {
      frames.add(Frames.udp(frameSize, Frames.mac(1 + f), dst, f));
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
