package io.vswitch.control;

import static io.vswitch.dataplane.testing.FrameBuilder.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.testing.SwitchProcess;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.stats.PortCounter;
import io.vswitch.dataplane.testing.Await;
import io.vswitch.dataplane.testing.HostileFrames;
import io.vswitch.dataplane.testing.HostileFrames.Case;
import io.vswitch.dataplane.testing.Pcap;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hostile corpus, and frames around two MTUs, replayed through the real switch from a capture
 * file: an ingress port with the L4 ACL and MTU 9000 floods to a jumbo port (9000) and a default
 * one (1500). Every frame's fate is read back from the two tx captures, every drop from the
 * counters.
 */
class HostileCorpusPcapTest {
  @TempDir Path dir;

  /** An IPv4 UDP (port 443) packet whose IP total length is {@code total}. */
  private static byte[] udpFrame(int total) {
    byte[] ip = HostileFrames.ipv4(17, Arrays.copyOf(HostileFrames.udp(443), total - 20), 0, 0);
    return frame().etherType(0x0800).payload(ip).build();
  }

  @Test
  void everyHostileFrameMeetsItsFateThroughTheSwitch() {
    List<byte[]> in = new ArrayList<>();
    List<byte[]> toJumbo = new ArrayList<>();
    List<byte[]> toSmall = new ArrayList<>();
    Map<DropReason, Long> ingressDrops = new EnumMap<>(DropReason.class);
    for (Case c : HostileFrames.corpus()) {
      in.add(c.frame());
      if (c.forwarded()) {
        toJumbo.add(c.frame());
        toSmall.add(c.frame());
      } else {
        ingressDrops.merge(c.fate(), 1L, Long::sum);
      }
    }
    long smallMtuDrops = 0;
    for (int total : new int[] {1500, 1501, 8000, 9000, 9001}) {
      byte[] f = udpFrame(total);
      in.add(f);
      if (total > 9000) {
        ingressDrops.merge(DropReason.RX_MTU_EXCEEDED, 1L, Long::sum);
        continue;
      }
      toJumbo.add(f);
      if (total <= 1500) {
        toSmall.add(f);
      } else {
        smallMtuDrops++;
      }
    }
    byte[] tagged = frame().vlan(10).etherType(0x88b5).payloadLength(1500).build();
    in.add(tagged); // tagged into an access port: refused before any MTU or ACL
    in.add(frame().payloadLength(1600).build()); // not IP: the MTU holds all the same
    in.add(frame().payloadLength(16000).build()); // several mbufs: counted, not read past
    ingressDrops.merge(DropReason.VLAN_NOT_ALLOWED, 1L, Long::sum); // tagged on an access port
    toJumbo.add(in.get(in.size() - 2));
    smallMtuDrops++;
    ingressDrops.merge(DropReason.RX_MTU_EXCEEDED, 1L, Long::sum);

    Path rx = dir.resolve("in.pcap");
    Pcap.write(rx, in);
    String config =
        "workers: {cores: [-1], idle: backoff}\n"
            + HostileFrames.ACL_YAML
            + """
            port-groups:
              - {name: guarded, vlan: {mode: access, id: 10}, acl: {ingress: no-web}}
              - {name: open, vlan: {mode: access, id: 10}}
            ports:
              - {name: in, type: pcap-file, rx-file: %s, port-group: guarded, mtu: 9000}
              - {name: jumbo, type: pcap-file, tx-file: %s, port-group: open, mtu: 9000}
              - {name: small, type: pcap-file, tx-file: %s, port-group: open}
            """
                .formatted(rx, dir.resolve("jumbo.pcap"), dir.resolve("small.pcap"));
    long expectedSmallDrops = smallMtuDrops;
    try (SwitchProcess sw = SwitchProcess.start(dir, config).awaitRunning()) {
      Await.until(
          "every frame received and decided",
          Duration.ofSeconds(30),
          () ->
              sw.counter(0, PortCounter.RX_PACKETS) == in.size()
                  && sw.counter(1, PortCounter.TX_PACKETS) == toJumbo.size()
                  && sw.counter(2, PortCounter.TX_PACKETS) == toSmall.size()
                  && sw.drops(2, DropReason.TX_MTU_EXCEEDED) == expectedSmallDrops);
      for (DropReason reason : DropReason.values()) {
        assertEquals(
            ingressDrops.getOrDefault(reason, 0L), sw.drops(0, reason), "in: " + reason.label());
        long egress = reason == DropReason.TX_MTU_EXCEEDED ? expectedSmallDrops : 0;
        assertEquals(egress, sw.drops(2, reason), "small: " + reason.label());
        assertEquals(0, sw.drops(1, reason), "jumbo: " + reason.label());
      }
      assertEquals(0, sw.stop(), sw.output());
      assertTrue(sw.output().contains("mbufs leaked: 0 of"), sw.output());
    }
    assertTrue(Pcap.sameFrames(toJumbo, Pcap.read(dir.resolve("jumbo.pcap"))), "jumbo frames");
    assertTrue(Pcap.sameFrames(toSmall, Pcap.read(dir.resolve("small.pcap"))), "small frames");
  }
}
