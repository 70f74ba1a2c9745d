package io.vswitch.control;

import static io.vswitch.dataplane.testing.FrameBuilder.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.testing.SwitchProcess;
import io.vswitch.dataplane.stats.PortCounter;
import io.vswitch.dataplane.testing.Await;
import io.vswitch.dataplane.testing.Pcap;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Port mirroring through the real switch with capture files: a local SPAN session (both directions
 * of port a, truncated) and an RSPAN session (what b receives, to VLAN 999 on a trunk). Each
 * destination's capture holds exactly the mirrored traffic, and the other ports get exactly what
 * they would without mirroring.
 */
class MirrorPcapTest {
  private static final String A = "02:00:00:00:0a:01";
  private static final String B = "02:00:00:00:0b:01";
  private static final String BROADCAST = "ff:ff:ff:ff:ff:ff";
  private static final int CUT = 64;

  @TempDir Path dir;

  @Test
  void eachDestinationCapturesExactlyItsMirroredTraffic() {
    List<byte[]> fromA = new ArrayList<>();
    List<byte[]> fromB = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      fromA.add(frame().src(A).dst(i % 2 == 0 ? BROADCAST : B).payloadLength(40 + 7 * i).build());
      fromB.add(frame().src(B).dst(i % 2 == 0 ? BROADCAST : A).payloadLength(46 + 5 * i).build());
    }
    Path aIn = dir.resolve("a-in.pcap");
    Path bIn = dir.resolve("b-in.pcap");
    Pcap.write(aIn, fromA);
    Pcap.write(bIn, fromB);
    String config =
        """
        workers: {cores: [-1], idle: backoff}
        port-groups:
          - {name: v10, vlan: {mode: access, id: 10}}
          - {name: rspan, vlan: {mode: trunk, allowed: [999]}}
        ports:
          - {name: a, type: pcap-file, rx-file: %s, tx-file: %s, port-group: v10}
          - {name: b, type: pcap-file, rx-file: %s, tx-file: %s, port-group: v10}
          - {name: c, type: pcap-file, tx-file: %s, port-group: v10}
          - {name: sniff, type: pcap-file, tx-file: %s, port-group: v10}
          - {name: far, type: pcap-file, tx-file: %s, port-group: rspan}
        mirrors:
          - {name: tap, sources: [a], direction: both, destination: sniff, truncate: %d}
          - {name: remote, sources: [b], direction: in, destination: {vlan: 999}}
        """
            .formatted(
                aIn,
                dir.resolve("a.pcap"),
                bIn,
                dir.resolve("b.pcap"),
                dir.resolve("c.pcap"),
                dir.resolve("sniff.pcap"),
                dir.resolve("far.pcap"),
                CUT);
    // a's frames as received and b's as sent to a (every one of them reaches a: broadcast, or
    // unicast to a, flooded until a is learned), each cut to 64 bytes.
    List<byte[]> spanned = new ArrayList<>();
    fromA.forEach(f -> spanned.add(Arrays.copyOf(f, Math.min(f.length, CUT))));
    fromB.forEach(f -> spanned.add(Arrays.copyOf(f, Math.min(f.length, CUT))));
    List<byte[]> remote = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      remote.add(
          frame()
              .src(B)
              .dst(i % 2 == 0 ? BROADCAST : A)
              .vlan(999)
              .payloadLength(46 + 5 * i)
              .build());
    }
    try (SwitchProcess sw = SwitchProcess.start(dir, config).awaitRunning()) {
      Await.until(
          "both captures received and every copy sent",
          Duration.ofSeconds(30),
          () ->
              sw.counter(0, PortCounter.RX_PACKETS) == fromA.size()
                  && sw.counter(1, PortCounter.RX_PACKETS) == fromB.size()
                  && sw.counter(3, PortCounter.MIRROR_PACKETS) == spanned.size()
                  && sw.counter(4, PortCounter.MIRROR_PACKETS) == remote.size()
                  && sw.counter(0, PortCounter.TX_PACKETS) == fromB.size());
      assertEquals(0, sw.stop(), sw.output());
      assertTrue(sw.output().contains("mbufs leaked: 0 of"), sw.output());
    }
    assertEquals(sorted(spanned), sorted(Pcap.read(dir.resolve("sniff.pcap"))), "SPAN capture");
    assertTrue(Pcap.sameFrames(remote, Pcap.read(dir.resolve("far.pcap"))), "RSPAN, VLAN 999");
    // The originals: a got all of b's, b and c the floods of a (b also a's unicast to it).
    assertTrue(Pcap.sameFrames(fromB, Pcap.read(dir.resolve("a.pcap"))), "a, untouched");
    assertTrue(Pcap.sameFrames(fromA, Pcap.read(dir.resolve("b.pcap"))), "b, untouched");
    List<byte[]> cGets = new ArrayList<>();
    List<byte[]> all = new ArrayList<>(fromA);
    all.addAll(fromB);
    for (byte[] f : all) {
      if (f[0] == (byte) 0xff) {
        cGets.add(f);
      }
    }
    // c's unicasts depend on when a and b were learned: check its broadcasts only.
    List<byte[]> cBroadcasts =
        Pcap.read(dir.resolve("c.pcap")).stream().filter(f -> f[0] == (byte) 0xff).toList();
    assertEquals(sorted(cGets), sorted(cBroadcasts), "c: every broadcast, once");
  }

  private static List<String> sorted(List<byte[]> frames) {
    return frames.stream().map(HexFormat.of()::formatHex).sorted().toList();
  }
}
