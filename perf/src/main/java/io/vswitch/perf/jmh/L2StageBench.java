package io.vswitch.perf.jmh;

import io.vswitch.dataplane.l2.BurstContext;
import io.vswitch.dataplane.l2.Fdb;
import io.vswitch.dataplane.l2.Feature;
import io.vswitch.dataplane.l2.L2Tables;
import io.vswitch.dataplane.l2.PortPolicy;
import io.vswitch.dataplane.l2.Stage;
import io.vswitch.dataplane.l2.StageResources;
import io.vswitch.dataplane.l2.TxBuffer;
import io.vswitch.dataplane.l2.TxSet;
import io.vswitch.dataplane.packet.PacketBatch;
import io.vswitch.dataplane.port.Port;
import io.vswitch.dataplane.port.PortDeviceStats;
import io.vswitch.dataplane.stats.CounterFile;
import io.vswitch.perf.frames.TrafficSpec;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The L2 stages over a burst of 32 real mbufs (64-byte UDP frames from {@code flows} sources), ns
 * per packet: parse, VLAN classify, learn and forward against an FDB of {@code fdbEntries} entries,
 * and the access port's whole compiled feature list ending in a tag push for a trunk (to a learned
 * destination, and to one nobody sent from, which floods). The last two are what the L2 pipeline
 * costs on top of rx/tx (see CrossConnectBench for those), but not what the switch's worker spends
 * per packet: L2AgentBench runs the real agent pass, and perf/README.md ("Where the cycles go")
 * lists what the stage sum leaves out, with numbers.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class L2StageBench extends BurstBenchmark {
  @Param({"1", "32"})
  public int flows;

  @Param({"1000", "1000000"})
  public int fdbEntries;

  private final Arena arena = Arena.ofShared();
  private Path dir;
  private CounterFile counters;
  private BurstContext ctx;
  private io.vswitch.dataplane.stats.CounterSlot accessCounters;
  private Fdb fdb;
  private L2Tables tables;
  private PortPolicy access;
  private TxSet tx;
  private Stage[] stages;
  private Stage[] floodStages;
  private Fdb floodFdb;
  private Feature[] accessFeatures;
  private final io.vswitch.dataplane.worker.PassClock clock =
      io.vswitch.dataplane.worker.PassClock.manual(1_000_000_000L);

  @Override
  protected List<byte[]> frames() {
    return new TrafficSpec(frameSize, flows, TrafficSpec.Destination.UNICAST).frames();
  }

  @Setup(Level.Trial)
  public void setUpStages() throws IOException {
    dir = Files.createTempDirectory("l2bench");
    counters = CounterFile.create(dir.resolve("counters"), 1, List.of("access", "trunk"));
    ctx = new BurstContext(batch(), arena);
    accessCounters = counters.slot(0, 0);
    access = PortPolicy.access(0, 10).build();
    tables = new L2Tables(List.of(access, PortPolicy.trunk(1, 10, 20).build()));
    fdb = new Fdb(Math.max(fdbEntries, 1024), 300);
    for (long mac = 0; mac < fdbEntries; mac++) {
      fdb.learn(Fdb.key(10, 0x0600_0000_0000L | mac), 1, 1);
    }
    fdb.learn(Fdb.key(10, TrafficSpec.SINK_MAC), 1, 1); // the frames' destination: on the trunk
    stages =
        Feature.instantiate(new StageResources(0, fdb, BenchEal.pool().segment(), 1_000_000_000L));
    // the end-to-end bench's case: the destination is never learned, so every frame floods
    floodFdb = new Fdb(Math.max(fdbEntries, 1024), 300);
    for (long mac = 0; mac < fdbEntries; mac++) {
      floodFdb.learn(Fdb.key(10, 0x0600_0000_0000L | mac), 1, 1);
    }
    floodStages =
        Feature.instantiate(
            new StageResources(0, floodFdb, BenchEal.pool().segment(), 1_000_000_000L));
    accessFeatures = tables.features(0);
    tx =
        new TxSet(
            new TxBuffer[] {null, new TxBuffer(new DiscardPort(1), 0, counters.slot(0, 1), arena)},
            TxSet.DRAIN_EVERY_PASS);
    tx.adopt(tables, 1_000_000_000L, 0);
  }

  @TearDown(Level.Trial)
  public void tearDownStages() throws IOException {
    fdb.close();
    floodFdb.close();
    counters.close();
    Files.deleteIfExists(dir.resolve("counters"));
    Files.deleteIfExists(dir);
  }

  private BurstContext begin() {
    ctx.begin(tables, access, 0, batch().count(), accessCounters, tx, clock);
    return ctx;
  }

  private void run(Feature... features) {
    for (Feature f : features) {
      stages[f.ordinal()].run(ctx);
    }
  }

  @Benchmark
  @OperationsPerInvocation(BURST)
  public int parse() {
    begin();
    run(Feature.PARSE);
    return ctx.count();
  }

  @Benchmark
  @OperationsPerInvocation(BURST)
  public int parseAndClassify() {
    begin();
    run(Feature.PARSE, Feature.VLAN_CLASSIFY);
    return ctx.vlan[0];
  }

  @Benchmark
  @OperationsPerInvocation(BURST)
  public int parseClassifyLearn() {
    begin();
    run(Feature.PARSE, Feature.VLAN_CLASSIFY, Feature.LEARN);
    return ctx.vlan[0];
  }

  @Benchmark
  @OperationsPerInvocation(BURST)
  public int parseClassifyForward() {
    begin();
    run(Feature.PARSE, Feature.VLAN_CLASSIFY, Feature.FORWARD);
    return ctx.egress[0];
  }

  /** The access port's compiled feature list, rx/tx aside: it ends in a tag push for the trunk. */
  @Benchmark
  @OperationsPerInvocation(BURST)
  public int pipelineWithTagPush() {
    begin();
    run(accessFeatures);
    tx.flush();
    restoreBurst();
    return ctx.egress[0];
  }

  /**
   * The same pipeline for a destination nobody sent from (scripts/bench.sh's l2 rows: "unicast"
   * traffic is unknown unicast), so egress floods it to the VLAN's other member, the trunk.
   */
  @Benchmark
  @OperationsPerInvocation(BURST)
  public int pipelineFlooded() {
    begin();
    for (Feature f : accessFeatures) {
      floodStages[f.ordinal()].run(ctx);
    }
    tx.flush();
    restoreBurst();
    return ctx.egress[0];
  }

  /** FDB lookups alone: 32 known keys, spread over the table when it is large. */
  @Benchmark
  @OperationsPerInvocation(BURST)
  public int fdbLookup() {
    int acc = 0;
    long stride = Math.max(1, fdbEntries / BURST);
    for (int i = 0; i < BURST; i++) {
      acc += fdb.lookup(Fdb.key(10, 0x0600_0000_0000L | (i * stride)), 2);
    }
    return acc;
  }

  /** Takes what it is sent and does nothing with it, so the burst can be replayed. */
  private record DiscardPort(int index) implements Port {
    public String name() {
      return "discard";
    }

    public int rxQueueCount() {
      return 1;
    }

    public int txQueueCount() {
      return 1;
    }

    public int receive(int queue, PacketBatch batch) {
      return 0;
    }

    public int transmit(int queue, PacketBatch batch) {
      int n = batch.count();
      batch.clear();
      return n;
    }

    public void start() {}

    public void stop() {}

    public PortDeviceStats deviceStats() {
      return new PortDeviceStats(0, 0, 0, 0, 0, 0);
    }

    public void close() {}
  }
}
