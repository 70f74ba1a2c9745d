package io.vswitch.dataplane.l2;

import static io.vswitch.dataplane.testing.FrameBuilder.frame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.dataplane.acl.Acl;
import io.vswitch.dataplane.l2.tap.CaptureFilter;
import io.vswitch.dataplane.l2.tap.CaptureRing;
import io.vswitch.dataplane.l2.tap.CaptureSession;
import io.vswitch.dataplane.l2.tap.Taps;
import io.vswitch.dataplane.l2.tap.TraceRecord;
import io.vswitch.dataplane.l2.tap.TraceSession;
import io.vswitch.dataplane.l2.tap.TraceStep;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.testing.IpPackets;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Packet trace and live capture as pipeline data: what the records and rings hold. */
class TraceCaptureTest {

  private static L2Tables tables(Taps taps, PortPolicy... ports) {
    return new L2Tables(ports, taps);
  }

  @Test
  void onlyTheTracedPortsListHasTheTraceAndEveryFeatureGetsAStep() {
    PortPolicy[] ports = {PortPolicy.access(0, 10).build(), PortPolicy.access(1, 10).build()};
    L2Tables plain = new L2Tables(ports);
    L2Tables traced = tables(new Taps(new TraceSession(1, 0, 5), null), ports);
    assertArrayEquals(plain.features(1), traced.features(1), "the other port: the same list");
    Feature[] list = traced.features(0);
    assertEquals(Feature.TRACE_IN, list[0]);
    assertEquals(Feature.TRACE_OUT, list[list.length - 1]);
    assertArrayEquals( // a traced port's frames take the full path: no flow cache
        Arrays.stream(plain.features(0))
            .filter(f -> f != Feature.FLOW_CACHE && f != Feature.FLOW_CACHE_FILL)
            .toArray(Feature[]::new),
        Arrays.copyOfRange(list, 1, list.length - 1));
    Stage[] stages = Feature.instantiate(new StageResources(0, null, MemorySegment.NULL, 1));
    Stage[] steps = TraceStep.all();
    Stage[] pipeline = TraceStep.pipeline(list, stages, steps);
    assertEquals(list.length + list.length - 2, pipeline.length, "a step after each feature");
    assertSame(steps[Feature.PARSE.ordinal()], pipeline[2]);
    assertEquals(
        plain.features(1).length,
        TraceStep.pipeline(traced.features(1), stages, steps).length,
        "no step on an untraced port");
  }

  @Test
  void anAclDenyNamesTheRuleAndTheFeature() {
    Acl acl = AclStageTest.acl();
    PortPolicy port = PortPolicy.access(0, 10).acls(acl, null).build();
    TraceSession trace = new TraceSession(1, 0, 3);
    L2Tables tables = tables(new Taps(trace, null), port, PortPolicy.access(1, 10).build());
    try (Fdb fdb = new Fdb(1024, 300);
        StageFixture f = StageFixture.withoutDpdk(2)) {
      f.fdb = fdb;
      List<byte[]> frames = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        frames.add(AclStageTest.frameFor(i));
      }
      f.received(0, frames);
      assertEquals(Feature.TRACE_IN, tables.features(0)[0]);
      f.runTraced(tables, core());
      assertTrue(trace.complete(), "3 of the 5 packets recorded, the trace is full");
      TraceRecord denied = trace.record(0);
      assertEquals(Feature.ACL_IN, denied.dropFeature());
      assertEquals(DropReason.ACL_INGRESS_DENY, denied.dropReason());
      assertSame(acl, denied.aclIn());
      assertEquals(10, acl.rules().get(denied.aclRule()).priority(), "rule 10 denied it");
      assertFalse(denied.forwarded(), "a dropped packet goes no further");
      assertEquals(0x0800, denied.etherType());
      assertEquals(10, denied.vlan());
      TraceRecord allowed = trace.record(1);
      assertNull(allowed.dropFeature());
      assertEquals(30, acl.rules().get(allowed.aclRule()).priority());
      assertTrue(allowed.flooded(), "an unknown destination floods");
      assertEquals(0b10, allowed.forwardOut(), "to the VLAN's other member");
      assertEquals(20, acl.rules().get(trace.record(2).aclRule()).priority());
      assertEquals(DropReason.ACL_INGRESS_DENY, trace.record(2).dropReason());
      assertTrue(allowed.features().containsAll(List.of(Feature.PARSE, Feature.FORWARD)));
      assertFalse(denied.features().contains(Feature.FORWARD));
      f.releaseBurst();
    }
  }

  private static Feature[] core() {
    return new Feature[] {
      Feature.INGRESS_MTU,
      Feature.VLAN_CLASSIFY,
      Feature.ACL_KEYS,
      Feature.ACL_IN,
      Feature.LEARN,
      Feature.FORWARD,
      Feature.EGRESS_FILTER
    };
  }

  @Test
  void aFloodNamesItsMembersAndDropsNameTheirReasonAndFeature() {
    PortPolicy[] ports = {
      PortPolicy.access(0, 10).build(),
      PortPolicy.access(1, 10).build(),
      PortPolicy.access(2, 20).build(),
      PortPolicy.trunk(3, 10, 20).build()
    };
    TraceSession trace = new TraceSession(2, 0, 4);
    L2Tables tables = tables(new Taps(trace, null), ports);
    try (Fdb fdb = new Fdb(1024, 300);
        StageFixture f = StageFixture.withoutDpdk(4)) {
      f.fdb = fdb;
      byte[] broadcast =
          frame().dst("ff:ff:ff:ff:ff:ff").src("02:00:00:00:00:01").payloadLength(46).build();
      byte[] tagged = frame().src("02:00:00:00:00:01").vlan(10).payloadLength(46).build();
      byte[] runt = new byte[10];
      byte[] zeroSource = frame().src("00:00:00:00:00:00").payloadLength(46).build();
      f.received(0, List.of(broadcast, tagged, runt, zeroSource));
      f.runTraced(
          tables,
          Feature.INGRESS_MTU,
          Feature.VLAN_CLASSIFY,
          Feature.LEARN,
          Feature.FORWARD,
          Feature.EGRESS_FILTER);
      TraceRecord flood = trace.record(0);
      assertTrue(flood.flooded());
      assertEquals(0b1010, flood.forwardOut(), "VLAN 10's members but the ingress: ports 1, 3");
      assertEquals(0xffff_ffff_ffffL, flood.dstMac());
      assertEquals(Feature.VLAN_CLASSIFY, trace.record(1).dropFeature());
      assertEquals(DropReason.VLAN_NOT_ALLOWED, trace.record(1).dropReason());
      assertEquals(0x10000 | 10, trace.record(1).tag());
      assertEquals(Feature.PARSE, trace.record(2).dropFeature());
      assertEquals(DropReason.RUNT, trace.record(2).dropReason());
      assertEquals(DropReason.SOURCE_ZERO, trace.record(3).dropReason());
      assertEquals(0, trace.record(0).worker());
      f.releaseBurst();
    }
  }

  @Test
  void thePolicersColourIsRecordedAndARedDropNamesThePolicer() {
    io.vswitch.dataplane.qos.PolicerSpec policer =
        new io.vswitch.dataplane.qos.PolicerSpec(
            io.vswitch.dataplane.qos.PolicerSpec.Type.SRTCM, 1000, 1500, 0, 1500, true, -1);
    PortPolicy port = PortPolicy.access(0, 10).policer(policer).build();
    TraceSession trace = new TraceSession(3, 0, 32);
    L2Tables tables = tables(new Taps(trace, null), port, PortPolicy.access(1, 10).build());
    try (StageFixture f = StageFixture.withoutDpdk(2)) {
      List<byte[]> frames = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        frames.add(frame().src("02:00:00:00:00:01").payloadLength(86).build()); // 100 bytes
      }
      f.received(0, frames);
      f.runTraced(tables, Feature.VLAN_CLASSIFY, Feature.POLICE);
      assertEquals(0, trace.record(0).color(), "green: within the committed burst");
      assertNull(trace.record(0).dropReason());
      TraceRecord last = trace.record(31);
      assertEquals(2, last.color(), "red: 3200 bytes against a 1500-byte bucket");
      assertEquals(Feature.POLICE, last.dropFeature());
      assertEquals(DropReason.POLICER_RED, last.dropReason());
      f.releaseBurst();
    }
  }

  @Test
  void anEgressAclNamesTheFloodMembersItTookOut() {
    Acl denyTcp = AclStageTest.acl(); // denies TCP from 10.0.0.1 to port 80
    PortPolicy[] ports = {
      PortPolicy.access(0, 10).build(),
      PortPolicy.access(1, 10).build(),
      PortPolicy.access(2, 10).acls(null, denyTcp).build()
    };
    TraceSession trace = new TraceSession(4, 0, 1);
    L2Tables tables = tables(new Taps(trace, null), ports);
    try (Fdb fdb = new Fdb(1024, 300);
        StageFixture f = StageFixture.withoutDpdk(3)) {
      f.fdb = fdb;
      f.received(0, List.of(AclStageTest.frameFor(0)));
      f.runTraced(
          tables, Feature.VLAN_CLASSIFY, Feature.ACL_KEYS, Feature.FORWARD, Feature.ACL_OUT);
      TraceRecord r = trace.record(0);
      assertTrue(r.flooded());
      assertEquals(0b110, r.forwardOut());
      assertEquals(0b100, r.aclOutRemoved(), "port 2's egress ACL refused it");
      assertNull(r.dropReason(), "port 1 still takes it");
      f.releaseBurst();
    }
  }

  @Test
  void aTraceRecordsNoMoreThanItsCountAndIsBounded() {
    assertThrows(IllegalArgumentException.class, () -> new TraceSession(1, 0, 1001));
    TraceSession trace = new TraceSession(1, 0, 3);
    assertEquals((2L << 32) | 0, trace.claim(2));
    assertEquals((1L << 32) | 2, trace.claim(32));
    assertEquals(-1, trace.claim(1));
    assertNull(trace.record(0), "claimed, not published");
    assertFalse(trace.complete());
  }

  @Test
  void aFullRingSkipsAndCountsAndNeverBlocks() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment frame = arena.allocate(100);
      for (int b = 0; b < 100; b++) {
        frame.set(java.lang.foreign.ValueLayout.JAVA_BYTE, b, (byte) b);
      }
      CaptureRing ring = new CaptureRing(4, 64);
      int queued = 0;
      for (int i = 0; i < 10; i++) {
        queued += ring.offer(frame.address(), 100, 100 + i, i, CaptureRing.IN) ? 1 : 0;
      }
      assertEquals(4, queued);
      assertEquals(6, ring.skipped());
      List<Integer> lengths = new ArrayList<>();
      int drained =
          ring.drain(
              (data, off, cap, len, nanos, dir) -> {
                assertEquals(64, cap, "truncated to the snap length");
                assertEquals(63, data[off + 63]);
                lengths.add(len);
              },
              100);
      assertEquals(4, drained);
      assertEquals(List.of(100, 101, 102, 103), lengths, "in order, the wire lengths kept");
      assertTrue(ring.offer(frame.address(), 100, 100, 0, CaptureRing.OUT), "room again");
    }
  }

  @Test
  void theCaptureStageTakesWhatTheFilterPassesOnTheArmedPortOnly() {
    CaptureSession capture =
        new CaptureSession(1, 0, true, false, CaptureFilter.parse("udp and port 53"), 128, 1);
    PortPolicy[] ports = {PortPolicy.access(0, 10).build(), PortPolicy.access(1, 10).build()};
    L2Tables tables = tables(new Taps(null, capture), ports);
    assertEquals(Feature.CAPTURE_IN, tables.features(0)[0]);
    assertFalse(Arrays.asList(tables.features(1)).contains(Feature.CAPTURE_IN));
    assertFalse(Arrays.asList(tables.features(1)).contains(Feature.CAPTURE_OUT));
    try (StageFixture f = StageFixture.withoutDpdk(2)) {
      List<byte[]> frames = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        frames.add(AclStageTest.frameFor(i)); // 2 and 7 and 3 and 8: IPv6 UDP to port 53
      }
      f.received(0, frames);
      f.run(tables, Feature.CAPTURE_IN);
      List<byte[]> got = new ArrayList<>();
      capture.rings()[0].drain(
          (d, o, c, l, n, dir) -> got.add(Arrays.copyOfRange(d, o, o + c)), 100);
      assertEquals(4, got.size());
      assertArrayEquals(frames.get(2), got.get(0));
      assertEquals(0, capture.skipped());
      capture.stop();
      f.run(tables, Feature.CAPTURE_IN);
      assertEquals(0, capture.rings()[0].drain((d, o, c, l, n, dir) -> {}, 100), "stopped");
      f.releaseBurst();
    }
  }

  @Test
  void filterTermsAndMistakes() throws Exception {
    try (Arena arena = Arena.ofConfined()) {
      byte[] v4 =
          frame()
              .vlan(7)
              .etherType(0x0800)
              .payload(IpPackets.ipv4("10.0.0.1", "10.0.0.2", IpPackets.TCP, 1234, 80, 0x02))
              .build();
      MemorySegment m = arena.allocate(v4.length);
      MemorySegment.copy(v4, 0, m, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, v4.length);
      long a = m.address();
      assertTrue(
          CaptureFilter.parse("tcp and port 80 and host 10.0.0.2 and vlan 7")
              .matches(a, v4.length));
      assertTrue(CaptureFilter.parse("ip").matches(a, v4.length));
      assertFalse(CaptureFilter.parse("udp").matches(a, v4.length));
      assertFalse(CaptureFilter.parse("vlan 8").matches(a, v4.length));
      assertFalse(CaptureFilter.parse("host 10.0.0.3").matches(a, v4.length));
      assertFalse(CaptureFilter.parse("port 80").matches(a, 30), "cut short: no match");
      assertFalse(CaptureFilter.parse("ip6").matches(a, v4.length));
      assertThrows(IllegalArgumentException.class, () -> CaptureFilter.parse("tcp or udp"));
      assertThrows(IllegalArgumentException.class, () -> CaptureFilter.parse("tcp and udp"));
      assertThrows(IllegalArgumentException.class, () -> CaptureFilter.parse("port 70000"));
      assertThrows(IllegalArgumentException.class, () -> CaptureFilter.parse("host example.com"));
    }
  }
}
