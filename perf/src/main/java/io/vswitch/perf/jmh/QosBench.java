package io.vswitch.perf.jmh;

import io.vswitch.dataplane.packet.PacketBatch;
import io.vswitch.dataplane.qos.Policer;
import io.vswitch.dataplane.qos.PolicerSpec;
import io.vswitch.dataplane.qos.Shaper;
import io.vswitch.dataplane.qos.ShaperSpec;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Token-bucket cost per packet: a policer (refill once per burst, colour each packet) and a shaper
 * (refill, admit or queue, release). Time advances by a fixed number of TSC ticks per burst (a 2
 * GHz TSC, 64-byte frames at about 30 Mpps) rather than reading the TSC, so the numbers are the
 * arithmetic alone.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class QosBench {
  static final int BURST = PacketBatch.MAX_BURST;
  static final long HZ = 2_000_000_000L;
  static final long TICKS_PER_BURST = 2_000; // 1 us per burst of 32

  private Policer srtcm;
  private Policer trtcm;
  private Shaper shaper;
  private long now;

  @Setup(Level.Trial)
  public void setUp() {
    BenchCore.pinCallingThread();
    srtcm =
        new Policer(
            new PolicerSpec(PolicerSpec.Type.SRTCM, 1_000_000_000, 1 << 20, 0, 1 << 20, true, -1),
            HZ,
            0);
    trtcm =
        new Policer(
            new PolicerSpec(
                PolicerSpec.Type.TRTCM, 500_000_000, 1 << 20, 1_000_000_000, 1 << 20, true, -1),
            HZ,
            0);
    shaper = new Shaper(new ShaperSpec(1_000_000_000, 2_000_000_000, 1 << 20, 1024), HZ, 0);
  }

  @Benchmark
  @OperationsPerInvocation(BURST)
  public int srtcm() {
    return police(srtcm);
  }

  @Benchmark
  @OperationsPerInvocation(BURST)
  public int trtcm() {
    return police(trtcm);
  }

  private int police(Policer p) {
    now += TICKS_PER_BURST;
    p.refill(now);
    int red = 0;
    for (int i = 0; i < BURST; i++) {
      red += p.color(60) == Policer.RED ? 1 : 0;
    }
    return red;
  }

  /** A burst offered to a shaper at 30 Mpps * 64 B (~15 Gbit/s) against 8 Gbit/s: it queues. */
  @Benchmark
  @OperationsPerInvocation(BURST)
  public int shaper() {
    now += TICKS_PER_BURST;
    shaper.refill(now);
    int sent = 0;
    while (shaper.headConforms()) {
      shaper.dequeue();
      sent++;
    }
    for (int i = 0; i < BURST; i++) {
      if (shaper.admit(60)) {
        sent++;
      } else {
        shaper.enqueue(i, 60, false);
      }
    }
    return sent;
  }
}
