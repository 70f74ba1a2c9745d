package io.vswitch.perf.jmh;

import io.vswitch.dataplane.packet.PacketBatch;
import io.vswitch.perf.frames.Frames;
import io.vswitch.perf.frames.TrafficSpec;
import java.util.List;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Base class of per-stage benchmarks: a burst of 32 real mbufs from a DPDK pool, holding frames of
 * {@link #frameSize} bytes, on a thread registered with DPDK. A stage benchmark extends it and runs
 * its stage over {@link #batch()}, with {@code @OperationsPerInvocation(BURST)} so JMH reports time
 * per packet:
 *
 * <pre>{@code
 * public class ParseBench extends BurstBenchmark {
 *   @Benchmark
 *   @OperationsPerInvocation(BURST)
 *   public int parse() {
 *     int sum = 0;
 *     for (int i = 0; i < batch().count(); i++) sum += Parser.parse(batch().mbuf(i));
 *     return sum;
 *   }
 * }
 * }</pre>
 *
 * Override {@link #frames()} for other traffic (VLAN tags, many flows); a stage that changes the
 * frames calls {@link #restoreBurst()} (or use {@code @Setup(Level.Invocation)} only if the stage
 * is far slower than a restore).
 */
@State(Scope.Thread)
public abstract class BurstBenchmark {
  public static final int BURST = PacketBatch.MAX_BURST;

  /** Frame size on the wire, FCS included (the mbuf holds 4 bytes fewer). */
  @Param({"64"})
  public int frameSize;

  private MbufBurst burst;

  @Setup(Level.Trial)
  public void setUpBurst() {
    BenchEal.registerThread();
    burst = new MbufBurst(BenchEal.pool(), frames());
  }

  @TearDown(Level.Trial)
  public void tearDownBurst() {
    if (burst != null) {
      burst.close();
    }
  }

  /** The frames of the burst, repeated to fill 32 mbufs: by default 32 flows of UDP. */
  protected List<byte[]> frames() {
    return new TrafficSpec(frameSize, BURST, TrafficSpec.Destination.UNICAST).frames();
  }

  protected final PacketBatch batch() {
    return burst.batch();
  }

  protected final MbufBurst burst() {
    return burst;
  }

  /** Restores frames, offsets and lengths changed by a stage (see {@link MbufBurst#restore}). */
  protected final void restoreBurst() {
    burst.restore();
  }

  /** Bytes before the UDP payload in the default frames. */
  protected static int payloadOffset() {
    return Frames.PAYLOAD_OFFSET;
  }
}
