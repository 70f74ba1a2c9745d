package io.vswitch.perf.frames;

import java.nio.file.Path;

/**
 * Writes a generator capture: {@code MakePcap OUT.pcap [--size 64] [--flows 1] [--dst
 * unicast|known|broadcast] [--encap none|vxlan]}. The scripts use it for the pcap ports they
 * replay.
 */
public final class MakePcap {
  private MakePcap() {}

  public static void main(String[] args) {
    Path out = null;
    int size = 64;
    int flows = 1;
    String dst = "unicast";
    String encap = "none";
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--size" -> size = Integer.parseInt(args[++i]);
        case "--flows" -> flows = Integer.parseInt(args[++i]);
        case "--dst" -> dst = args[++i];
        case "--encap" -> encap = args[++i];
        default -> out = Path.of(args[i]);
      }
    }
    if (out == null) {
      System.err.println(
          "usage: MakePcap OUT.pcap [--size 64] [--flows 1] [--dst unicast|known|broadcast]"
              + " [--encap none|vxlan]");
      System.exit(2);
    }
    TrafficSpec spec =
        new TrafficSpec(
            size,
            flows,
            TrafficSpec.Destination.parse(dst),
            TrafficSpec.Encapsulation.parse(encap));
    PcapWriter.write(out, spec.frames());
    System.out.println(out);
  }
}
