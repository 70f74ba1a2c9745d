package io.vswitch.perf.jmh;

import io.vswitch.dataplane.packet.PacketBatch;
import io.vswitch.ffm.Mbuf;
import io.vswitch.ffm.Mempool;
import io.vswitch.ffm.NativeMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * A full burst of real mbufs from a DPDK pool holding given frames, for benchmarks of one stage:
 * the stage runs over {@link #batch()} again and again. A stage that changes the frames (a VLAN
 * push or pop, a MAC rewrite) calls {@link #restore()} to put the original bytes, offset and length
 * back: one memcpy per mbuf, cheap next to a 32-packet stage, and the same in every run.
 */
public final class MbufBurst implements AutoCloseable {
  private final Arena arena = Arena.ofConfined();
  private final PacketBatch batch = new PacketBatch(arena);
  private final long[] mbufs = new long[PacketBatch.MAX_BURST];
  private final int[] lengths = new int[PacketBatch.MAX_BURST];
  private final int[] dataOffsets = new int[PacketBatch.MAX_BURST];
  private final MemorySegment originals;
  private final int stride;

  /**
   * Allocates {@link PacketBatch#MAX_BURST} mbufs from {@code pool} and writes {@code frames} into
   * them in turn (frame i % frames.size() into mbuf i).
   */
  public MbufBurst(Mempool pool, List<byte[]> frames) {
    if (frames.isEmpty()) {
      throw new IllegalArgumentException("need at least one frame");
    }
    int n = PacketBatch.MAX_BURST;
    if (!Mbuf.allocBulk(pool.segment(), batch.mbufArray(), n)) {
      arena.close();
      throw new IllegalStateException("cannot allocate " + n + " mbufs from " + pool.name());
    }
    batch.setCount(n);
    stride = frames.stream().mapToInt(f -> f.length).max().orElseThrow();
    originals = arena.allocate((long) stride * n);
    for (int i = 0; i < n; i++) {
      byte[] frame = frames.get(i % frames.size());
      long mbuf = batch.mbuf(i);
      mbufs[i] = mbuf;
      Mbuf.setLength(mbuf, frame.length);
      lengths[i] = frame.length;
      dataOffsets[i] = Mbuf.dataOffset(mbuf);
      MemorySegment.copy(
          frame, 0, originals, ValueLayout.JAVA_BYTE, (long) stride * i, frame.length);
      MemorySegment.copy(
          frame, 0, NativeMemory.ALL, ValueLayout.JAVA_BYTE, Mbuf.dataAddress(mbuf), frame.length);
    }
  }

  /** The burst: {@link PacketBatch#MAX_BURST} mbufs, count set. */
  public PacketBatch batch() {
    return batch;
  }

  public int size() {
    return mbufs.length;
  }

  /** Puts every mbuf back in the batch and its frame, offset and length as first written. */
  public void restore() {
    for (int i = 0; i < mbufs.length; i++) {
      long mbuf = mbufs[i];
      batch.mbufArray().setAtIndex(ValueLayout.JAVA_LONG, i, mbuf);
      int delta = dataOffsets[i] - Mbuf.dataOffset(mbuf);
      if (delta > 0) {
        Mbuf.trimHead(mbuf, delta);
      } else if (delta < 0) {
        Mbuf.prepend(mbuf, -delta);
      }
      Mbuf.setLength(mbuf, lengths[i]);
      MemorySegment.copy(
          originals, (long) stride * i, NativeMemory.ALL, Mbuf.dataAddress(mbuf), lengths[i]);
    }
    batch.setCount(mbufs.length);
  }

  /** Frees the mbufs (whatever the batch holds now is assumed to be these). */
  @Override
  public void close() {
    batch.mbufArray().copyFrom(MemorySegment.ofArray(mbufs));
    batch.setCount(mbufs.length);
    batch.freeAll();
    arena.close();
  }
}
