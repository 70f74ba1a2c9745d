package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.l2.tap.TraceStep;
import io.vswitch.dataplane.stats.CounterFile;
import io.vswitch.dataplane.stats.CounterSlot;
import io.vswitch.dataplane.testing.TestMbufs;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A burst context loaded with frames, as the L2 agent would have it after rx, and one worker's
 * stages to run over it: a test names the features it runs, as a port's compiled list would.
 */
final class StageFixture implements AutoCloseable {
  /** The TSC frequency the fixture's stages (policers, shapers) count in. */
  static final long HZ = 1_000_000_000L;

  final Arena arena = Arena.ofShared();
  final BurstContext ctx = new BurstContext(arena);
  final CounterFile counters;
  final CounterSlot slot;
  final Path dir;

  /** The FDB the learn and forward stages use; set it before the first run that needs it. */
  Fdb fdb;

  /** FDB time and TSC time of the runs. */
  long seconds = 1;

  long tsc;

  /** The conntrack table the conntrack stages use; set it before the first run that needs it. */
  io.vswitch.dataplane.conntrack.ConntrackTable conntrack;

  private Stage[] stages;

  /**
   * The burst went through TRANSMIT: its frames belong to the ports (or were freed as refused), so
   * {@link #releaseBurst} must not free them again. A second free put an mbuf in the pool twice,
   * and a later test got one mbuf for two frames of a burst (found by FlowCacheTest).
   */
  private boolean transmitted;

  private Fdb stagesFdb;
  private io.vswitch.dataplane.conntrack.ConntrackTable stagesConntrack;

  /** Heap mbufs instead of DPDK's: no EAL, and nothing may copy, free or transmit them. */
  private final io.vswitch.dataplane.testing.HeapMbufs heap;

  StageFixture(int ports) {
    this(ports, false);
  }

  /**
   * A fixture whose frames are {@link io.vswitch.dataplane.testing.HeapMbufs}: stage logic tested
   * without DPDK (no EAL is started). Only stages that neither copy, free nor transmit run on it:
   * parse to forward.
   */
  static StageFixture withoutDpdk(int ports) {
    return new StageFixture(ports, true);
  }

  private StageFixture(int ports, boolean onHeap) {
    this.heap = onHeap ? new io.vswitch.dataplane.testing.HeapMbufs() : null;
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
    if (heap != null) {
      ctx.dropped.clear(); // heap mbufs are never freed: the arena goes with the fixture
      heap.fill(ctx.batch(), frames);
    } else {
      ctx.freeDropped();
      TestMbufs.fill(ctx.batch(), frames);
    }
    ctx.begin(port, frames.size(), counters.slot(0, port));
    transmitted = false;
    new ParseStage().run(ctx);
    return ctx;
  }

  /** This fixture's stage of {@code feature} (one worker's). */
  Stage stage(Feature feature) {
    if (stages == null || stagesFdb != fdb || stagesConntrack != conntrack) {
      stages =
          Feature.instantiate(
              new StageResources(0, fdb, TestMbufs.pool().segment(), HZ, conntrack));
      stagesFdb = fdb;
      stagesConntrack = conntrack;
    }
    return stages[feature.ordinal()];
  }

  /** Runs {@code features} over the burst, with {@code port} as its port (alone in its tables). */
  void run(PortPolicy port, Feature... features) {
    PortPolicy[] byIndex = new PortPolicy[port.index() + 1];
    byIndex[port.index()] = port;
    run(new L2Tables(byIndex), port, new TxBuffer[0], features);
  }

  /** Runs {@code features} over the burst, its port's policy taken from {@code tables}. */
  void run(L2Tables tables, Feature... features) {
    run(tables, tables.port(ctx.ingressPort()), new TxBuffer[0], features);
  }

  /** Runs {@code features}, sending through {@code tx} (flushed after). */
  void run(L2Tables tables, TxBuffer[] tx, Feature... features) {
    run(tables, tables.port(ctx.ingressPort()), tx, features);
  }

  private void run(L2Tables tables, PortPolicy port, TxBuffer[] tx, Feature... features) {
    TxSet set = new TxSet(tx, TxSet.DRAIN_EVERY_PASS);
    set.adopt(tables, HZ, tsc);
    ctx.use(tables, port, set, tsc, seconds);
    io.vswitch.dataplane.worker.RxQueue[] queues = {
      new io.vswitch.dataplane.worker.RxQueue(new EgressStageTest.CapturePort(ctx.ingressPort()), 0)
    };
    for (Feature f : features) {
      stage(f).adopt(tables, queues, tsc);
      stage(f).run(ctx);
      transmitted |= f == Feature.TRANSMIT;
    }
    set.flush();
  }

  /**
   * Runs {@code features} over the burst as the agent does, through a transmit set the caller keeps
   * from burst to burst (the flow cache's decisions hold only while it stays the same); the caller
   * flushes it. Call {@link #adopt} first whenever the tables change.
   */
  void runThrough(L2Tables tables, TxSet set, Feature... features) {
    ctx.use(tables, tables.port(ctx.ingressPort()), set, tsc, seconds);
    for (Feature f : features) {
      stage(f).run(ctx);
      transmitted |= f == Feature.TRANSMIT;
    }
  }

  /** New tables reach the fixture's stages, as between two passes of the agent. */
  void adopt(L2Tables tables) {
    io.vswitch.dataplane.worker.RxQueue[] queues = {
      new io.vswitch.dataplane.worker.RxQueue(new EgressStageTest.CapturePort(0), 0)
    };
    for (Feature f : Feature.values()) {
      stage(f).adopt(tables, queues, tsc);
    }
  }

  /**
   * Runs {@code features} as a traced port's pipeline would: the trace's first stage, the step
   * after the parse (which {@link #received} already ran), each feature with its step, and the
   * trace's last stage, which publishes the records. The tables must carry the trace.
   */
  void runTraced(L2Tables tables, Feature... features) {
    Stage[] steps = TraceStep.all();
    run(tables, Feature.TRACE_IN);
    steps[Feature.PARSE.ordinal()].run(ctx);
    for (Feature f : features) {
      run(tables, f);
      steps[f.ordinal()].run(ctx);
    }
    run(tables, Feature.TRACE_OUT);
  }

  /**
   * The egress half of the pipeline for a burst whose {@link BurstContext#egress} the test set by
   * hand (a port or FLOOD): the egress sets the forward stage would give, then filter, ACL keys and
   * egress ACLs (when the tables have ACLs), replicate, rewrite and transmit; the dropped frames
   * freed, the buffers flushed.
   */
  void egress(L2Tables tables, TxBuffer[] tx) {
    ctx.use(tables, tables.port(ctx.ingressPort()), null, tsc, seconds);
    aimAsSet();
    java.util.List<Feature> features = new java.util.ArrayList<>();
    features.add(Feature.EGRESS_FILTER);
    if (tables.hasAcls()) {
      features.add(Feature.ACL_KEYS);
      features.add(Feature.ACL_OUT);
    }
    features.addAll(java.util.List.of(Feature.REPLICATE, Feature.EGRESS_REWRITE, Feature.TRANSMIT));
    run(tables, tx, features.toArray(Feature[]::new));
    ctx.freeDropped();
  }

  /** Only the egress ACLs, for a burst whose egress the test set by hand (keys extracted). */
  void egressAcls(L2Tables tables) {
    ctx.use(tables, tables.port(ctx.ingressPort()), null, tsc, seconds);
    aimAsSet();
    run(tables, Feature.ACL_OUT);
  }

  private void aimAsSet() {
    for (int i = 0; i < ctx.count(); i++) {
      if (!ctx.isDropped(i)) {
        ForwardStage.aim(ctx, i, ctx.egress[i], ~(1L << ctx.ingressPort()));
      }
    }
  }

  /** Frees every mbuf of the burst that was not dropped, and the dropped ones. */
  void releaseBurst() {
    if (heap != null) {
      ctx.dropped.clear();
      ctx.batch().clear();
      return;
    }
    for (int i = 0; i < (transmitted ? 0 : ctx.count()); i++) {
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
    try {
      Files.deleteIfExists(dir); // empty once the counter file is gone
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    arena.close();
    if (heap != null) {
      heap.close();
    }
  }
}
