package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.l2.overlay.VxlanDecapStage;
import io.vswitch.dataplane.l2.overlay.VxlanPort;
import io.vswitch.dataplane.l2.tap.TraceStep;
import io.vswitch.dataplane.packet.PacketBatch;
import io.vswitch.dataplane.port.Port;
import io.vswitch.dataplane.stats.CounterFile;
import io.vswitch.dataplane.stats.CounterSlot;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.stats.IntervalRecorder;
import io.vswitch.dataplane.stats.PortCounter;
import io.vswitch.dataplane.worker.PassClock;
import io.vswitch.dataplane.worker.ReplannableAgent;
import io.vswitch.dataplane.worker.RxQueue;
import io.vswitch.ffm.Eal;
import io.vswitch.ffm.Mbuf;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;

/**
 * One worker's L2 switch: each pass polls the receive queues the worker owns, and each burst goes
 * through its port's feature list, compiled in the tables ({@link Feature}: parse, MTU, security,
 * VLAN classify, ACL, mark, police, learn, forward, egress filter, ACL out, replicate, rewrite,
 * transmit). The agent itself only sequences: it reads the tables and its plan once per pass (which
 * is when a published change takes effect), hands new ones to the stages that keep state, and at
 * the end of the pass drains the transmit buffers it used.
 *
 * <p>Time comes from the worker's {@link PassClock}, read once per pass: the policers' and shapers'
 * TSC time, the FDB's seconds, and the pass time recorded in the latency histogram.
 */
public final class L2Agent implements ReplannableAgent {
  private static final VarHandle PASSES;
  private static final long MAX_LATENCY_NS = 10_000_000_000L;

  static {
    try {
      PASSES = MethodHandles.lookup().findVarHandle(L2Agent.class, "passes", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /**
   * What one worker polls and where it can send: its receive queues with their counter slots, and
   * its transmit set (a buffer per port index). Immutable once published, but for the buffers.
   */
  private record Plan(
      RxQueue[] queues, CounterSlot[] rxCounters, TxSet tx, CounterSlot[] tunnelCounters) {}

  private final int worker;
  private final CounterFile counters;
  private volatile Plan plan;

  @SuppressWarnings("unused") // written through PASSES
  private long passes;

  private final L2Switch l2;

  /** Time of each pass that moved packets, in ns; no atomics and no allocation to record. */
  private final IntervalRecorder latency = new IntervalRecorder(1, MAX_LATENCY_NS, 3);

  private final Arena arena = Arena.ofShared();
  private final BurstContext ctx = new BurstContext(arena);
  private final long hz;
  private final Stage[] stages;
  private final VxlanDecapStage decap;

  /** One tunnel port's share of a decapsulated burst. */
  private final long[] tunnelBurst = new long[PacketBatch.MAX_BURST];

  /** This worker's flow cache (IPFIX), swept once per pass; null without flow export. */
  private final io.vswitch.dataplane.flow.FlowCache flows;

  /** The trace step after each feature, by ordinal: only a traced port's pipeline has them. */
  private final Stage[] traceSteps = TraceStep.all();

  /** Each port's feature list as this worker's stages, made from the tables when they change. */
  private Stage[][] pipelines = new Stage[0][];

  private L2Tables appliedTables;
  private Plan appliedPlan;
  private long lastPassStart;
  private boolean lastPassWorked;

  /**
   * @param worker this worker's index: its transmit queue on every port and its counter slots
   * @param pool the mbuf pool flood copies come from
   */
  public L2Agent(
      int worker,
      List<RxQueue> queues,
      List<Port> ports,
      CounterFile counters,
      L2Switch l2,
      MemorySegment pool) {
    this.worker = worker;
    this.counters = counters;
    this.l2 = l2;
    Port[] byIndex = new Port[counters.capacity()];
    for (Port port : ports) {
      byIndex[port.index()] = port;
    }
    this.plan = plan(queues, byIndex, null);
    this.hz = Eal.current().tscHz();
    this.flows = l2.flowExport() == null ? null : l2.flowExport().cache(worker);
    this.stages =
        Feature.instantiate(new StageResources(worker, l2.fdb(), pool, hz, l2.conntrack(), flows));
    this.decap = (VxlanDecapStage) stages[Feature.VXLAN_DECAP.ordinal()];
  }

  /**
   * Builds a plan, reusing the transmit buffers of ports that stay (they are empty between passes).
   */
  private Plan plan(List<RxQueue> queues, Port[] byIndex, Plan previous) {
    if (byIndex.length > L2Tables.MAX_PORTS) {
      throw new IllegalArgumentException("at most " + L2Tables.MAX_PORTS + " ports");
    }
    RxQueue[] rx = queues.toArray(RxQueue[]::new);
    CounterSlot[] rxCounters = new CounterSlot[rx.length];
    for (int q = 0; q < rx.length; q++) {
      rxCounters[q] = counters.slot(worker, rx[q].port().index());
    }
    TxBuffer[] tx = new TxBuffer[byIndex.length];
    CounterSlot[] tunnelCounters = new CounterSlot[byIndex.length];
    for (int i = 0; i < byIndex.length; i++) {
      Port port = byIndex[i];
      if (port == null) {
        continue;
      }
      if (port instanceof VxlanPort) { // it receives by decapsulation: its rx counter slot
        tunnelCounters[i] = counters.slot(worker, i);
      }
      TxBuffer old = previous == null ? null : previous.tx.buffer(i);
      tx[i] =
          old != null && old.port() == port
              ? old
              : new TxBuffer(port, worker, counters.slot(worker, i), arena);
    }
    return new Plan(rx, rxCounters, new TxSet(tx, TxSet.DRAIN_EVERY_PASS), tunnelCounters);
  }

  @Override
  public void replan(List<RxQueue> queues, Port[] portsByIndex) {
    plan = plan(queues, portsByIndex, plan);
  }

  @Override
  public long passes() {
    return (long) PASSES.getOpaque(this);
  }

  @Override
  public int doWork(PassClock clock) {
    long tsc = clock.now();
    latency.swapIfAsked();
    if (lastPassWorked) {
      latency.record(Math.min(clock.nanos(tsc - lastPassStart), MAX_LATENCY_NS));
    }
    L2Tables tables = l2.tables();
    Plan current = plan; // one read per pass: a new plan takes effect here
    if (tables != appliedTables || current != appliedPlan) {
      apply(tables, current, tsc);
    }
    TxSet tx = current.tx;
    int work = tx.release(tsc);
    if (work == 0 && tx.shapersWaiting()) {
      work = 1; // frames wait for tokens: keep polling, so the idle strategy does not park
    }
    if (worker == 0) {
      work += l2.injector().drain(tx);
    }
    for (int q = 0; q < current.queues.length; q++) {
      work += switchBurst(current, q, tables, clock);
    }
    tx.drain(tsc);
    if (flows != null) {
      flows.tick(clock.millis()); // expiry: a slice of the table once per millisecond
    }
    lastPassStart = tsc;
    lastPassWorked = work > 0;
    PASSES.setOpaque(this, (long) PASSES.getOpaque(this) + 1);
    return work;
  }

  /**
   * Takes in new tables or a new plan: the stages and the transmit set adopt what changed. Runs on
   * the worker, once per publish; allocates only for what changed. What the old plan's buffers
   * still held goes out first.
   */
  private void apply(L2Tables tables, Plan current, long tsc) {
    if (appliedPlan != null && appliedPlan != current) {
      appliedPlan.tx.flush();
    }
    for (Stage stage : stages) {
      stage.adopt(tables, current.queues, tsc);
    }
    if (tables != appliedTables) {
      Stage[][] next = new Stage[tables.portCount()][];
      for (int p = 0; p < next.length; p++) {
        Feature[] features = tables.port(p) == null ? null : tables.features(p);
        if (features != null) {
          next[p] = TraceStep.pipeline(features, stages, traceSteps);
        }
      }
      pipelines = next;
    }
    current.tx.adopt(tables, hz, tsc);
    appliedTables = tables;
    appliedPlan = current;
  }

  private int switchBurst(Plan current, int q, L2Tables tables, PassClock clock) {
    RxQueue in = current.queues[q];
    int received = in.port().receive(in.queue(), ctx.batch());
    if (received == 0) {
      return 0;
    }
    CounterSlot counters = current.rxCounters[q];
    PortPolicy port = tables.ingress(in.port().index()); // a team member's: the team's
    if (port == null) { // the port is being added or removed: tables and plan disagree briefly
      notReady(counters, received);
      return received;
    }
    ctx.begin(tables, port, in.queue(), received, counters, current.tx, clock);
    ctx.receivedOn(in.port().index());
    for (Stage stage : pipelines[port.index]) {
      stage.run(ctx);
    }
    ctx.freeDropped();
    if (decap.stashed() != 0) {
      decapsulated(current, tables, clock);
    }
    return received;
  }

  /**
   * What the uplink's burst decapsulated ({@link VxlanDecapStage}), as one burst per tunnel port it
   * entered by, through that port's list: so it is counted, learned and switched as received there.
   */
  private void decapsulated(Plan current, L2Tables tables, PassClock clock) {
    int n = decap.stashed();
    decap.clear();
    int done = 0;
    for (int k = 0; k < n; k++) {
      if ((done & (1 << k)) != 0) {
        continue;
      }
      int p = decap.stashedPort(k);
      int count = 0;
      for (int j = k; j < n; j++) {
        if ((done & (1 << j)) == 0 && decap.stashedPort(j) == p) {
          tunnelBurst[count++] = decap.stashedMbuf(j);
          done |= 1 << j;
        }
      }
      ctx.batch().load(tunnelBurst, count);
      PortPolicy policy = tables.port(p);
      CounterSlot counters = p < current.tunnelCounters.length ? current.tunnelCounters[p] : null;
      if (policy == null || counters == null || pipelines[p] == null) {
        ctx.batch().freeAll(); // the tunnel is being added or removed
        continue;
      }
      ctx.begin(tables, policy, 0, count, counters, current.tx, clock);
      for (Stage stage : pipelines[p]) {
        stage.run(ctx);
      }
      ctx.freeDropped();
    }
  }

  /**
   * A burst from a port the tables do not have: counted as received and dropped (port_not_ready) so
   * rx = tx + drops holds through a port's add and removal, then freed.
   */
  private void notReady(CounterSlot counters, int received) {
    long bytes = 0;
    for (int i = 0; i < received; i++) {
      bytes += Mbuf.packetLength(ctx.batch().mbuf(i));
    }
    counters.add(PortCounter.RX_PACKETS, received);
    counters.add(PortCounter.RX_BYTES, bytes);
    counters.addDrop(DropReason.PORT_NOT_READY, received);
    ctx.batch().freeAll();
  }

  /** The pass-time recorder; the control thread takes interval histograms from it. */
  public IntervalRecorder latency() {
    return latency;
  }

  /** This worker's stage of {@code feature}; for tests. */
  Stage stage(Feature feature) {
    return stages[feature.ordinal()];
  }

  @Override
  public void onClose() {
    if (worker == 0) {
      l2.injector().discard();
    }
    plan.tx.discard();
    ctx.batch().freeAll();
    arena.close();
  }

  @Override
  public String roleName() {
    return "l2";
  }
}
