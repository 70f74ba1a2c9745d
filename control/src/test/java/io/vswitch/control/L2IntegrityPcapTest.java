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
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 items 1, 5, 6 with real capture files through the real switch: a corpus from an access
 * port in VLAN 10, and where each frame comes out (or that it does not).
 */
class L2IntegrityPcapTest {
  static final String BROADCAST = "ff:ff:ff:ff:ff:ff";
  @TempDir Path dir;

  @Test
  void priorityTagsReservedMulticastAndZeroSourcesGoWhereABridgeSendsThem() {
    List<byte[]> corpus = new ArrayList<>();
    List<byte[]> toAccess = new ArrayList<>();
    List<byte[]> toTrunk = new ArrayList<>();
    for (int i = 0; i < 5; i++) { // priority-tagged (VID 0, PCP 3) broadcast and unknown unicast
      String src = String.format("02:00:00:00:01:%02x", i);
      String dst = i % 2 == 0 ? BROADCAST : "02:00:00:00:99:99";
      corpus.add(frame().src(src).dst(dst).tag(0x8100, 3 << 13).payloadLength(60 + i).build());
      toAccess.add(frame().src(src).dst(dst).payloadLength(60 + i).build());
      toTrunk.add(
          frame().src(src).dst(dst).tag(0x8100, (3 << 13) | 10).payloadLength(60 + i).build());
    }
    for (int low : new int[] {0x00, 0x01, 0x02, 0x03, 0x0e, 0x0f}) { // BPDU, PAUSE, LACP, LLDP..
      corpus.add(
          frame()
              .src("02:00:00:00:02:01")
              .dst(String.format("01:80:c2:00:00:%02x", low))
              .payloadLength(46)
              .build());
    }
    corpus.add(frame().src("00:00:00:00:00:00").dst(BROADCAST).payloadLength(46).build());
    corpus.add(frame().src("00:00:00:00:00:00").dst("02:00:00:00:01:00").build());
    byte[] marker = frame().src("02:00:00:00:03:01").dst(BROADCAST).payloadLength(50).build();
    corpus.add(marker);
    toAccess.add(marker);
    toTrunk.add(frame().src("02:00:00:00:03:01").dst(BROADCAST).vlan(10).payloadLength(50).build());

    Path in = dir.resolve("in.pcap");
    Pcap.write(in, corpus);
    String config =
        """
        workers: {cores: [-1], idle: backoff}
        port-groups:
          - {name: v10, vlan: {mode: access, id: 10}, security: {mac-limit: 3}}
          - {name: up, vlan: {mode: trunk, allowed: [10, 20]}}
          - {name: native, vlan: {mode: trunk, allowed: [20], native: 10, native-tagged: true}}
        ports:
          - {name: in, type: pcap-file, rx-file: %s, tx-file: %s, port-group: v10}
          - {name: acc, type: pcap-file, tx-file: %s, port-group: v10}
          - {name: trunk, type: pcap-file, tx-file: %s, port-group: up}
          - {name: ntrunk, type: pcap-file, tx-file: %s, port-group: native}
        """
            .formatted(
                in,
                dir.resolve("back.pcap"),
                dir.resolve("acc.pcap"),
                dir.resolve("trunk.pcap"),
                dir.resolve("ntrunk.pcap"));
    try (SwitchProcess sw = SwitchProcess.start(dir, config).awaitRunning()) {
      Await.until(
          "the corpus to be received and the marker sent",
          Duration.ofSeconds(30),
          () ->
              sw.counter(0, PortCounter.RX_PACKETS) == corpus.size()
                  && sw.counter(2, PortCounter.TX_PACKETS) == toTrunk.size()
                  && sw.counter(3, PortCounter.TX_PACKETS) == toTrunk.size());
      assertEquals(0, sw.stop(), sw.output());
      assertTrue(sw.output().contains("mbufs leaked: 0 of"), sw.output());
      // mac-limit 3 on 'in', with 7 sources: the rest are counted in the exit report
      assertTrue(sw.output().matches("(?s).*fdb in +fdb_learn_refused +[1-9].*"), sw.output());
      assertTrue(sw.output().matches("(?s).*drop in +reserved_multicast +6\\n.*"), sw.output());
      assertTrue(sw.output().matches("(?s).*drop in +source_zero +2\\n.*"), sw.output());
    }
    assertTrue(Pcap.sameFrames(toAccess, Pcap.read(dir.resolve("acc.pcap"))), "access port");
    assertTrue(Pcap.sameFrames(toTrunk, Pcap.read(dir.resolve("trunk.pcap"))), "trunk: VID 10");
    assertTrue(
        Pcap.sameFrames(toTrunk, Pcap.read(dir.resolve("ntrunk.pcap"))), "native tagged: VID 10");
    assertEquals(0, Pcap.read(dir.resolve("back.pcap")).size(), "no hairpin");
  }
}
