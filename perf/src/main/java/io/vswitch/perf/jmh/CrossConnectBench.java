package io.vswitch.perf.jmh;

import io.vswitch.dataplane.packet.PacketBatch;
import io.vswitch.dataplane.port.DpdkPort;
import io.vswitch.dataplane.port.Port;
import io.vswitch.dataplane.port.PortSpec;
import io.vswitch.dataplane.stats.CounterFile;
import io.vswitch.dataplane.worker.RxQueue;
import io.vswitch.dataplane.xconnect.CrossConnectAgent;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A whole cross-connect pass, per packet: rx burst from the generator port, the agent's counting,
 * tx burst into a net_null no-rx port (which frees them). {@link #rxTxOnly} is the same without the
 * agent: the difference is what the switch's Java adds to the two downcalls. {@code generator}
 * picks the generator: {@code null} is net_null (allocates 32 mbufs of {@code size} bytes and
 * writes nothing into them, the cheapest rx there is); {@code pcap} is the end-to-end bench's own
 * generator, net_pcap replaying a 64-byte frame forever (allocates and copies each frame), so that
 * this bench and scripts/bench.sh's xconnect row measure the same work.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class CrossConnectBench {
  @Param({"60"})
  public int size;

  @Param({"null", "pcap"})
  public String generator;

  private DpdkPort source;
  private DpdkPort sink;
  private Path counterPath;
  private CounterFile counters;
  private CrossConnectAgent agent;
  private final io.vswitch.dataplane.worker.PassClock clock =
      io.vswitch.dataplane.worker.PassClock.manual(1_000_000_000L);
  private Arena arena;
  private PacketBatch batch;
  private Path captureDir;
  private static int instances;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    BenchEal.registerThread();
    int n = instances++; // device names must differ within the fork
    String devargs;
    if (generator.equals("pcap")) {
      captureDir = Files.createTempDirectory("vswitch-jmh-xc-");
      Path capture =
          new TrafficSpec(size + 4, 1, TrafficSpec.Destination.UNICAST).writeUnder(captureDir);
      devargs = "net_pcap" + n + ",rx_pcap=" + capture + ",infinite_rx=1";
    } else {
      devargs = "net_null" + (2 * n) + ",size=" + size;
    }
    source = DpdkPort.open(PortSpec.of("src", devargs), 0, 1, BenchEal.pool());
    sink =
        DpdkPort.open(
            PortSpec.of("sink", "net_null" + (2 * n + 1) + ",no-rx=1"), 1, 1, BenchEal.pool());
    source.start();
    sink.start();
    counterPath = Files.createTempFile(Path.of("/dev/shm"), "vswitch-jmh-", ".counters");
    counters = CounterFile.create(counterPath, 1, List.of("src", "sink"));
    agent =
        new CrossConnectAgent(
            0, List.of(new RxQueue(source, 0)), List.<Port>of(sink, source), counters);
    arena = Arena.ofConfined();
    batch = new PacketBatch(arena);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    agent.onClose();
    source.close();
    sink.close();
    counters.close();
    counters.delete();
    arena.close();
    if (captureDir != null) {
      try (var files = Files.list(captureDir)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          Files.deleteIfExists(f);
        }
      }
      Files.deleteIfExists(captureDir);
    }
  }

  @Benchmark
  @OperationsPerInvocation(PacketBatch.MAX_BURST)
  public int crossConnect() {
    return agent.doWork(clock);
  }

  @Benchmark
  @OperationsPerInvocation(PacketBatch.MAX_BURST)
  public int rxTxOnly() {
    source.receive(0, batch);
    return sink.transmit(0, batch);
  }
}
