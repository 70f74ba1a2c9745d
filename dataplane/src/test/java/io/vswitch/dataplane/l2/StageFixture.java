package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.stats.CounterFile;
import io.vswitch.dataplane.stats.CounterSlot;
import io.vswitch.dataplane.testing.TestMbufs;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A burst context loaded with frames, as the L2 agent would have it after rx. */
final class StageFixture implements AutoCloseable {
  final Arena arena = Arena.ofShared();
  final BurstContext ctx = new BurstContext(arena);
  final CounterFile counters;
  final CounterSlot slot;
  final Path dir;

  StageFixture(int ports) {
    try {
      dir = Files.createTempDirectory("stage");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    List<String> names = java.util.stream.IntStream.range(0, ports).mapToObj(i -> "p" + i).toList();
    counters = CounterFile.create(dir.resolve("counters"), 1, names);
    slot = counters.slot(0, 0);
  }

  /** Loads frames as a burst received on {@code port} and parses them. */
  BurstContext received(int port, List<byte[]> frames) {
    ctx.freeDropped();
    TestMbufs.fill(ctx.batch(), frames);
    ctx.begin(port, frames.size(), counters.slot(0, port));
    new ParseStage().run(ctx);
    return ctx;
  }

  /** Frees every mbuf of the burst that was not dropped, and the dropped ones. */
  void releaseBurst() {
    for (int i = 0; i < ctx.count(); i++) {
      if (!ctx.isDropped(i)) {
        io.vswitch.ffm.Mbuf.free(ctx.batch().mbuf(i));
      }
    }
    ctx.freeDropped();
    ctx.batch().clear();
  }

  @Override
  public void close() {
    releaseBurst();
    counters.close();
    counters.delete();
    arena.close();
  }
}
