package io.vswitch.dataplane.l2;

import static io.vswitch.dataplane.testing.FrameBuilder.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vswitch.dataplane.stats.DropReason;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ParseStageTest {

  static byte[] ipv4(int headerWords, int totalLength, int frameLength) {
    byte[] payload = new byte[frameLength - 14];
    payload[0] = (byte) (0x40 | headerWords);
    payload[2] = (byte) (totalLength >> 8);
    payload[3] = (byte) totalLength;
    return frame().etherType(0x0800).payload(payload).build();
  }

  static byte[] ipv6(int payloadLength, int frameLength) {
    byte[] payload = new byte[frameLength - 14];
    payload[0] = 0x60;
    payload[4] = (byte) (payloadLength >> 8);
    payload[5] = (byte) payloadLength;
    return frame().etherType(0x86dd).payload(payload).build();
  }

  /** 32 fills one burst; 5 leaves a remainder; 37 would not fit, so bursts are sized by rx. */
  @ParameterizedTest
  @ValueSource(ints = {32, 5})
  void everyFrameOfTheBurstIsParsed(int count) {
    try (StageFixture f = new StageFixture(1)) {
      List<byte[]> frames = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        frames.add(
            frame()
                .dst("02:00:00:00:00:aa")
                .src(String.format("02:00:00:00:01:%02x", i))
                .vlan(i % 2 == 0 ? 100 + i : 0)
                .etherType(0x0806)
                .build());
      }
      // vlan(0) above adds a priority tag; odd frames are priority-tagged, even ones VLAN-tagged
      BurstContext ctx = f.received(0, frames);
      for (int i = 0; i < count; i++) {
        assertNull(ctx.dropReason(i));
        assertEquals(0x02_00_00_00_00_aaL, ctx.dstMac[i]);
        assertEquals(0x02_00_00_00_01_00L + i, ctx.srcMac[i]);
        assertEquals(i % 2 == 0 ? 100 + i : 0, ctx.tag[i] & 0xFFF);
        assertEquals(0x0806, ctx.etherType[i]);
        assertEquals(18, ctx.l3Offset[i]);
      }
    }
  }

  @Test
  void untaggedIpv4AndIpv6AreLocated() {
    try (StageFixture f = new StageFixture(1)) {
      BurstContext ctx = f.received(0, List.of(ipv4(5, 46, 60), ipv6(6, 60)));
      assertNull(ctx.dropReason(0));
      assertNull(ctx.dropReason(1));
      assertEquals(0, ctx.tag[0]);
      assertEquals(14, ctx.l3Offset[0]);
      assertEquals(0x86dd, ctx.etherType[1]);
    }
  }

  @Test
  void malformedFramesAreDroppedWithTheirReason() {
    byte[] runt = Arrays.copyOf(frame().build(), 13);
    byte[] cutTag = Arrays.copyOf(frame().vlan(10).build(), 16);
    byte[] stag = frame().tag(0x88a8, 100).vlan(10).build();
    byte[] doubleTag = frame().vlan(100).vlan(10).build();
    byte[] cutIpv4 = Arrays.copyOf(ipv4(5, 20, 60), 30);
    byte[] shortIhl = ipv4(4, 46, 60);
    byte[] longTotal = ipv4(5, 100, 60);
    byte[] longIpv6 = ipv6(100, 70);
    byte[] cutIpv6 = Arrays.copyOf(ipv6(0, 60), 40);
    byte[] multicastSource = frame().src("01:00:5e:00:00:01").build();
    try (StageFixture f = new StageFixture(1)) {
      BurstContext ctx =
          f.received(
              0,
              List.of(
                  runt,
                  cutTag,
                  stag,
                  doubleTag,
                  cutIpv4,
                  shortIhl,
                  longTotal,
                  longIpv6,
                  cutIpv6,
                  multicastSource));
      assertEquals(DropReason.RUNT, ctx.dropReason(0));
      assertEquals(DropReason.TRUNCATED_HEADER, ctx.dropReason(1));
      assertEquals(DropReason.QINQ, ctx.dropReason(2));
      assertEquals(DropReason.QINQ, ctx.dropReason(3));
      assertEquals(DropReason.TRUNCATED_HEADER, ctx.dropReason(4));
      assertEquals(DropReason.BAD_IP_LENGTH, ctx.dropReason(5));
      assertEquals(DropReason.BAD_IP_LENGTH, ctx.dropReason(6));
      assertEquals(DropReason.BAD_IP_LENGTH, ctx.dropReason(7));
      assertEquals(DropReason.TRUNCATED_HEADER, ctx.dropReason(8));
      assertEquals(DropReason.SOURCE_MULTICAST, ctx.dropReason(9));
      assertEquals(1, f.counters.sum(0, DropReason.RUNT));
      assertEquals(2, f.counters.sum(0, DropReason.QINQ));
      assertEquals(3, f.counters.sum(0, DropReason.BAD_IP_LENGTH));
    }
  }

  @Test
  void ethernetPaddingAfterAShortIpPacketIsFine() {
    try (StageFixture f = new StageFixture(1)) {
      BurstContext ctx = f.received(0, List.of(ipv4(5, 28, 60))); // ARP-sized IP, padded
      assertNull(ctx.dropReason(0));
    }
  }
}
