package io.vswitch.control;

import static io.vswitch.dataplane.testing.FrameBuilder.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

  @Test
  void erspanCopiesLeaveTheViaPortAsGreThatTcpdumpDecodes() throws Exception {
    List<byte[]> fromA = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      fromA.add(frame().src(A).dst(BROADCAST).payloadLength(50 + i).build());
    }
    Path aIn = dir.resolve("a-in.pcap");
    Pcap.write(aIn, fromA);
    String config =
        """
        workers: {cores: [-1], idle: backoff}
        port-groups:
          - {name: v10, vlan: {mode: access, id: 10}}
          - {name: up, vlan: {mode: trunk, allowed: [10]}}
        ports:
          - {name: a, type: pcap-file, rx-file: %s, port-group: v10}
          - {name: up, type: pcap-file, tx-file: %s, port-group: up}
        mirrors:
          - name: far
            sources: [a]
            direction: in
            destination:
              erspan: {via: up, src-ip: 192.0.2.1, dst-ip: 198.51.100.7, session-id: 42,
                       src-mac: "02:00:00:00:00:fe", dst-mac: "52:54:00:12:34:56"}
        """
            .formatted(aIn, dir.resolve("up.pcap"));
    try (SwitchProcess sw = SwitchProcess.start(dir, config).awaitRunning()) {
      Await.until(
          "every frame forwarded and tunnelled",
          Duration.ofSeconds(30),
          () -> sw.counter(1, PortCounter.TX_PACKETS) == 2L * fromA.size());
      assertEquals(0, sw.stop(), sw.output());
      assertTrue(sw.output().contains("mbufs leaked: 0 of"), sw.output());
    }
    List<byte[]> up = Pcap.read(dir.resolve("up.pcap"));
    List<byte[]> tunnelled = new ArrayList<>();
    List<byte[]> forwarded = new ArrayList<>();
    for (byte[] f : up) {
      boolean ip = (f[12] & 0xFF) == 0x08 && f[13] == 0;
      (ip ? tunnelled : forwarded).add(ip ? Arrays.copyOfRange(f, 50, f.length) : f);
    }
    assertTrue(Pcap.sameFrames(fromA, tunnelled), "the frames as received, inside the tunnel");
    assertEquals(fromA.size(), forwarded.size(), "the trunk's own traffic, unchanged");
    Process tcpdump =
        new ProcessBuilder("tcpdump", "-nn", "-v", "-r", dir.resolve("up.pcap").toString(), "ip")
            .redirectErrorStream(true)
            .start();
    String decoded = new String(tcpdump.getInputStream().readAllBytes());
    assertEquals(0, tcpdump.waitFor(), decoded);
    // Debian's tcpdump 4.99 decodes the IPv4 and GRE layers and names the payload by its protocol
    // (newer ones print the ERSPAN header too); the checksum it verifies with -v.
    assertTrue(
        decoded.contains("192.0.2.1 > 198.51.100.7: GREv0, Flags [sequence# present], seq 1,"),
        decoded);
    assertTrue(decoded.contains("0x88be") || decoded.contains("ERSPAN"), decoded);
    assertTrue(decoded.contains("seq 10,"), decoded);
    assertFalse(decoded.contains("bad cksum"), decoded);
    // The ERSPAN II header: version 1, the frame's VLAN 10, session 42, port 0.
    byte[] first = up.stream().filter(f -> (f[12] & 0xFF) == 0x08).findFirst().orElseThrow();
    int erspan = java.nio.ByteBuffer.wrap(first).getInt(42);
    assertEquals(1, erspan >>> 28);
    assertEquals(10, (erspan >>> 16) & 0xFFF);
    assertEquals(42, erspan & 0x3FF);
  }

  private static List<String> sorted(List<byte[]> frames) {
    return frames.stream().map(HexFormat.of()::formatHex).sorted().toList();
  }
}
