package io.vswitch.dataplane.l2;

import static io.vswitch.dataplane.testing.FrameBuilder.frame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.stats.PortCounter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The L2 flow cache must decide exactly as the full path: the same traffic through two switches,
 * one whose ports' lists carry the cache and one whose lists do not, with the same FDB and table
 * changes made to both between bursts (MACs moving, removed, static, a port flushed, the aging
 * time, time passing, a VLAN or a security policy changed), must leave every port with the same
 * frames, byte for byte, and count the same drops. The cache must also have decided most of the
 * frames, or the test would prove nothing.
 */
class FlowCacheTest {
  private static final int PORTS = 4;
  private static final String[] MACS = new String[12];

  static {
    for (int m = 0; m < MACS.length; m++) {
      MACS[m] = String.format("02:00:00:00:00:%02x", m + 1);
    }
  }

  /**
   * Port 0 access 10 with a MAC limit of 3 (so the FDB refuses some sources), 1 access 10 or 20 and
   * promiscuous in one variant, 2 a trunk, 3 access 20 with MAC changes rejected in one variant.
   */
  private static L2Tables tables(int variant) {
    return new L2Tables(
        List.of(
            PortPolicy.access(0, 10).macLimit(3).build(),
            PortPolicy.access(1, variant == 1 ? 20 : 10).promiscuous(variant == 1).build(),
            PortPolicy.trunk(2, 10, 20).build(),
            PortPolicy.access(3, 20)
                .mac(MacAddress.parse(MACS[3]))
                .macChanges(variant != 2)
                .build()));
  }

  /** One switch: a fixture with its own FDB and stages, capture ports behind one transmit set. */
  private static final class Side implements AutoCloseable {
    final StageFixture f = new StageFixture(PORTS);
    final List<EgressStageTest.CapturePort> ports = new ArrayList<>();
    final TxBuffer[] buffers = new TxBuffer[PORTS];
    final TxSet tx;
    final boolean cached;
    L2Tables tables;

    Side(boolean cached) {
      this.cached = cached;
      f.fdb = new Fdb(1024, 300);
      for (int p = 0; p < PORTS; p++) {
        EgressStageTest.CapturePort port = new EgressStageTest.CapturePort(p);
        ports.add(port);
        buffers[p] = new TxBuffer(port, 0, f.counters.slot(0, p), f.arena);
      }
      tx = new TxSet(buffers, TxSet.DRAIN_EVERY_PASS);
      use(tables(0));
    }

    void use(L2Tables next) {
      tables = next;
      tx.adopt(next, StageFixture.HZ, f.tsc);
      f.adopt(next);
    }

    Feature[] features(int port) {
      return Arrays.stream(tables.features(port))
          .filter(x -> x != Feature.PARSE) // the fixture's received() parses
          .filter(x -> cached || (x != Feature.FLOW_CACHE && x != Feature.FLOW_CACHE_FILL))
          .toArray(Feature[]::new);
    }

    /** The burst through the port's list; what each port sent, as hex, in order. */
    List<List<String>> burst(int port, List<byte[]> frames) {
      f.received(port, frames);
      f.runThrough(tables, tx, features(port));
      tx.flush();
      f.ctx.freeDropped();
      List<List<String>> sent = new ArrayList<>();
      for (EgressStageTest.CapturePort p : ports) {
        sent.add(p.frames.stream().map(HexFormat.of()::formatHex).toList());
        p.frames.clear();
        p.release();
      }
      return sent;
    }

    /** Frames the cache decided, on every port. */
    long hits() {
      long hits = 0;
      for (int p = 0; p < PORTS; p++) {
        hits += f.counters.sum(p, PortCounter.FLOW_CACHE_HITS);
      }
      return hits;
    }

    @Override
    public void close() {
      f.fdb.close();
      f.close();
    }
  }

  @Test
  void plainPortsGetTheCacheAndAnythingElseOnAPortKeepsItOff() {
    Feature[] plain = tables(0).features(0);
    assertTrue(Arrays.asList(plain).contains(Feature.FLOW_CACHE));
    assertTrue(Arrays.asList(plain).contains(Feature.FLOW_CACHE_FILL));
    L2Tables mirrored =
        new L2Tables(
            List.of(
                PortPolicy.access(0, 10).flowExport(true).build(),
                PortPolicy.access(1, 10).build()));
    assertFalse(Arrays.asList(mirrored.features(0)).contains(Feature.FLOW_CACHE));
    assertTrue(Arrays.asList(mirrored.features(1)).contains(Feature.FLOW_CACHE));
  }

  @Test
  void decidesExactlyAsTheFullPathThroughFdbAndTableChanges() {
    Random r = new Random(22);
    try (Side cached = new Side(true);
        Side full = new Side(false)) {
      int frames = 0;
      int[] home = new int[MACS.length];
      for (int m = 0; m < MACS.length; m++) {
        home[m] = m % PORTS;
      }
      int calmFrames = 0;
      long calmHits = 0;
      for (int b = 0; b < 4_000; b++) {
        boolean calm = b >= 3_000; // the last thousand bursts: no changes, so the cache must work
        if (b == 3_000) {
          calmHits = -cached.hits();
        }
        if (!calm) {
          change(r, cached, full);
        }
        if (!calm && r.nextInt(100) < 3) {
          home[r.nextInt(MACS.length)] = r.nextInt(PORTS); // a host moves (vMotion, a loop)
        }
        int port = r.nextInt(PORTS);
        List<byte[]> burst = burst(r, port, home, calm);
        if (burst.isEmpty()) {
          continue;
        }
        frames += burst.size();
        calmFrames += calm ? burst.size() : 0;
        assertEquals(full.burst(port, burst), cached.burst(port, burst), "burst " + b);
      }
      for (int p = 0; p < PORTS; p++) {
        for (DropReason reason : DropReason.values()) {
          assertEquals(
              full.f.counters.sum(p, reason),
              cached.f.counters.sum(p, reason),
              "port " + p + " " + reason);
        }
        for (PortCounter c : PortCounter.values()) {
          if (c == PortCounter.FLOW_CACHE_HITS || c == PortCounter.FLOW_CACHE_MISSES) {
            continue; // the cache's own: the one difference allowed
          }
          assertEquals(
              full.f.counters.sum(p, c), cached.f.counters.sum(p, c), "port " + p + " " + c);
        }
      }
      assertTrue(
          full.f.counters.sum(0, PortCounter.FDB_LEARN_REFUSED) > 0, "the MAC limit refused some");
      long hits = cached.hits();
      calmHits += hits;
      assertTrue(hits > frames / 20, "the cache decided " + hits + " of " + frames + " frames");
      // Calm, the misses are what the cache never holds: broadcasts and floods to MACs the FDB
      // refused, frames to a host on their own port, frames of VLAN 30 (about two thirds of them).
      assertTrue(
          calmHits > calmFrames / 4,
          "the cache decided " + calmHits + " of the calm phase's " + calmFrames + " frames");
      assertEquals(0, full.hits(), "the full path never looked");
      long looked = 0;
      for (int p = 0; p < PORTS; p++) {
        looked += cached.f.counters.sum(p, PortCounter.FLOW_CACHE_MISSES);
      }
      assertTrue(looked + hits <= frames && looked > 0, "hits and misses count frames that looked");
    }
  }

  /** Now and then the same control change on both switches (between bursts, as the agent sees). */
  private static void change(Random r, Side a, Side b) {
    int roll = r.nextInt(100);
    long mac = MacAddress.parse(MACS[r.nextInt(MACS.length)]);
    int vlan = r.nextBoolean() ? 10 : 20;
    int port = r.nextInt(PORTS);
    int variant = r.nextInt(3);
    for (Side s : List.of(a, b)) {
      Fdb fdb = s.f.fdb;
      switch (roll) {
        case 0, 1 -> s.f.seconds += 1 + roll; // refreshes; aging when the aging time is short
        case 8, 9, 10 -> fdb.remove(vlan, mac);
        case 11 -> fdb.addStatic(vlan, mac, port);
        case 12 -> fdb.flushPort(port);
        case 13 -> fdb.setAgingSeconds(fdb.agingSeconds() == 300 ? 1 : 300);
        case 14, 15 -> s.use(tables(variant));
        default -> {}
      }
    }
  }

  /**
   * 1-32 frames (none where no host is at home): from the hosts at home on the port (now and then
   * one that is not: a forged or looped frame), to any of a dozen MACs, so flows repeat within and
   * across bursts; some broadcast; tagged on the trunk (VLAN 10, 20, or 30 which no port carries),
   * now and then untagged there.
   */
  private static List<byte[]> burst(Random r, int port, int[] home, boolean calm) {
    List<Integer> here = new ArrayList<>();
    for (int m = 0; m < MACS.length; m++) {
      if (home[m] == port) {
        here.add(m);
      }
    }
    List<byte[]> frames = new ArrayList<>();
    if (here.isEmpty()) {
      return frames; // no host at home here: the port is quiet
    }
    int n = 1 + r.nextInt(32);
    for (int k = 0; k < n; k++) {
      String src =
          !calm && r.nextInt(500) == 0
              ? MACS[r.nextInt(MACS.length)]
              : MACS[here.get(r.nextInt(here.size()))];
      String dst = r.nextInt(10) == 0 ? "ff:ff:ff:ff:ff:ff" : MACS[r.nextInt(MACS.length)];
      var builder = frame().src(src).dst(dst).payloadLength(46 + r.nextInt(4));
      if (port == 2 && r.nextInt(10) != 0) {
        builder.vlan(new int[] {10, 20, 30}[r.nextInt(3)]);
      }
      frames.add(builder.build());
    }
    return frames;
  }

  @Test
  void aHitNeedsTheSameIngressPortVlanTagAndBothMacs() {
    long k1 = L2FlowCache.key1(1, MacAddress.parse(MACS[0]));
    long k2 = L2FlowCache.key2(10, false, MacAddress.parse(MACS[1]));
    L2FlowCache cache = new L2FlowCache();
    long stamp = cache.stamp();
    cache.fill(k1, k2, 1L << 2, 2, true, stamp);
    long way = cache.find(cache.set(k1, k2), k1, k2, stamp);
    assertEquals(2, L2FlowCache.egress(way));
    assertEquals(1L << 2, L2FlowCache.out(way));
    assertTrue(L2FlowCache.retagged(way));
    long[][] others = {
      {L2FlowCache.key1(2, MacAddress.parse(MACS[0])), k2},
      {k1, L2FlowCache.key2(20, false, MacAddress.parse(MACS[1]))},
      {k1, L2FlowCache.key2(10, true, MacAddress.parse(MACS[1]))},
      {L2FlowCache.key1(1, MacAddress.parse(MACS[2])), k2},
      {k1, L2FlowCache.key2(10, false, MacAddress.parse(MACS[2]))},
    };
    for (long[] o : others) {
      assertEquals(0, cache.find(cache.set(o[0], o[1]), o[0], o[1], stamp), Arrays.toString(o));
    }
    long next = cache.stampFor(1, null, null, 1);
    assertEquals(0, cache.find(cache.set(k1, k2), k1, k2, next), "a new stamp forgets it");
    assertArrayEquals(new long[] {next}, new long[] {cache.stampFor(1, null, null, 1)});
  }
}
