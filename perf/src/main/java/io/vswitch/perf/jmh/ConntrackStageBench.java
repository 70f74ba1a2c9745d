package io.vswitch.perf.jmh;

import io.vswitch.dataplane.acl.Acl;
import io.vswitch.dataplane.acl.AclFields;
import io.vswitch.dataplane.acl.AclRule;
import io.vswitch.dataplane.conntrack.ConntrackTable;
import io.vswitch.dataplane.l2.BurstContext;
import io.vswitch.dataplane.l2.Feature;
import io.vswitch.dataplane.l2.L2Tables;
import io.vswitch.dataplane.l2.PortPolicy;
import io.vswitch.dataplane.l2.Stage;
import io.vswitch.dataplane.l2.StageResources;
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
 * What connection tracking adds to an ACL'd port, ns per packet over a burst of 32 real mbufs
 * (64-byte UDP frames from {@code flows} sources, every flow already in the table): parse, VLAN,
 * ACL keys and ingress ACL with a stateless rule ({@code stateless}), against the same with the
 * conntrack stage, a ct-state rule and the commit step ({@code stateful}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class ConntrackStageBench extends BurstBenchmark {
  @Param({"1", "32"})
  public int flows;

  private final Arena arena = Arena.ofShared();
  private Path dir;
  private CounterFile counters;
  private io.vswitch.dataplane.stats.CounterSlot slot;
  private BurstContext ctx;
  private ConntrackTable table;
  private Stage[] stages;
  private L2Tables statelessTables;
  private L2Tables statefulTables;

  /** Time stands still in the bench: connections neither age nor expire between invocations. */
  private final io.vswitch.dataplane.worker.PassClock clock =
      io.vswitch.dataplane.worker.PassClock.manual(1_000_000_000L);

  @Override
  protected List<byte[]> frames() {
    return new TrafficSpec(frameSize, flows, TrafficSpec.Destination.UNICAST).frames();
  }

  @Setup(Level.Trial)
  public void setUpStages() throws IOException {
    dir = Files.createTempDirectory("ctbench");
    counters = CounterFile.create(dir.resolve("counters"), 1, List.of("access", "other"));
    ctx = new BurstContext(batch(), arena);
    slot = counters.slot(0, 0);
    table = new ConntrackTable(1 << 20);
    stages =
        Feature.instantiate(
            new StageResources(0, null, BenchEal.pool().segment(), 1_000_000_000L, table));
    Acl stateless =
        new Acl(
            "udp", List.of(AclRule.builder(10, true).protocol(AclFields.UDP).build()), false, 1);
    Acl stateful =
        new Acl(
            "ct",
            List.of(
                AclRule.builder(10, true)
                    .ctStates(AclFields.CT_ESTABLISHED | AclFields.CT_RELATED)
                    .build(),
                AclRule.builder(20, true)
                    .ctStates(AclFields.CT_NEW)
                    .protocol(AclFields.UDP)
                    .build()),
            false,
            1);
    statelessTables = tables(stateless);
    statefulTables = tables(stateful);
    stateful(); // the flows' connections are in the table from here on
  }

  private static L2Tables tables(Acl acl) {
    return new L2Tables(
        List.of(
            PortPolicy.access(0, 10).acls(acl, null).build(), PortPolicy.access(1, 10).build()));
  }

  @TearDown(Level.Trial)
  public void tearDownStages() throws IOException {
    table.close();
    counters.close();
    Files.deleteIfExists(dir.resolve("counters"));
    Files.deleteIfExists(dir);
  }

  private void run(L2Tables tables, Feature... features) {
    ctx.begin(tables, tables.port(0), 0, batch().count(), slot, null, clock);
    for (Feature f : features) {
      stages[f.ordinal()].run(ctx);
    }
  }

  @Benchmark
  @OperationsPerInvocation(BURST)
  public int stateless() {
    run(statelessTables, Feature.PARSE, Feature.VLAN_CLASSIFY, Feature.ACL_KEYS, Feature.ACL_IN);
    return ctx.aclRule[0];
  }

  @Benchmark
  @OperationsPerInvocation(BURST)
  public int stateful() {
    run(
        statefulTables,
        Feature.PARSE,
        Feature.VLAN_CLASSIFY,
        Feature.ACL_KEYS,
        Feature.CONNTRACK,
        Feature.ACL_IN,
        Feature.CT_COMMIT);
    return ctx.aclRule[0] + ctx.ctState[0];
  }
}
