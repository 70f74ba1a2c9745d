package io.vswitch.perf.jmh;

import io.vswitch.dataplane.stats.CounterFile;
import io.vswitch.dataplane.stats.CounterSlot;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.stats.PortCounter;
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
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Counter increments in the shared, memory-mapped counter file, as a worker does them once per
 * burst (rx packets and bytes) and per drop reason. No DPDK needed.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class CounterSlotBench {
  private Path file;
  private CounterFile counters;
  private CounterSlot slot;
  private long delta = 32;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    BenchCore.pinCallingThread();
    file = Files.createTempFile(Path.of("/dev/shm"), "vswitch-jmh-", ".counters");
    counters = CounterFile.create(file, 1, List.of("a", "b"));
    slot = counters.slot(0, 1);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    counters.close();
    counters.delete();
  }

  @Benchmark
  public void addOne() {
    slot.add(PortCounter.RX_PACKETS, delta);
  }

  /** What a worker does per burst received: packets and bytes. */
  @Benchmark
  public void addPacketsAndBytes() {
    slot.add(PortCounter.RX_PACKETS, delta);
    slot.add(PortCounter.RX_BYTES, delta * 60);
  }

  @Benchmark
  public void addDrop() {
    slot.addDrop(DropReason.TX_QUEUE_FULL, delta);
  }

  /** A reader's view: one counter summed over the workers. */
  @Benchmark
  public long readSum() {
    return counters.sum(1, PortCounter.RX_PACKETS);
  }
}
