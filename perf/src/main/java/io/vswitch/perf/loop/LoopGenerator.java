package io.vswitch.perf.loop;

import io.vswitch.dataplane.packet.PacketBatch;
import io.vswitch.dataplane.port.DpdkPort;
import io.vswitch.dataplane.port.PortSpec;
import io.vswitch.ffm.Eal;
import io.vswitch.ffm.Mbuf;
import io.vswitch.ffm.Mempool;
import io.vswitch.ffm.NativeMemory;
import io.vswitch.perf.frames.Frames;
import io.vswitch.perf.frames.TrafficSpec;
import io.vswitch.perf.loop.tail.TailCapture;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.HdrHistogram.Histogram;

/**
 * A traffic generator and receiver in one pinned thread, on two DPDK ports of its own (normally
 * virtio-user peers of the switch's vhost-user ports): frames go out on {@code tx}, through the
 * switch, and come back on {@code rx}. Each frame carries the TSC at send, a magic and the trial
 * number in its UDP payload; the receiver records (now - sent) in an HdrHistogram in nanoseconds.
 *
 * <p>Runs on the calling thread, which must be pinned and registered with DPDK (see {@link
 * #prepareThread}).
 */
public final class LoopGenerator implements AutoCloseable {
  /** Where the stamp goes: after Ethernet, IPv4 and UDP headers; fits a 64-byte frame. */
  static final int STAMP_OFFSET = Frames.PAYLOAD_OFFSET;

  private static final int MAGIC = 0x56535754; // "VSWT"

  private final DpdkPort tx;
  private final DpdkPort rx;
  private final Mempool pool;
  private final Arena arena = Arena.ofConfined();
  private final PacketBatch out = new PacketBatch(arena);
  private final PacketBatch in = new PacketBatch(arena);
  private final double ticksPerNano;
  private int trialId;
  private TailCapture capture;

  /** One trial's counts. */
  public record Trial(
      long offered, long sent, long received, long foreign, long elapsedNanos, double rateAsked) {
    /** Frames sent and not received, as a fraction of those sent. */
    public double lossRatio() {
      return sent == 0 ? 0 : Math.max(0, sent - received) / (double) sent;
    }

    /** Frames the switch delivered per second, in millions. */
    public double receivedMpps() {
      return elapsedNanos == 0 ? 0 : received * 1e3 / elapsedNanos;
    }

    public double sentMpps() {
      return elapsedNanos == 0 ? 0 : sent * 1e3 / elapsedNanos;
    }
  }

  public LoopGenerator(String txDevargs, String rxDevargs, Mempool pool) {
    this.pool = pool;
    this.tx = DpdkPort.open(PortSpec.of("loop-tx", txDevargs), 0, 1, pool);
    DpdkPort rxPort;
    try {
      rxPort = DpdkPort.open(PortSpec.of("loop-rx", rxDevargs), 1, 1, pool);
    } catch (RuntimeException e) {
      tx.close();
      throw e;
    }
    this.rx = rxPort;
    tx.start();
    rx.start();
    this.ticksPerNano = Eal.current().tscHz() / 1e9;
  }

  /** Pins the calling thread to {@code core} and registers it with DPDK (mempool cache). */
  public static void prepareThread(int core) {
    if (core >= 0) {
      io.vswitch.ffm.CpuAffinity.pin(core);
    }
    if (Eal.lcoreId() == -1) {
      Eal.registerThread();
    }
  }

  /**
   * Sends {@code frameSize}-byte frames at {@code pps} (≤ 0: as fast as the tx ring takes them) for
   * {@code nanos}, receiving all the while and for {@code drainNanos} after; returns the counts and
   * adds each frame's latency to {@code latencies} (when not null).
   */
  public Trial run(int frameSize, double pps, long nanos, long drainNanos, Histogram latencies) {
    return run(frameSize, pps, nanos, Long.MAX_VALUE, drainNanos, latencies);
  }

  /**
   * As {@link #run(int, double, long, long, Histogram)}, also keeping the slow frames and the
   * generator's own loop gaps in {@code tails} (reset by the caller).
   */
  public Trial run(
      int frameSize,
      double pps,
      long nanos,
      long drainNanos,
      Histogram latencies,
      TailCapture tails) {
    capture = tails;
    try {
      return run(frameSize, pps, nanos, Long.MAX_VALUE, drainNanos, latencies);
    } finally {
      capture = null;
    }
  }

  /** Back-to-back: {@code frames} frames as fast as possible, then the drain. */
  public Trial burst(int frameSize, long frames, long drainNanos) {
    return run(frameSize, 0, Long.MAX_VALUE / 4, frames, drainNanos, null);
  }

  private Trial run(
      int frameSize, double pps, long nanos, long maxFrames, long drainNanos, Histogram latencies) {
    int id = ++trialId;
    byte[] template =
        new TrafficSpec(frameSize, 1, TrafficSpec.Destination.UNICAST).frames().getFirst();
    MemorySegment frame = arena.allocate(template.length);
    frame.copyFrom(MemorySegment.ofArray(template));
    int length = template.length;
    drain(2_000_000L, null, id); // stale frames of a previous trial

    double ticksPerFrame = pps > 0 ? Eal.current().tscHz() / pps : 0;
    long start = Eal.rdtsc();
    long end = start + (long) (nanos * ticksPerNano);
    long offered = 0;
    long sent = 0;
    long received = 0;
    long foreign = 0;
    long now = start;
    while (now < end && sent < maxFrames) {
      long due =
          pps > 0 ? Math.min(maxFrames, (long) ((now - start) / ticksPerFrame) + 1) : maxFrames;
      int want = (int) Math.min(PacketBatch.MAX_BURST, due - sent);
      if (want > 0) {
        int got = fill(want, frame, length, id, now);
        offered += got;
        sent += tx.transmit(0, out);
      }
      long r = receive(latencies, id);
      received += r & 0xFFFF_FFFFL;
      foreign += r >>> 32;
      long next = Eal.rdtsc();
      if (capture != null) {
        capture.pass(now, next);
      }
      now = next;
    }
    long sendEnd = now;
    long r = drain(drainNanos, latencies, id);
    received += r & 0xFFFF_FFFFL;
    foreign += r >>> 32;
    long elapsed = (long) ((sendEnd - start) / ticksPerNano);
    return new Trial(offered, sent, received, foreign, elapsed, pps);
  }

  /** Allocates up to {@code n} mbufs into the out batch, writes frame and stamp; returns count. */
  private int fill(int n, MemorySegment frame, int length, int id, long tsc) {
    if (!Mbuf.allocBulk(pool.segment(), out.mbufArray(), n)) {
      return 0; // pool empty for now: the switch holds them; try again next pass
    }
    out.setCount(n);
    for (int i = 0; i < n; i++) {
      long mbuf = out.mbuf(i);
      long data = Mbuf.dataAddress(mbuf);
      MemorySegment.copy(frame, 0, NativeMemory.ALL, data, length);
      Mbuf.setLength(mbuf, length);
      NativeMemory.putLong(data + STAMP_OFFSET, tsc);
      NativeMemory.putInt(data + STAMP_OFFSET + 8, MAGIC);
      NativeMemory.putInt(data + STAMP_OFFSET + 12, id);
    }
    return n;
  }

  /** Receives one burst; returns received-of-this-trial in the low half, others in the high. */
  private long receive(Histogram latencies, int id) {
    int n = rx.receive(0, in);
    if (n == 0) {
      return 0;
    }
    long now = Eal.rdtsc();
    long mine = 0;
    long others = 0;
    for (int i = 0; i < n; i++) {
      long data = in.frameAddress(i);
      if (in.frameLength(i) >= STAMP_OFFSET + 16
          && NativeMemory.getInt(data + STAMP_OFFSET + 8) == MAGIC
          && NativeMemory.getInt(data + STAMP_OFFSET + 12) == id) {
        mine++;
        if (latencies != null) {
          long stamp = NativeMemory.getLong(data + STAMP_OFFSET);
          latencies.recordValue(Math.max(0, (long) ((now - stamp) / ticksPerNano)));
          if (capture != null) {
            capture.sample(stamp, now);
          }
        }
      } else {
        others++;
      }
    }
    in.freeAll();
    return (others << 32) | mine;
  }

  private long drain(long nanos, Histogram latencies, int id) {
    long now = Eal.rdtsc();
    long end = now + (long) (nanos * ticksPerNano);
    long total = 0;
    while (now < end) {
      total += receive(latencies, id);
      long next = Eal.rdtsc();
      if (capture != null) {
        capture.pass(now, next);
      }
      now = next;
    }
    return total;
  }

  @Override
  public void close() {
    try {
      tx.close();
    } finally {
      rx.close();
      arena.close();
    }
  }
}
