package io.vswitch.perf.jmh;

import io.vswitch.dataplane.conntrack.ConntrackTable;
import io.vswitch.dataplane.conntrack.CtPacket;
import io.vswitch.dataplane.conntrack.CtResult;
import io.vswitch.dataplane.conntrack.CtTimeouts;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Conntrack per packet, no DPDK: {@link Established} tracks packets of 1M (and, for comparison,
 * 16K) established connections (TCP ACKs in both directions, each a window check and a commit, in a
 * random order so nearly every lookup misses the CPU caches, as on a busy switch); {@link
 * NewConnections} is the rate of new connections (a SYN tracked, then committed) into an empty
 * table of 1M, per connection.
 */
public class ConntrackBench {
  static final int CONNECTIONS = 1 << 20;
  static final int BURST = 32;
  static final int ZONE = 1;

  static String host(int i) {
    return "10." + ((i >> 16) & 0xFF) + "." + ((i >> 8) & 0xFF) + "." + (i & 0xFF);
  }

  /** The low half of host(i)'s mapped address, without parsing a literal per packet. */
  static long mapped(int i) {
    return 0x0000_FFFF_0A00_0000L | (i & 0xFF_FFFF);
  }

  @State(Scope.Benchmark)
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  @Warmup(iterations = 2, time = 1)
  @Measurement(iterations = 3, time = 1)
  @Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
  public static class Established {
    /** 16Ki: the table stays in the CPU caches; 1Mi: the size, DRAM-bound. */
    @Param({"16384", "1048576"})
    public int connections;

    private ConntrackTable table;
    private final CtPacket client = new CtPacket();
    private final CtPacket server = new CtPacket();
    private final CtPacket[] burst = new CtPacket[BURST];
    private int[] order;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
      BenchCore.pinCallingThread();
      table = new ConntrackTable(connections, connections / 4, CtTimeouts.DEFAULTS);
      CtPacket p = new CtPacket();
      for (int i = 0; i < connections; i++) {
        p.tcp(host(i), 40000, "192.168.0.1", 80, CtPacket.SYN, 1000, 0, 65535);
        table.commit(ZONE, 1, p, 10_000);
        p.tcp("192.168.0.1", 80, host(i), 40000, CtPacket.SYN | CtPacket.ACK, 7000, 1001, 65535);
        table.track(ZONE, 1, p, 10_000);
        p.tcp(host(i), 40000, "192.168.0.1", 80, CtPacket.ACK, 1001, 7001, 65535);
        if (CtResult.verdict(table.track(ZONE, 1, p, 10_000)) != CtResult.ESTABLISHED) {
          throw new IllegalStateException("connection " + i + " not established");
        }
      }
      client.tcp("10.0.0.0", 40000, "192.168.0.1", 80, CtPacket.ACK, 1001, 7001, 65535);
      server.tcp("192.168.0.1", 80, "10.0.0.0", 40000, CtPacket.ACK, 7001, 1001, 65535);
      for (int k = 0; k < BURST; k++) {
        burst[k] = new CtPacket();
        if ((k & 1) == 0) {
          burst[k].tcp("10.0.0.0", 40000, "192.168.0.1", 80, CtPacket.ACK, 1001, 7001, 65535);
        } else {
          burst[k].tcp("192.168.0.1", 80, "10.0.0.0", 40000, CtPacket.ACK, 7001, 1001, 65535);
        }
      }
      order = new int[CONNECTIONS];
      SplittableRandom random = new SplittableRandom(42);
      for (int i = 0; i < CONNECTIONS; i++) {
        order[i] = random.nextInt(connections);
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      table.close();
    }

    /**
     * The same burst as the stage would run it: {@link ConntrackTable#prefetch} over all 32 first,
     * then track each, so the burst's cache misses overlap.
     */
    @Benchmark
    @OperationsPerInvocation(BURST)
    public long trackEstablishedBurst() {
      long sum = 0;
      int base = next;
      next += BURST;
      for (int k = 0; k < BURST; k++) {
        CtPacket p = burst[k];
        int i = order[(base + k) & (CONNECTIONS - 1)];
        if ((k & 1) == 0) {
          p.srcLo = mapped(i);
        } else {
          p.dstLo = mapped(i);
        }
        sum += table.prefetch(ZONE, p);
      }
      for (int k = 0; k < BURST; k++) {
        sum += table.track(ZONE, 1, burst[k], 20_000);
      }
      return sum;
    }

    /** A burst of 32 pure ACKs, alternating directions, each of another connection. */
    @Benchmark
    @OperationsPerInvocation(BURST)
    public int trackEstablished() {
      int sum = 0;
      for (int k = 0; k < BURST; k++) {
        int i = order[next++ & (CONNECTIONS - 1)];
        CtPacket p;
        if ((k & 1) == 0) {
          p = client;
          p.srcLo = mapped(i);
        } else {
          p = server;
          p.dstLo = mapped(i);
        }
        sum += table.track(ZONE, 1, p, 20_000);
      }
      return sum;
    }
  }

  @State(Scope.Benchmark)
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  @Warmup(iterations = 3, batchSize = 1)
  @Measurement(iterations = 5, batchSize = 1)
  @Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
  public static class NewConnections {
    static final int PER_INVOCATION = 500_000;

    private ConntrackTable table;
    private final CtPacket p = new CtPacket();
    private int round;

    @Setup(Level.Trial)
    public void setUp() {
      BenchCore.pinCallingThread();
      table = new ConntrackTable(CONNECTIONS, CONNECTIONS, CtTimeouts.DEFAULTS);
      p.tcp("10.0.0.0", 40000, "192.168.0.1", 80, CtPacket.SYN, 1000, 0, 65535);
    }

    /** Each invocation starts from an empty table (not timed). */
    @Setup(Level.Invocation)
    public void empty() {
      table.flushAll();
      table.sweep(Long.MAX_VALUE, 10_000);
      round++;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      table.close();
    }

    /** 500,000 SYNs of new connections, each tracked (NEW) then committed; per connection. */
    @Benchmark
    @OperationsPerInvocation(PER_INVOCATION)
    public int trackAndCommitSyn() {
      int sum = 0;
      p.srcPort = 1024 + (round & 0x3FFF);
      for (int i = 0; i < PER_INVOCATION; i++) {
        p.srcLo = mapped(i);
        int r = table.track(ZONE, 1, p, 10_000);
        if (CtResult.entry(r) < 0) {
          r = table.commit(ZONE, 1, p, 10_000);
        }
        sum += r;
      }
      if (table.size() != PER_INVOCATION) {
        throw new IllegalStateException("committed " + table.size());
      }
      return sum;
    }
  }
}
