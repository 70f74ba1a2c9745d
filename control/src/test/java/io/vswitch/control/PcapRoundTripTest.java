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

/** A capture file in, the real switch, a capture file out: the same frames, in order. */
class PcapRoundTripTest {
  @TempDir Path dir;

  @Test
  void framesComeOutIdenticalAndInOrder() {
    List<byte[]> frames = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      frames.add(
          frame()
              .src(String.format("02:00:00:00:%02x:%02x", i >> 8, i & 0xff))
              .dst(i % 3 == 0 ? "ff:ff:ff:ff:ff:ff" : "02:00:00:00:99:01")
              .payloadLength(46 + (i * 37) % 1454) // 60 .. 1514 bytes
              .build());
    }
    frames.add(frame().vlan(10).etherType(0x86dd).payloadLength(100).build());
    Path in = dir.resolve("in.pcap");
    Path empty = dir.resolve("empty.pcap");
    Pcap.write(in, frames);
    Pcap.write(empty, List.of());
    String config =
        """
        workers: {cores: [-1], idle: backoff}
        ports:
          - {name: in,  devargs: "net_pcap_rt0,rx_pcap=%s,tx_pcap=%s"}
          - {name: out, devargs: "net_pcap_rt1,rx_pcap=%s,tx_pcap=%s"}
        cross-connect: [[in, out]]
        """
            .formatted(in, dir.resolve("back.pcap"), empty, dir.resolve("out.pcap"));

    try (SwitchProcess sw = SwitchProcess.start(dir, config).awaitRunning()) {
      Await.until(
          "all frames sent on 'out'",
          Duration.ofSeconds(30),
          () -> sw.counter(1, PortCounter.TX_PACKETS) == frames.size());
      assertEquals(0, sw.stop(), sw.output());
      assertTrue(sw.output().contains("mbufs leaked: 0 of"), sw.output());
    }
    assertTrue(Pcap.sameFrames(frames, Pcap.read(dir.resolve("out.pcap"))), "frames differ");
    assertEquals(0, Pcap.read(dir.resolve("back.pcap")).size());
  }

  @Test
  void typedCaptureReplaysInALoopIntoARecordingPort() {
    List<byte[]> frames = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      frames.add(frame().src("02:00:00:00:00:0" + i).payloadLength(60).build());
    }
    Path in = dir.resolve("loop.pcap");
    Pcap.write(in, frames);
    String config =
        """
        workers: {cores: [-1], idle: backoff}
        ports:
          - {name: replay, type: pcap-file, rx-file: %s, loop: true}
          - {name: record, type: pcap-file, tx-file: %s}
        cross-connect: [[replay, record]]
        """
            .formatted(in, dir.resolve("recorded.pcap"));
    try (SwitchProcess sw = SwitchProcess.start(dir, config).awaitRunning()) {
      Await.until(
          "the capture to be replayed more than 3 times",
          Duration.ofSeconds(60),
          () -> sw.counter(1, PortCounter.TX_PACKETS) > 3L * frames.size());
      assertEquals(0, sw.stop(), sw.output());
    }
    List<byte[]> recorded = Pcap.read(dir.resolve("recorded.pcap"));
    assertTrue(recorded.size() > 3 * frames.size(), "recorded " + recorded.size());
    assertTrue(Pcap.sameFrames(frames, recorded.subList(0, frames.size())), "first pass in order");
  }
}
