package io.vswitch.dataplane.acl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The decision tree against the linear first-match reference: random rule sets and packets, seeded
 * so a failure reproduces. Rules mix IPv4 and IPv6 prefixes of every length (with /0, /32, /64, /65
 * and /128 favoured), single ports and ranges touching 0 and 65535, protocols, MACs, VLANs and TCP
 * flags and connection states. Packets sit on and just beside rule edges, where an off-by-one would
 * show, and at random.
 */
class AclTreeDifferentialTest {
  private static final int[] V4_LENGTHS = {0, 1, 8, 16, 24, 31, 32};
  private static final int[] V6_LENGTHS = {0, 1, 48, 63, 64, 65, 96, 127, 128};

  @ParameterizedTest(name = "seed {0}, {1} rules")
  @CsvSource({"1, 1", "2, 10", "3, 50", "4, 200", "5, 1000", "6, 3000", "7, 10000"})
  void treeAgreesWithLinearFirstMatch(long seed, int count) {
    SplittableRandom random = new SplittableRandom(seed);
    List<AclRule> rules = new ArrayList<>();
    for (int r = 0; r < count; r++) {
      rules.add(randomRule(random, r));
    }
    AclTree tree = new AclTree(rules);
    LinearClassifier linear = new LinearClassifier(rules);
    int packets = 20_000;
    int matched = 0;
    java.util.Set<Integer> distinct = new java.util.HashSet<>();
    long[] key = new long[AclFields.COUNT];
    for (int p = 0; p < packets; p++) {
      AclRule near = rules.get(random.nextInt(rules.size()));
      int flags = randomPacket(random, near, key);
      int expected = linear.classify(key, 0, flags);
      int actual = tree.classify(key, 0, flags);
      if (expected != actual) {
        throw new AssertionError(
            "seed "
                + seed
                + " packet "
                + p
                + " key "
                + Arrays.toString(key)
                + " flags "
                + flags
                + ": linear "
                + expected
                + ", tree "
                + actual);
      }
      matched += expected >= 0 ? 1 : 0;
      distinct.add(expected);
    }
    assertTrue(matched > packets / 50, "packets should often match something: " + matched);
    assertTrue(distinct.size() > Math.min(count, 30) / 3, "many rules decide: " + distinct.size());
    if (count <= 50) {
      assertTrue(matched < packets, "and sometimes no rule does (the default action)");
    }
  }

  @org.junit.jupiter.api.Test
  void aWholeSpaceRuleOnAConnectionStateDoesNotHideTheRulesAfterIt() {
    List<AclRule> rules =
        List.of(
            AclRule.builder(0, true).ctStates(AclFields.CT_ESTABLISHED).build(),
            AclRule.builder(1, false).build());
    AclTree tree = new AclTree(rules);
    long[] key = new long[AclFields.COUNT];
    assertEquals(0, tree.classify(key, 0, AclFields.CT_ESTABLISHED));
    assertEquals(1, tree.classify(key, 0, AclFields.CT_NEW), "a new packet reaches rule 1");
    assertEquals(1, tree.classify(key, 0, 0), "and so does an untracked one");
  }

  /** A rule with each field present with some probability; priority is its index. */
  static AclRule randomRule(SplittableRandom random, int priority) {
    return randomRule(random, priority, true);
  }

  /** As {@link #randomRule(SplittableRandom, int)}; {@code macs}: whether MAC fields may be set. */
  static AclRule randomRule(SplittableRandom random, int priority, boolean macs) {
    AclRule.Builder b = AclRule.builder(priority, random.nextBoolean());
    boolean v6 = random.nextBoolean();
    if (random.nextInt(4) == 0) {
      b.etherType(random.nextInt(4) == 0 ? 0x0806 : v6 ? 0x86dd : 0x0800);
    }
    if (macs && random.nextInt(8) == 0) {
      b.srcMac(small(random, 4));
    }
    if (macs && random.nextInt(8) == 0) {
      b.dstMac(small(random, 4));
    }
    if (random.nextInt(6) == 0) {
      b.vlan(1 + random.nextInt(3));
    }
    for (int side = 0; side < 2; side++) {
      if (random.nextInt(8) == 0) {
        continue;
      }
      long high;
      long low;
      int length;
      if (v6) {
        high = 0xfd00_0000_0000_0000L | small(random, 4) << 32;
        low = small(random, 4) << 62 | small(random, 4);
        length = random.nextInt(4) == 0 ? V6_LENGTHS[random.nextInt(V6_LENGTHS.length)] : 128;
      } else {
        high = 0;
        low = AclFields.V4_MAPPED | (0x0A00_0000L | small(random, 4) << 24 | small(random, 4));
        length = 96 + (random.nextInt(4) == 0 ? V4_LENGTHS[random.nextInt(V4_LENGTHS.length)] : 32);
      }
      if (side == 0) {
        b.srcPrefix(high, low, length);
      } else {
        b.dstPrefix(high, low, length);
      }
    }
    int protocol =
        random.nextInt(3) == 0 ? -1 : random.nextInt(4) == 0 ? 1 : 6 + 11 * random.nextInt(2);
    if (protocol >= 0) {
      b.protocol(protocol);
    }
    if (protocol == 6 || protocol == 17) {
      if (random.nextBoolean()) {
        int[] r = portRange(random);
        b.srcPorts(r[0], r[1]);
      }
      if (random.nextBoolean()) {
        int[] r = portRange(random);
        b.dstPorts(r[0], r[1]);
      }
      if (protocol == 6 && random.nextInt(4) == 0) {
        int mask = 1 + random.nextInt(0x3F);
        b.tcpFlags(random.nextInt(64), mask);
      }
    }
    if (random.nextInt(5) == 0) {
      // A non-empty set of connection states (the five ct-state bits above the TCP flags).
      b.ctStates((1 + random.nextInt(31)) << 8);
    }
    return b.build();
  }

  private static long small(SplittableRandom random, int values) {
    return random.nextInt(values);
  }

  private static int[] portRange(SplittableRandom random) {
    int[] edges = {0, 1, 79, 80, 81, 1023, 1024, 65534, 65535};
    int a = edges[random.nextInt(edges.length)];
    int b = random.nextBoolean() ? a : edges[random.nextInt(edges.length)];
    return new int[] {Math.min(a, b), Math.max(a, b)};
  }

  /** A key near {@code rule}: each field at an edge of its range, just outside, or random. */
  static int randomPacket(SplittableRandom random, AclRule rule, long[] key) {
    for (int d = 0; d < AclFields.COUNT; d++) {
      long lo = rule.lo[d];
      long hi = rule.hi[d];
      boolean any = lo == Long.MIN_VALUE && hi == Long.MAX_VALUE;
      key[d] =
          switch (random.nextInt(any ? 1 : 6)) {
            case 0 -> plausible(random, d);
            case 1 -> lo;
            case 2 -> hi;
            case 3 -> lo == Long.MIN_VALUE ? lo : lo - 1;
            case 4 -> hi == Long.MAX_VALUE ? hi : hi + 1;
            default -> lo + (long) (random.nextDouble() * (hi / 2 - lo / 2)) * 2;
          };
    }
    // One connection state as the conntrack stage sets it, or none (conntrack not running).
    int ct = random.nextInt(6);
    return random.nextInt(64) | (ct == 5 ? 0 : AclFields.CT_NEW << ct);
  }

  /** A value a real packet could have in field {@code d}. */
  private static long plausible(SplittableRandom random, int d) {
    return switch (d) {
      case AclFields.ETHER_TYPE -> new int[] {0x0800, 0x86dd, 0x0806}[random.nextInt(3)];
      case AclFields.SRC_MAC, AclFields.DST_MAC -> small(random, 5);
      case AclFields.VLAN -> 1 + random.nextInt(4);
      case AclFields.SRC_HI, AclFields.DST_HI ->
          random.nextBoolean()
              ? Long.MIN_VALUE
              : AclFields.unsigned(0xfd00_0000_0000_0000L | small(random, 5) << 32);
      case AclFields.SRC_LO, AclFields.DST_LO ->
          AclFields.unsigned(
              random.nextBoolean()
                  ? AclFields.V4_MAPPED | 0x0A00_0000L | small(random, 5) << 24 | small(random, 5)
                  : small(random, 4) << 62 | small(random, 5));
      case AclFields.PROTOCOL -> new int[] {-1, 1, 6, 17}[random.nextInt(4)];
      default ->
          random.nextInt(5) == 0 ? -1 : new int[] {0, 80, 1024, 65535, 443}[random.nextInt(5)];
    };
  }

  /**
   * The flow cache agrees with the linear reference over two ACLs, hits and evictions. Without MAC
   * rules most packets are made IPv4-shaped, so the two-word keys of {@link V4FlowTable} carry
   * them; their MACs still vary, and so do the fields those keys pack (EtherType, VLAN, ports at
   * and past their edges), so a lost or aliased field shows as a wrong verdict.
   */
  @ParameterizedTest(name = "seed {0}, {1} rules, MAC rules {2}")
  @CsvSource({
    "11, 20, true",
    "12, 500, true",
    "13, 5000, true",
    "14, 3, true",
    "15, 4, true",
    "16, 20, false",
    "17, 500, false",
    "18, 5000, false"
  })
  void flowCacheInFrontOfTwoAclsAgreesWithLinearFirstMatch(long seed, int count, boolean macs) {
    SplittableRandom random = new SplittableRandom(seed);
    List<AclRule> rulesA = new ArrayList<>();
    List<AclRule> rulesB = new ArrayList<>();
    for (int r = 0; r < count; r++) {
      rulesA.add(randomRule(random, r, macs));
      rulesB.add(randomRule(random, r, macs));
    }
    Acl a = new Acl("a", rulesA, true, 1);
    Acl b = new Acl("b", rulesB, false, 1);
    if (count <= 4) {
      assertTrue(a.tree().isLeaf() && b.tree().isLeaf(), "the cache-free path is the one tested");
    }
    LinearClassifier linearA = new LinearClassifier(a.rules());
    LinearClassifier linearB = new LinearClassifier(b.rules());
    // A pool of flows seen again and again (hits), more than the cache holds (evictions).
    int flows = 40_000;
    long[][] pool = new long[flows][AclFields.COUNT];
    int[] poolFlags = new int[flows];
    for (int f = 0; f < flows; f++) {
      List<AclRule> from = random.nextBoolean() ? rulesA : rulesB;
      poolFlags[f] = randomPacket(random, from.get(random.nextInt(count)), pool[f]);
      if (!macs && random.nextInt(4) != 0) {
        ipv4Shaped(random, pool[f]);
      }
      if (f > 0 && random.nextBoolean()) {
        // A sibling of an earlier flow, one field (or the flags) apart: a cache that lost or
        // aliased that field would hand one of them the other's verdict.
        int of = random.nextInt(f);
        System.arraycopy(pool[of], 0, pool[f], 0, AclFields.COUNT);
        poolFlags[f] = poolFlags[of];
        int d = random.nextInt(AclFields.COUNT + 1);
        if (d == AclFields.COUNT) {
          poolFlags[f] ^= 1 << random.nextInt(13);
        } else {
          long[] other = new long[AclFields.COUNT];
          randomPacket(random, from.get(random.nextInt(count)), other);
          pool[f][d] = other[d];
        }
      }
    }
    int v4Keys = 0;
    for (long[] key : pool) {
      v4Keys += V4FlowTable.fits(key, 0) ? 1 : 0;
    }
    if (!macs) {
      assertTrue(v4Keys > flows / 2, v4Keys + " of " + flows + " keys take the IPv4 table");
    }
    AclFlowCache cache = new AclFlowCache();
    AclKeys keys = new AclKeys();
    byte[] skip = new byte[32];
    int[] result = new int[32];
    for (int burst = 0; burst < 3000; burst++) {
      Acl acl = burst % 3 == 0 ? b : a;
      LinearClassifier linear = acl == a ? linearA : linearB;
      int n = 1 + random.nextInt(32);
      for (int i = 0; i < n; i++) {
        int f = random.nextInt(burst % 2 == 0 ? 50 : flows);
        keys.set(i, pool[f], poolFlags[f]);
        skip[i] = (byte) (random.nextInt(10) == 0 ? 1 : 0);
      }
      if (burst % 5 == 0) {
        for (int i = 0; i < n; i++) { // the egress path: one packet at a time
          int expected = linear.classify(keys.fullKeys(-1), i * AclFields.COUNT, keys.tcpFlags[i]);
          int actual =
              cache.classify(acl, keys.fullKeys(-1), i * AclFields.COUNT, keys.tcpFlags[i]);
          assertEquals(expected, actual, "burst " + burst + " packet " + i);
        }
        continue;
      }
      cache.classify(acl, keys, n, skip, result);
      for (int i = 0; i < n; i++) {
        if (skip[i] == 0) {
          int expected = linear.classify(keys.fullKeys(-1), i * AclFields.COUNT, keys.tcpFlags[i]);
          assertEquals(expected, result[i], "seed " + seed + " burst " + burst + " packet " + i);
        }
      }
    }
  }

  /**
   * A flow seen again is a hit, whatever its verdict (the default's -1 included) and whichever
   * table holds it: a second pass over the same few hundred flows walks no tree. Without this a
   * cache that never hits would pass the test above, only slower.
   */
  @ParameterizedTest(name = "MAC rules {0}")
  @CsvSource({"true", "false"})
  void aFlowSeenAgainIsAHit(boolean macs) {
    SplittableRandom random = new SplittableRandom(21);
    // Host-to-host TCP denies, as the bench's; every fifth also names a source MAC when MACs may.
    List<AclRule> rules = new ArrayList<>();
    for (int r = 0; r < 300; r++) {
      AclRule.Builder b =
          AclRule.builder(r, false)
              .srcPrefix(0, AclFields.V4_MAPPED | 0x0A00_0000L | r, 128)
              .dstPrefix(0, AclFields.V4_MAPPED | 0xAC10_0000L | r, 128)
              .protocol(AclFields.TCP)
              .dstPorts(1000 + r, 1000 + r);
      if (macs && r % 5 == 0) {
        b.srcMac(r);
      }
      rules.add(b.build());
    }
    Acl acl = new Acl("a", rules, true, 1);
    LinearClassifier linear = new LinearClassifier(acl.rules());
    int bursts = 10;
    AclKeys[] keys = new AclKeys[bursts];
    int defaults = 0;
    for (int b = 0; b < bursts; b++) {
      keys[b] = new AclKeys();
      for (int i = 0; i < 32; i++) {
        long[] key = new long[AclFields.COUNT];
        int flags = randomPacket(random, rules.get(random.nextInt(rules.size())), key);
        if (random.nextBoolean()) {
          ipv4Shaped(random, key);
        }
        keys[b].set(i, key, flags);
        defaults += linear.classify(key, 0, flags) < 0 ? 1 : 0;
      }
    }
    assertTrue(defaults > 10, defaults + " packets take the default");
    AclFlowCache cache = new AclFlowCache();
    byte[] skip = new byte[32];
    int[] result = new int[32];
    for (AclKeys k : keys) {
      cache.classify(acl, k, 32, skip, result);
    }
    long walked = cache.misses();
    assertTrue(walked > 0 && walked <= 32L * bursts, walked + " first-pass misses");
    for (AclKeys k : keys) {
      cache.classify(acl, k, 32, skip, result);
      for (int i = 0; i < 32; i++) {
        int base = i * AclFields.COUNT;
        assertEquals(linear.classify(k.fullKeys(-1), base, k.tcpFlags[i]), result[i]);
        assertEquals(result[i], cache.classify(acl, k.fullKeys(-1), base, k.tcpFlags[i]));
      }
    }
    assertEquals(walked, cache.misses(), "the second pass and the one-packet path hit every time");
  }

  /** Makes {@code key} an IPv4 packet's (or a mapped IPv6 one's), keeping its other fields. */
  private static void ipv4Shaped(SplittableRandom random, long[] key) {
    key[AclFields.ETHER_TYPE] = random.nextInt(8) == 0 ? 0x86dd : 0x0800;
    for (int hi : new int[] {AclFields.SRC_HI, AclFields.DST_HI}) {
      key[hi] = Long.MIN_VALUE;
      long lo = key[hi + 1] ^ Long.MIN_VALUE;
      if ((lo & 0xFFFF_FFFF_0000_0000L) != AclFields.V4_MAPPED) {
        key[hi + 1] = AclFields.unsigned(AclFields.V4_MAPPED | lo & 0xFFFF_FFFFL);
      }
    }
  }

  /**
   * Keys extracted from the hostile corpus (absent ports, extension-header protocols, cut-off
   * headers with ports but no flags): the tree agrees with the linear reference on every one.
   */
  @ParameterizedTest(name = "seed {0}, {1} rules")
  @CsvSource({"11, 10", "12, 300", "13, 3000"})
  void treeAgreesWithLinearOnKeysOfHostileFrames(long seed, int count) {
    SplittableRandom random = new SplittableRandom(seed);
    List<AclRule> rules = new ArrayList<>();
    for (int r = 0; r < count; r++) {
      rules.add(randomRule(random, r));
    }
    rules.addAll(io.vswitch.dataplane.testing.HostileFrames.acl().rules());
    AclTree tree = new AclTree(rules);
    LinearClassifier linear = new LinearClassifier(rules);
    AclKeys keys = new AclKeys();
    try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
      for (var c : io.vswitch.dataplane.testing.HostileFrames.corpus()) {
        byte[] f = c.frame();
        if (c.fate() == io.vswitch.dataplane.stats.DropReason.BAD_IP_LENGTH
            || c.fate() == io.vswitch.dataplane.stats.DropReason.TRUNCATED_HEADER) {
          continue; // the parse stage drops these before any key is made
        }
        var segment = arena.allocate(f.length);
        segment.copyFrom(java.lang.foreign.MemorySegment.ofArray(f));
        int type = (f[12] & 0xFF) << 8 | (f[13] & 0xFF);
        io.vswitch.dataplane.testing.AclKeysOf.extractOne(
            keys, 0, segment.address(), f.length, type, 1, 2, 10, 14);
        assertEquals(
            linear.classify(keys.fullKeys(-1), 0, keys.tcpFlags[0]),
            tree.classify(keys.fullKeys(-1), 0, keys.tcpFlags[0]),
            c.name() + " " + Arrays.toString(Arrays.copyOf(keys.fullKeys(-1), AclFields.COUNT)));
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"10", "10000"})
  void treeStaysShallowOnMicroSegmentationRules(int count) {
    List<AclRule> rules = new ArrayList<>();
    for (int k = 0; k < count; k++) {
      rules.add(
          AclRule.builder(k, false)
              .etherType(0x0800)
              .srcPrefix(0, AclFields.V4_MAPPED | 0x0A00_0000L | (long) k << 8, 120)
              .protocol(6)
              .dstPorts(80 + k % 100, 80 + k % 100)
              .build());
    }
    AclTree tree = new AclTree(rules);
    assertTrue(
        tree.leafEntries() < 8L * count + 64,
        "rules copied into " + tree.leafEntries() + " leaf slots");
    assertEquals(-1, tree.classify(new long[AclFields.COUNT], 0, 0));
  }
}
