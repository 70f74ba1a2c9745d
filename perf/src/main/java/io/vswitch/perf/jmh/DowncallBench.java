package io.vswitch.perf.jmh;

import io.vswitch.ffm.Eal;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The price of one downcall into the shim: rdtsc (linked critical, no thread-state transition) and
 * lcore id. The per-burst budget of a design is downcalls x this.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class DowncallBench {
  @Setup(Level.Trial)
  public void setUp() {
    BenchEal.registerThread();
  }

  @Benchmark
  public long rdtsc() {
    return Eal.rdtsc();
  }

  @Benchmark
  public int lcoreId() {
    return Eal.lcoreId();
  }

  @Benchmark
  public long nanoTime() {
    return System.nanoTime();
  }
}
