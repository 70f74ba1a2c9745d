package io.vswitch.dataplane.l2;

import static io.vswitch.dataplane.testing.FrameBuilder.frame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.dataplane.acl.Acl;
import io.vswitch.dataplane.acl.AclFields;
import io.vswitch.dataplane.acl.AclRule;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.stats.PortCounter;
import io.vswitch.dataplane.testing.HostileFrames;
import io.vswitch.dataplane.testing.IpPackets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.function.IntFunction;
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
    final IntFunction<L2Tables> tablesOf;
    L2Tables tables;

    Side(boolean cached) {
      this(cached, FlowCacheTest::tables);
    }

    Side(boolean cached, IntFunction<L2Tables> tablesOf) {
      this.cached = cached;
      this.tablesOf = tablesOf;
      f.fdb = new Fdb(1024, 300);
      for (int p = 0; p < PORTS; p++) {
        EgressStageTest.CapturePort port = new EgressStageTest.CapturePort(p);
        ports.add(port);
        buffers[p] = new TxBuffer(port, 0, f.counters.slot(0, p), f.arena);
      }
      tx = new TxSet(buffers, TxSet.DRAIN_EVERY_PASS);
      use(tablesOf.apply(0));
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

  /**
   * The cache stands beside an ingress ACL, which still decides every frame: with ACLs on the ports
   * (rules on MACs, VLANs, prefixes, ports and TCP flags; default allow and default deny;
   * republished now and then), IP frames of every kind (TCP, UDP, IPv6, fragments, cut L4 headers)
   * must leave as from the full path, be dropped for the same reasons, and count the same hits on
   * every rule.
   */
  @Test
  void keepsAnIngressAclsVerdictExactlyAsTheFullPathClassifies() {
    Random r = new Random(12);
    AclTables a = new AclTables();
    AclTables f = new AclTables();
    try (Side cached = new Side(true, a::of);
        Side full = new Side(false, f::of)) {
      int[] home = new int[MACS.length];
      for (int m = 0; m < MACS.length; m++) {
        home[m] = m % PORTS;
      }
      long calmHits = 0;
      int calmAclFrames = 0;
      for (int b = 0; b < 4_000; b++) {
        boolean calm = b >= 3_000;
        if (b == 3_000) {
          calmHits = -aclPortHits(cached);
        }
        if (!calm) {
          change(r, cached, full);
        }
        int port = r.nextInt(PORTS);
        List<byte[]> burst = ipBurst(r, port, home, calm);
        if (burst.isEmpty()) {
          continue;
        }
        calmAclFrames += calm && port < 2 ? burst.size() : 0;
        assertEquals(full.burst(port, burst), cached.burst(port, burst), "burst " + b);
      }
      calmHits += aclPortHits(cached);
      for (int p = 0; p < PORTS; p++) {
        for (DropReason reason : DropReason.values()) {
          assertEquals(
              full.f.counters.sum(p, reason),
              cached.f.counters.sum(p, reason),
              "port " + p + " " + reason);
        }
      }
      assertTrue(full.f.counters.sum(0, DropReason.ACL_INGRESS_DENY) > 0, "some were denied");
      // Calm, the misses are floods (to hosts of the other VLAN), frames to a host on their own
      // port, and the ACL's denials: about two thirds.
      assertTrue(
          calmHits > calmAclFrames / 4,
          "the cache decided " + calmHits + " of " + calmAclFrames + " calm frames behind ACLs");
      for (int v = 0; v < a.acls.length; v++) {
        for (int slot = 0; slot <= a.acls[v].rules().size(); slot++) {
          assertEquals(f.acls[v].hits(slot), a.acls[v].hits(slot), "ACL " + v + " slot " + slot);
        }
      }
    }
  }

  /** Frames the cache decided on the ports that have an ACL in every variant (0 and 1). */
  private static long aclPortHits(Side side) {
    return side.f.counters.sum(0, PortCounter.FLOW_CACHE_HITS)
        + side.f.counters.sum(1, PortCounter.FLOW_CACHE_HITS);
  }

  /** One side's ACLs (its own objects, so each side counts its own hits) and tables over them. */
  private static final class AclTables {
    final Acl[] acls = {aclAllowing(), aclDenying(), aclAllowing()};

    private static Acl aclAllowing() {
      return new Acl(
          "allowing",
          List.of(
              AclRule.builder(10, false).protocol(IpPackets.TCP).dstPorts(22, 22).build(),
              AclRule.builder(20, true).protocol(IpPackets.TCP).tcpFlags(0x02, 0x12).build(),
              AclRule.builder(30, false).srcMac(MacAddress.parse(MACS[2])).build(),
              AclRule.builder(40, false).vlan(20).protocol(IpPackets.UDP).build(),
              AclRule.builder(50, false)
                  .srcPrefix(0, AclFields.V4_MAPPED | 0x0A00_0300L, 120)
                  .build(),
              AclRule.builder(60, false)
                  .protocol(IpPackets.TCP)
                  .tcpFlags(0x01, 0x01)
                  .dstPorts(80, 80)
                  .build()),
          true,
          1);
    }

    private static Acl aclDenying() {
      return new Acl(
          "denying",
          List.of(
              AclRule.builder(10, true).protocol(IpPackets.UDP).srcPorts(5000, 5003).build(),
              AclRule.builder(20, true).protocol(IpPackets.TCP).dstPorts(80, 80).build(),
              AclRule.builder(30, true).dstMac(MacAddress.parse(MACS[5])).build()),
          false,
          1);
    }

    /** Variant 0 and 1: ACLs 0 and 1 on ports 0-2; variant 2: ACL 2 (a republish) on port 0. */
    L2Tables of(int variant) {
      Acl first = variant == 2 ? acls[2] : acls[0];
      return new L2Tables(
          List.of(
              PortPolicy.access(0, 10).acls(first, null).build(),
              PortPolicy.access(1, 10).acls(acls[1], null).build(),
              PortPolicy.trunk(2, 10, 20).acls(variant == 1 ? null : acls[0], null).build(),
              PortPolicy.access(3, 20).build()));
    }
  }

  /**
   * IP frames from the hosts at home on the port to any of the MACs: TCP and UDP between a few
   * addresses and ports with any of a few flag sets, now and then IPv6, a non-first fragment, a
   * tiny first fragment or a cut UDP header, so some keys fit the cache and some never do. Calm,
   * one address pair and fewer ports and flags, so that flows repeat and the cache must hit.
   */
  private static List<byte[]> ipBurst(Random r, int port, int[] home, boolean calm) {
    List<Integer> here = new ArrayList<>();
    for (int m = 0; m < MACS.length; m++) {
      if (home[m] == port) {
        here.add(m);
      }
    }
    List<byte[]> frames = new ArrayList<>();
    if (here.isEmpty()) {
      return frames;
    }
    int n = 1 + r.nextInt(32);
    int[] ports = {22, 53, 80, 5000, 5001, 5003};
    int[] flags = {0x02, 0x12, 0x10, 0x11, 0x01};
    for (int k = 0; k < n; k++) {
      String src = MACS[here.get(r.nextInt(here.size()))];
      String dst = MACS[r.nextInt(MACS.length)];
      String a = calm ? "10.0.2.1" : "10.0." + (2 + r.nextInt(2)) + "." + (1 + r.nextInt(3));
      String b = "10.0.9." + (calm ? 1 : 1 + r.nextInt(2));
      int proto = r.nextBoolean() ? IpPackets.TCP : IpPackets.UDP;
      int roll = calm ? 3 + r.nextInt(17) : r.nextInt(20);
      byte[] ip;
      int type = 0x0800;
      int sport = ports[r.nextInt(calm ? 2 : ports.length)];
      int dport = calm ? 80 : ports[r.nextInt(ports.length)];
      int f = flags[r.nextInt(calm ? 2 : flags.length)];
      if (roll == 0) {
        type = 0x86dd;
        ip = IpPackets.ipv6("fd00::" + (1 + r.nextInt(2)), "fd00::9", proto, sport, dport, f);
      } else if (roll == 1) {
        ip = HostileFrames.ipv4(proto, new byte[16], 2, 0);
      } else if (roll == 2) {
        ip = HostileFrames.ipv4(proto, new byte[4], 0x2000, 0);
      } else {
        ip = IpPackets.ipv4(a, b, proto, sport, dport, f);
      }
      var builder = frame().src(src).dst(dst).etherType(type).payload(ip);
      if (port == 2) {
        builder.vlan(r.nextBoolean() ? 10 : 20);
      }
      frames.add(builder.build());
    }
    return frames;
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
        case 14, 15 -> s.use(s.tablesOf.apply(variant));
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
