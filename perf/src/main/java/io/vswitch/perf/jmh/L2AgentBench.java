package io.vswitch.perf.jmh;

import io.vswitch.dataplane.l2.Fdb;
import io.vswitch.dataplane.l2.L2Agent;
import io.vswitch.dataplane.l2.L2Switch;
import io.vswitch.dataplane.l2.L2Tables;
import io.vswitch.dataplane.l2.PortPolicy;
import io.vswitch.dataplane.port.DpdkPort;
import io.vswitch.dataplane.port.Port;
import io.vswitch.dataplane.port.PortSpec;
import io.vswitch.dataplane.stats.CounterFile;
import io.vswitch.dataplane.worker.RxQueue;
import io.vswitch.perf.frames.TrafficSpec;
import java.io.IOException;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The end-to-end bench's l2-access-trunk rows in JMH: the real L2Agent's pass (rx downcall, every
 * stage, counters, the latency recorder and its clock reads, flood to the trunk with a tag push, tx
 * downcall) over the bench's own generator, a net_pcap port replaying the bench's capture of {@code
 * flows} sources to one unknown unicast MAC (so every frame floods, as in the bench), into a
 * net_null no-rx sink; ns per packet. What L2StageBench's stage sum leaves out is the difference
 * between its pipeline and this (perf/README.md "Where the cycles go").
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class L2AgentBench {
  /** The bench's generator sends 64-byte frames (FCS included). */
  static final int FRAME_SIZE = 64;

  @Param({"1", "4096"})
  public int flows;

  private Path dir;
  private DpdkPort gen;
  private DpdkPort sink;
  private CounterFile counters;
  private L2Switch l2;
  private L2Agent agent;
  private static int instances;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    BenchEal.registerThread();
    int n = instances++; // device names must differ within the fork
    dir = Files.createTempDirectory("vswitch-jmh-l2agent-");
    Path capture =
        new TrafficSpec(FRAME_SIZE, flows, TrafficSpec.Destination.UNICAST).writeUnder(dir);
    gen =
        DpdkPort.open(
            PortSpec.of("gen", "net_pcap" + n + ",rx_pcap=" + capture + ",infinite_rx=1"),
            0,
            1,
            BenchEal.pool());
    sink =
        DpdkPort.open(
            PortSpec.of("sink", "net_null" + (100 + n) + ",no-rx=1"), 1, 1, BenchEal.pool());
    gen.start();
    sink.start();
    counters = CounterFile.create(dir.resolve("counters"), 1, List.of("gen", "sink"));
    // the bench's l2-access-trunk: access vlan 10 -> trunk [10, 20], the default FDB size
    l2 =
        new L2Switch(
            new Fdb(1 << 20, 300),
            new L2Tables(
                List.of(PortPolicy.access(0, 10).build(), PortPolicy.trunk(1, 10, 20).build())));
    agent =
        new L2Agent(
            0,
            List.of(new RxQueue(gen, 0)),
            List.<Port>of(gen, sink),
            counters,
            l2,
            BenchEal.pool().segment());
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    agent.onClose();
    gen.close();
    sink.close();
    l2.close();
    counters.close();
    counters.delete();
    try (var files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.deleteIfExists(f);
      }
    }
    Files.deleteIfExists(dir);
  }

  /** The worker's clock, ticked once per pass as the poll loop does. */
  private io.vswitch.dataplane.worker.PassClock clock;

  /** One pass of the worker's loop: a burst of 32 in, switched, out. */
  @Benchmark
  @OperationsPerInvocation(32)
  public int pass() {
    if (clock == null) {
      clock = io.vswitch.dataplane.worker.PassClock.tsc();
    }
    clock.tick();
    return agent.doWork(clock);
  }
}
