package io.vswitch.perf.jmh;

import io.vswitch.dataplane.acl.Acl;
import io.vswitch.dataplane.acl.AclFields;
import io.vswitch.dataplane.acl.AclFlowCache;
import io.vswitch.dataplane.acl.AclKeys;
import io.vswitch.dataplane.acl.AclRule;
import io.vswitch.dataplane.acl.AclTree;
import io.vswitch.dataplane.acl.LinearClassifier;
import io.vswitch.dataplane.packet.PacketBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The ACL classifier per packet, over bursts of 32 keys, at 10, 1,000 and 10,000 rules: the
 * decision tree the data plane uses against the linear first-match reference. No DPDK needed.
 *
 * <p>Rules look like micro-segmentation: from a /24 or a host of 10/8 to a host of 172.16/12 on a
 * TCP or UDP port or port range, a tenth of them IPv6, every fifth an allow, and a catch-all allow
 * last. Each op classifies {@link #SETS} different bursts in turn (so the tree is walked on many
 * paths, not one hot one); half of the packets hit a random rule, half only the catch-all.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class AclClassifierBench {
  static final int BURST = PacketBatch.MAX_BURST;
  static final int SETS = 64;

  @Param({"10", "1000", "10000"})
  public int rules;

  private AclTree tree;
  private Acl acl;
  private final AclFlowCache cache = new AclFlowCache();
  private LinearClassifier linear;
  private final AclKeys[] keys = new AclKeys[SETS];
  private final byte[] skip = new byte[BURST];
  private final int[] result = new int[BURST];
  private int next;

  @Setup(Level.Trial)
  public void setUp() {
    BenchCore.pinCallingThread();
    List<AclRule> list = rules(rules, 42);
    tree = new AclTree(list);
    acl = new Acl("bench", list, true, 1);
    linear = new LinearClassifier(list);
    SplittableRandom random = new SplittableRandom(7);
    for (int s = 0; s < SETS; s++) {
      keys[s] = new AclKeys();
      for (int i = 0; i < BURST; i++) {
        keys[s].set(i, packet(random, random.nextInt(rules - 1), i % 2 == 0), 0x10);
      }
    }
  }

  /** {@code count} rules, the last a catch-all allow; rule k is built from k alone. */
  public static List<AclRule> rules(int count, long seed) {
    List<AclRule> list = new ArrayList<>();
    for (int k = 0; k < count - 1; k++) {
      list.add(rule(k));
    }
    list.add(AclRule.builder(count * 10, true).build());
    return list;
  }

  private static AclRule rule(int k) {
    AclRule.Builder b = AclRule.builder(k * 10, k % 5 == 0);
    boolean tcp = k % 3 != 0;
    b.protocol(tcp ? AclFields.TCP : AclFields.UDP);
    if (k % 10 == 9) {
      b.etherType(0x86dd);
      b.srcPrefix(0xfd00_0000_0000_0000L | ((long) k << 16), 0, 64);
      b.dstPrefix(0xfd00_0000_0001_0000L, k, 128);
    } else {
      b.etherType(0x0800);
      b.srcPrefix(0, AclFields.V4_MAPPED | 0x0A00_0000L | ((long) k << 8), k % 2 == 0 ? 120 : 128);
      b.dstPrefix(0, AclFields.V4_MAPPED | 0xAC10_0000L | (k & 0xFFFF), 128);
    }
    int port = 1000 + (k % 50_000);
    if (k % 4 == 0) {
      b.dstPorts(port, port + 15);
    } else {
      b.dstPorts(port, port);
    }
    return b.build();
  }

  /** A key that rule {@code k} matches ({@code hit}) or that only the catch-all matches. */
  private static long[] packet(SplittableRandom random, int k, boolean hit) {
    long[] f = new long[AclFields.COUNT];
    boolean v6 = k % 10 == 9;
    f[AclFields.ETHER_TYPE] = v6 ? 0x86dd : 0x0800;
    f[AclFields.SRC_MAC] = 0x0200_0000_0001L;
    f[AclFields.DST_MAC] = 0x0200_0000_0002L;
    f[AclFields.VLAN] = 10;
    if (v6) {
      f[AclFields.SRC_HI] = AclFields.unsigned(0xfd00_0000_0000_0000L | ((long) k << 16));
      f[AclFields.SRC_LO] = AclFields.unsigned(random.nextLong());
      f[AclFields.DST_HI] = AclFields.unsigned(0xfd00_0000_0001_0000L);
      f[AclFields.DST_LO] = AclFields.unsigned(k);
    } else {
      f[AclFields.SRC_HI] = Long.MIN_VALUE;
      f[AclFields.SRC_LO] =
          AclFields.unsigned(AclFields.V4_MAPPED | 0x0A00_0000L | ((long) k << 8));
      f[AclFields.DST_HI] = Long.MIN_VALUE;
      f[AclFields.DST_LO] = AclFields.unsigned(AclFields.V4_MAPPED | 0xAC10_0000L | (k & 0xFFFF));
    }
    f[AclFields.PROTOCOL] = k % 3 != 0 ? AclFields.TCP : AclFields.UDP;
    f[AclFields.SRC_PORT] = 30_000 + random.nextInt(30_000);
    f[AclFields.DST_PORT] = hit ? 1000 + (k % 50_000) : 999; // 999: below every rule's ports
    return f;
  }

  private AclKeys nextKeys() {
    AclKeys k = keys[next];
    next = (next + 1) & (SETS - 1);
    return k;
  }

  @Benchmark
  @OperationsPerInvocation(BURST)
  public int tree() {
    tree.classify(nextKeys(), BURST, skip, result);
    return result[BURST - 1];
  }

  /**
   * The data plane's path: the worker's exact-match flow cache, then the tree for misses. The 2,048
   * keys of the sets mostly fit the 4,096 slots, so this is mostly the hit path.
   */
  @Benchmark
  @OperationsPerInvocation(BURST)
  public int cached() {
    cache.classify(acl, nextKeys(), BURST, skip, result);
    return result[BURST - 1];
  }

  @Benchmark
  @OperationsPerInvocation(BURST)
  public int linear() {
    AclKeys k = nextKeys();
    int sum = 0;
    for (int i = 0; i < BURST; i++) {
      sum += linear.classify(k.fullKeys(-1), i * AclFields.COUNT, k.tcpFlags[i]);
    }
    return sum;
  }
}
