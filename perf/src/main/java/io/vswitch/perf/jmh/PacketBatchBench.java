package io.vswitch.perf.jmh;

import io.vswitch.dataplane.packet.PacketBatch;
import io.vswitch.ffm.Mbuf;
import io.vswitch.ffm.NativeMemory;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Reading mbufs and frames in place, per packet of a 32-packet burst: what every stage pays before
 * it does its own work. Lower bounds for parse, FDB and VLAN stages.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class PacketBatchBench extends BurstBenchmark {

  /** pkt_len of every mbuf: one load from the pointer array and one from the mbuf. */
  @Benchmark
  @OperationsPerInvocation(BURST)
  public long frameLengths() {
    return batch().totalBytes();
  }

  /** buf_addr + data_off, then the destination MAC (6 bytes as a long and a short). */
  @Benchmark
  @OperationsPerInvocation(BURST)
  public long readDestinationMac() {
    PacketBatch b = batch();
    long acc = 0;
    for (int i = 0; i < b.count(); i++) {
      long frame = b.frameAddress(i);
      acc ^= (NativeMemory.getInt(frame) & 0xFFFF_FFFFL) << 16 | NativeMemory.getShortBE(frame + 4);
    }
    return acc;
  }

  /** The ethertype and the IPv4 destination: what an L2/L3 classifier reads first. */
  @Benchmark
  @OperationsPerInvocation(BURST)
  public long readEthertypeAndIpv4() {
    PacketBatch b = batch();
    long acc = 0;
    for (int i = 0; i < b.count(); i++) {
      long frame = b.frameAddress(i);
      acc += NativeMemory.getShortBE(frame + 12);
      acc ^= NativeMemory.getInt(frame + 30);
    }
    return acc;
  }

  /**
   * The header arithmetic of a VLAN push and pop (data_off, data_len, pkt_len), without moving the
   * MACs: the mbuf is back where it started after each packet.
   */
  @Benchmark
  @OperationsPerInvocation(BURST)
  public long prependAndTrim() {
    PacketBatch b = batch();
    long acc = 0;
    for (int i = 0; i < b.count(); i++) {
      long mbuf = b.mbuf(i);
      acc += Mbuf.prepend(mbuf, 4);
      acc += Mbuf.trimHead(mbuf, 4);
    }
    return acc;
  }

  /** A full 802.1Q push (MACs moved, TPID/TCI written) then pop, per packet. */
  @Benchmark
  @OperationsPerInvocation(BURST)
  public long vlanPushPop() {
    PacketBatch b = batch();
    long acc = 0;
    for (int i = 0; i < b.count(); i++) {
      long mbuf = b.mbuf(i);
      long frame = Mbuf.prepend(mbuf, 4);
      NativeMemory.copy(frame + 4, frame, 12);
      NativeMemory.putShortBE(frame + 12, 0x8100);
      NativeMemory.putShortBE(frame + 14, 10);
      acc += NativeMemory.getShortBE(frame + 14);
      NativeMemory.copy(frame, frame + 4, 12);
      Mbuf.trimHead(mbuf, 4);
    }
    return acc;
  }
}
